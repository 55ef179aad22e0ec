//! Petmily — pet care matching (seed 004, DOMAINS.md §5): the system as the hosts see it, its
//! bounded contexts, its token policy and its page in the web UI.

use kernel::{Context, System};

pub fn system() -> System {
    System {
        name: petmily_events::SYSTEM,
        title: "Petmily — pet care matching",
        contexts: vec![
            Context::of::<petmily_user::UserContext>(),
            Context::of::<petmily_pet::PetContext>(),
            Context::of::<petmily_match::MatchContext>(),
            Context::of::<petmily_diary::DiaryContext>(),
            Context::of::<petmily_assess::AssessContext>(),
            Context::of::<petmily_status::StatusContext>(),
        ],
        auth: Some(petmily_user::TOKEN_POLICY),
        ui: Some(include_str!("ui.html")),
        streams: Vec::new(),
        samples: petmily_events::samples,
        sample_id: petmily_events::sample_id,
    }
}
