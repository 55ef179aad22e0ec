//! Every system the front door serves, each with its bounded contexts.

use kernel::{Context, System};

pub fn all() -> Vec<System> {
    vec![museum()]
}

pub fn museum() -> System {
    System {
        name: museum_events::SYSTEM,
        title: "SK Museum — exhibition booking",
        contexts: vec![
            Context::of::<museum_museum::MuseumContext>(),
            Context::of::<museum_book::BookContext>(),
            Context::of::<museum_confirm::ConfirmContext>(),
            Context::of::<museum_mypage::MypageContext>(),
        ],
        samples: museum_events::samples,
        sample_id: museum_events::sample_id,
    }
}
