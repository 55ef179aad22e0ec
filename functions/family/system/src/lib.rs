//! 가족 도착 알리미 — the family arrival notifier (seed 000, DOMAINS.md §1): the system as the hosts
//! see it, its bounded contexts, its live alarm stream and its page in the web UI.

use kernel::{Context, System};

pub fn system() -> System {
    System {
        name: family_events::SYSTEM,
        title: "가족 도착 알리미 — family arrival notifier",
        contexts: vec![
            Context::of::<family_customer::CustomerContext>(),
            Context::of::<family_family::FamilyContext>(),
            Context::of::<family_move::MoveContext>(),
            Context::of::<family_location::LocationContext>(),
            Context::of::<family_alarm::AlarmContext>(),
            Context::of::<family_moveview::MoveviewContext>(),
        ],
        auth: None,
        ui: Some(include_str!("ui.html")),
        streams: vec![family_alarm::STREAM],
        samples: family_events::samples,
        sample_id: family_events::sample_id,
    }
}
