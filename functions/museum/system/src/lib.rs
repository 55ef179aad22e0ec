//! SK Museum — exhibition booking (seed 002, DOMAINS.md §3): the system as the hosts see it, its
//! bounded contexts and its page in the web UI.

use kernel::{Context, System};

pub fn system() -> System {
    System {
        name: museum_events::SYSTEM,
        title: "SK Museum — exhibition booking",
        contexts: vec![
            Context::of::<museum_museum::MuseumContext>(),
            Context::of::<museum_book::BookContext>(),
            Context::of::<museum_confirm::ConfirmContext>(),
            Context::of::<museum_mypage::MypageContext>(),
        ],
        auth: None,
        ui: Some(include_str!("ui.html")),
        streams: Vec::new(),
        samples: museum_events::samples,
        sample_id: museum_events::sample_id,
    }
}
