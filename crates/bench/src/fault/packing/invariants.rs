//! The packing system's invariants after a fault run, each a `Check` over the settled state and
//! the ledger of what the clients were told.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Ledger, State};
use crate::fault::{Check, outcome::EventCounts};

pub fn all(state: &State, ledger: &Ledger) -> Vec<Check> {
    let counts = EventCounts::of(&state.events);
    vec![
        every_order_taken_is_recorded(state, ledger),
        every_order_has_one_task(state, &counts),
        order_task_and_payment_agree(state),
        paid_at_most_once_refunded_at_most_once(state, &counts),
        answers_hold(state, ledger),
        order_list_matches(state),
        minimum_activity(ledger),
        no_server_errors(ledger),
    ]
}

fn status<'a>(map: &'a BTreeMap<String, Value>, id: &str) -> Option<&'a str> {
    map.get(id).and_then(|v| v["status"].as_str())
}

fn every_order_taken_is_recorded(state: &State, ledger: &Ledger) -> Check {
    let mut check = Check::new("every order answered 201 is recorded, with its customer");
    for (id, user) in &ledger.ordered {
        let order = state.orders.get(id);
        check.expect(order.is_some_and(|o| o["userId"] == user.as_str()), || {
            format!("order {id} of {user}: {order:?}")
        });
    }
    check
}

fn every_order_has_one_task(state: &State, counts: &EventCounts) -> Check {
    let mut check =
        Check::new("every order has exactly one packing task (taken 24/7, created once)");
    for id in state.orders.keys() {
        let created = counts.count(id, "PackingTaskCreated");
        check.expect(state.tasks.contains_key(id) && created == 1, || {
            format!(
                "order {id}: task {:?}, PackingTaskCreated ×{created}",
                status(&state.tasks, id)
            )
        });
    }
    check
}

/// The order's status, its task's and its payment's, as one saga leaves them.
fn order_task_and_payment_agree(state: &State) -> Check {
    let mut check = Check::new(
        "order, task and payment agree (cancelled/rejected ⇒ refunded or never paid; packed ⇒ paid)",
    );
    for id in state.orders.keys() {
        let (order, task, payment) = (
            status(&state.orders, id).unwrap_or("?"),
            status(&state.tasks, id).unwrap_or("none"),
            status(&state.payments, id).unwrap_or("none"),
        );
        let holds = match order {
            "ORDERED" => task == "WAITING" && payment == "none",
            "PAYMENT_PENDING" => task == "PAYMENT_PENDING" && payment == "none",
            "PAID" => task == "READY_TO_PACK" && payment == "APPROVED",
            "PACKED" => task == "PACKED" && payment == "APPROVED",
            "REJECTED" => task == "REJECTED" && payment != "APPROVED",
            "CANCELLED" => matches!(task, "CANCELLED" | "REJECTED") && payment != "APPROVED",
            _ => false,
        };
        check.expect(holds, || {
            format!("order {id}: {order}, task {task}, payment {payment}")
        });
    }
    check
}

fn paid_at_most_once_refunded_at_most_once(state: &State, counts: &EventCounts) -> Check {
    let mut check = Check::new(
        "each order paid at most once and refunded at most once, and only if paid (exactly-once effect)",
    );
    for id in state.orders.keys() {
        let (approved, refunded) = (
            counts.count(id, "PaymentApproved"),
            counts.count(id, "PaymentRefunded"),
        );
        let cancelled = counts.count(id, "PackingOrderCancelled");
        check.expect(approved <= 1 && refunded <= approved && cancelled <= 1, || {
            format!("order {id}: PaymentApproved ×{approved}, PaymentRefunded ×{refunded}, PackingOrderCancelled ×{cancelled}")
        });
    }
    check
}

/// What a 200 told a client still holds: a cancelled order is cancelled, an accepted one was
/// paid, a packed one is packed unless its cancellation won the race.
fn answers_hold(state: &State, ledger: &Ledger) -> Check {
    let mut check = Check::new("every 200 the clients got still holds");
    for id in &ledger.cancelled {
        let order = status(&state.orders, id);
        check.expect(order == Some("CANCELLED"), || {
            format!("cancel of {id} answered 200, order {order:?}")
        });
    }
    for id in &ledger.accepted {
        let payment = status(&state.payments, id);
        check.expect(matches!(payment, Some("APPROVED" | "REFUNDED")), || {
            format!("accept of {id} answered 200, payment {payment:?}")
        });
    }
    for id in &ledger.packed {
        let order = status(&state.orders, id);
        check.expect(matches!(order, Some("PACKED" | "CANCELLED")), || {
            format!("pack of {id} answered 200, order {order:?}")
        });
    }
    for id in &ledger.rejected {
        let order = status(&state.orders, id);
        check.expect(matches!(order, Some("REJECTED" | "CANCELLED")), || {
            format!("reject of {id} answered 200, order {order:?}")
        });
    }
    check
}

fn order_list_matches(state: &State) -> Check {
    let mut check = Check::new(
        "the order list (CQRS) shows each order's status, packing status and payment status",
    );
    for (id, order) in &state.orders {
        let row = state.rows.get(id);
        let expected = (
            order["status"].clone(),
            state
                .tasks
                .get(id)
                .map_or(Value::Null, |t| t["status"].clone()),
            state
                .payments
                .get(id)
                .map_or(Value::Null, |p| p["status"].clone()),
            order["userId"].clone(),
        );
        let shown = row.map(|r| {
            (
                r["status"].clone(),
                r["packingStatus"].clone(),
                r["paymentStatus"].clone(),
                r["userId"].clone(),
            )
        });
        check.expect(shown.as_ref() == Some(&expected), || {
            format!("order {id}: expected {expected:?}, row {shown:?}")
        });
    }
    check.expect(state.rows.len() == state.orders.len(), || {
        format!(
            "{} rows for {} orders",
            state.rows.len(),
            state.orders.len()
        )
    });
    check
}

/// A run in which nothing happened proves nothing.
fn minimum_activity(ledger: &Ledger) -> Check {
    let mut check = Check::new("minimum activity: orders taken, accepted, packed, cancelled");
    for (kind, least) in [("order", 20), ("accept", 5), ("pack", 2), ("cancel", 2)] {
        let done = ledger.tallies.done(kind);
        check.expect(done >= least, || {
            format!("{kind}: {done} done, fewer than {least}")
        });
    }
    check
}

fn no_server_errors(ledger: &Ledger) -> Check {
    let mut check = Check::new("no packing request answered with a 5xx other than 503");
    check.checked = ledger.tallies.total() as usize;
    for error in &ledger.tallies.server_errors {
        check.expect(false, || error.clone());
    }
    check
}
