//! 새벽배송 포장 — dawn-delivery packing (seed 003, DOMAINS.md §4): the system as the hosts see
//! it, its bounded contexts and its page in the web UI.

use kernel::{Context, System};

pub fn system() -> System {
    System {
        name: packing_events::SYSTEM,
        title: "Dawn-delivery packing",
        contexts: vec![
            Context::of::<packing_packingorder::PackingorderContext>(),
            Context::of::<packing_productpacking::ProductpackingContext>(),
            Context::of::<packing_payment::PaymentContext>(),
            Context::of::<packing_orderinfo::OrderinfoContext>(),
        ],
        auth: None,
        ui: Some(include_str!("ui.html")),
        streams: Vec::new(),
        samples: packing_events::samples,
        sample_id: packing_events::sample_id,
    }
}
