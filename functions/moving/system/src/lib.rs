//! 이사업체 호출 — mover dispatch (seed 001, DOMAINS.md §2): the system as the hosts see it, its
//! bounded contexts, its live message stream and its page in the web UI.

use kernel::{Context, System};

pub fn system() -> System {
    System {
        name: moving_events::SYSTEM,
        title: "이사업체 호출 — mover dispatch",
        contexts: vec![
            Context::of::<moving_movecall::MovecallContext>(),
            Context::of::<moving_movemanage::MovemanageContext>(),
            Context::of::<moving_moveassign::MoveassignContext>(),
            Context::of::<moving_customer::CustomerContext>(),
        ],
        auth: None,
        ui: Some(include_str!("ui.html")),
        streams: vec![moving_customer::MESSAGES_LIVE],
        samples: moving_events::samples,
        sample_id: moving_events::sample_id,
    }
}
