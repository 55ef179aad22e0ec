//! The moving system's invariants after a fault run, each a `Check` over the settled state and
//! the ledger of what the clients were told.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Ledger, State};
use crate::fault::{Check, outcome::EventCounts};

pub fn all(state: &State, ledger: &Ledger) -> Vec<Check> {
    let counts = EventCounts::of(&state.events);
    vec![
        every_call_taken_is_recorded(state, ledger),
        every_call_is_settled(state),
        a_company_serves_one_live_call(state),
        assigned_companies_serve_the_move(state),
        cancelled_calls_free_their_company(state, ledger),
        movemanage_agrees(state),
        moveassign_agrees(state),
        requests_of_unrecorded_calls_are_withdrawn(state),
        moverinfos_agree(state),
        one_message_per_outcome(state),
        events_recorded_once(state, &counts),
        minimum_activity(state, ledger, &counts),
        no_server_errors(ledger),
    ]
}

fn status<'a>(map: &'a BTreeMap<String, Value>, id: &str) -> Option<&'a str> {
    map.get(id).and_then(|v| v["status"].as_str())
}

/// Companies serving an order (BUSY with it), by order id.
fn serving(state: &State) -> BTreeMap<&str, Vec<&str>> {
    let mut serving: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, c) in &state.companies {
        if let Some(order) = c["orderId"].as_str() {
            serving.entry(order).or_default().push(id);
        }
    }
    serving
}

fn every_call_taken_is_recorded(state: &State, ledger: &Ledger) -> Check {
    let mut check = Check::new(
        "every call answered 201 is recorded, with its telephone, location and move type",
    );
    for (id, sent) in &ledger.called {
        let call = state.calls.get(id);
        let holds = call.is_some_and(|c| {
            c["tel"] == sent["tel"]
                && c["location"] == sent["location"]
                && c["moveType"] == sent["moveType"]
        });
        check.expect(holds, || {
            format!("call {id} sent {sent}: recorded {call:?}")
        });
    }
    check
}

/// Once the bus has drained, no call is still waiting: each is CONFIRMED with its company, FAILED
/// without one, or CANCELLED.
fn every_call_is_settled(state: &State) -> Check {
    let mut check = Check::new(
        "every call is settled: CONFIRMED with a company, FAILED with none, or CANCELLED",
    );
    for (id, call) in &state.calls {
        let company = &call["company"];
        let holds = match call["status"].as_str() {
            Some("CONFIRMED") => company["name"].is_string() && company["tel"].is_string(),
            Some("FAILED") => company.is_null() && call["reason"].is_string(),
            Some("CANCELLED") => true,
            _ => false,
        };
        check.expect(holds, || {
            format!("call {id}: {}, company {company}", call["status"])
        });
    }
    check
}

/// A company serves one move at a time (decided): every CONFIRMED call is served by exactly one
/// company, BUSY with it and named as the call names it, and every BUSY company serves a
/// CONFIRMED call.
fn a_company_serves_one_live_call(state: &State) -> Check {
    let mut check = Check::new(
        "a company serves at most one live call: CONFIRMED calls and BUSY companies pair up one to one",
    );
    let serving = serving(state);
    let mut live_per_company: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, call) in state
        .calls
        .iter()
        .filter(|(_, c)| c["status"] == "CONFIRMED")
    {
        let company_id = state
            .assignments
            .get(id)
            .and_then(|a| a["companyId"].as_str());
        if let Some(c) = company_id {
            live_per_company.entry(c).or_default().push(id);
        }
        let company = company_id.and_then(|c| state.companies.get(c));
        let served_by = serving.get(id.as_str()).cloned().unwrap_or_default();
        let holds = company.is_some_and(|c| {
            c["status"] == "BUSY"
                && c["orderId"] == id.as_str()
                && c["name"] == call["company"]["name"]
                && c["tel"] == call["company"]["tel"]
        }) && served_by.len() == 1;
        check.expect(holds, || {
            format!(
                "CONFIRMED call {id} with {}: assigned company {company:?}, served by {served_by:?}",
                call["company"]
            )
        });
    }
    for (company, calls) in &live_per_company {
        check.expect(calls.len() <= 1, || {
            format!("company {company} assigned to live calls {calls:?}")
        });
    }
    for (id, c) in &state.companies {
        let order = c["orderId"].as_str();
        let holds = match (c["status"].as_str(), order) {
            (Some("BUSY"), Some(order)) => status(&state.calls, order) == Some("CONFIRMED"),
            (Some("AVAILABLE"), None) => true,
            _ => false,
        };
        check.expect(holds, || {
            format!(
                "company {id} {} serving {order:?}, a call {:?}",
                c["status"],
                order.and_then(|o| status(&state.calls, o))
            )
        });
    }
    check
}

/// The company assigned to an order is near its location and supports its move type.
fn assigned_companies_serve_the_move(state: &State) -> Check {
    let mut check =
        Check::new("every assigned company serves the order's location and supports its move type");
    for e in state
        .events
        .iter()
        .filter(|e| e.event_type == "MoverassignCompleted")
    {
        let id = &e.aggregate_id;
        let request = state.requests.get(id);
        let company = e.payload["companyId"]
            .as_str()
            .and_then(|c| state.companies.get(c));
        let holds = match (request, company) {
            (Some(r), Some(c)) => {
                let at = r["location"].as_str().unwrap_or_default().to_lowercase();
                let near = c["regions"].as_array().is_some_and(|regions| {
                    regions
                        .iter()
                        .any(|g| g.as_str().is_some_and(|g| g.trim().to_lowercase() == at))
                });
                let supports = c["moveTypes"]
                    .as_array()
                    .is_some_and(|types| types.contains(&r["moveType"]));
                near && supports && c["name"] == e.payload["mover"]
            }
            _ => false,
        };
        check.expect(holds, || {
            format!(
                "order {id} assigned {}: request {request:?}, company {company:?}",
                e.payload
            )
        });
    }
    check
}

/// A 202 to a cancellation holds: the call ends CANCELLED; and no CANCELLED call keeps a company.
fn cancelled_calls_free_their_company(state: &State, ledger: &Ledger) -> Check {
    let mut check = Check::new(
        "every call cancelled (202) is CANCELLED, and no cancelled call holds a company",
    );
    for id in &ledger.cancelled {
        let s = status(&state.calls, id);
        check.expect(s == Some("CANCELLED"), || {
            format!("cancel of {id} answered 202, call {s:?}")
        });
    }
    let serving = serving(state);
    for (id, _) in state
        .calls
        .iter()
        .filter(|(_, c)| c["status"] == "CANCELLED")
    {
        let held = serving.get(id.as_str());
        check.expect(held.is_none(), || {
            format!("cancelled call {id} still served by {held:?}")
        });
    }
    check
}

/// movemanage's request says what movecall's call says.
fn movemanage_agrees(state: &State) -> Check {
    let mut check = Check::new(
        "movemanage's request agrees with movecall's call (CONFIRMED/FAILED/CANCEL_REQUESTED, the mover, the call recorded)",
    );
    for (id, call) in &state.calls {
        let request = state.requests.get(id);
        let holds = request.is_some_and(|r| {
            let same = r["tel"] == call["tel"]
                && r["location"] == call["location"]
                && r["moveType"] == call["moveType"]
                && r["cost"] == call["cost"]
                && r["callRecorded"] == true;
            let agrees = match call["status"].as_str() {
                Some("CONFIRMED") => {
                    r["status"] == "CONFIRMED" && r["mover"] == call["company"]["name"]
                }
                Some("FAILED") => r["status"] == "FAILED",
                Some("CANCELLED") => r["status"] == "CANCEL_REQUESTED",
                _ => false,
            };
            same && agrees
        });
        check.expect(holds, || {
            format!(
                "call {id} {} ({}): request {request:?}",
                call["status"], call["company"]
            )
        });
    }
    check
}

/// moveassign's assignment says what movecall's call says.
fn moveassign_agrees(state: &State) -> Check {
    let mut check = Check::new(
        "moveassign's assignment agrees with movecall's call (location, move type; ASSIGNED/FAILED/CANCELLED, the company)",
    );
    for (id, call) in &state.calls {
        let a = state.assignments.get(id);
        let holds = a.is_some_and(|a| {
            a["location"] == call["location"] && a["moveType"] == call["moveType"]
        }) && a.is_some_and(|a| match call["status"].as_str() {
            Some("CONFIRMED") => {
                a["status"] == "ASSIGNED"
                    && a["mover"] == call["company"]["name"]
                    && a["movertel"] == call["company"]["tel"]
            }
            Some("FAILED") => a["status"] == "FAILED" && a["companyId"].is_null(),
            Some("CANCELLED") => a["status"] == "CANCELLED",
            _ => false,
        });
        check.expect(holds, || {
            format!("call {id} {}: assignment {a:?}", call["status"])
        });
    }
    check
}

/// Requests taken for calls movecall never recorded (the process killed in between, or the call
/// past its deadline) are withdrawn, and their companies are free.
fn requests_of_unrecorded_calls_are_withdrawn(state: &State) -> Check {
    let mut check = Check::new(
        "every request whose call was never recorded is withdrawn (CANCEL_REQUESTED) and holds no company",
    );
    let serving = serving(state);
    for (id, r) in state
        .requests
        .iter()
        .filter(|(id, _)| !state.calls.contains_key(*id))
    {
        let assignment = status(&state.assignments, id);
        let held = serving.get(id.as_str());
        let holds = r["status"] == "CANCEL_REQUESTED"
            && matches!(assignment, None | Some("CANCELLED"))
            && held.is_none();
        check.expect(holds, || {
            format!(
                "orphan request {id} {}: assignment {assignment:?}, served by {held:?}",
                r["status"]
            )
        });
    }
    check
}

/// The customer's view (CQRS, fed only by movecall's events) shows each call as movecall has it.
fn moverinfos_agree(state: &State) -> Check {
    let mut check = Check::new(
        "the moverinfos view shows every call as movecall has it (tel, move type, location, status, company)",
    );
    for (id, call) in &state.calls {
        let expected = (
            call["tel"].clone(),
            call["moveType"].clone(),
            call["location"].clone(),
            call["status"].clone(),
            call["company"].clone(),
        );
        let shown = state.rows.get(id).map(|r| {
            (
                r["tel"].clone(),
                r["moveType"].clone(),
                r["location"].clone(),
                r["status"].clone(),
                r["company"].clone(),
            )
        });
        check.expect(shown.as_ref() == Some(&expected), || {
            format!("call {id}: expected {expected:?}, row {shown:?}")
        });
    }
    check.expect(
        state.rows.len() == state.calls.len() && state.rows_listed == state.rows.len(),
        || {
            format!(
                "{} rows ({} listed) for {} calls",
                state.rows.len(),
                state.rows_listed,
                state.calls.len()
            )
        },
    );
    check
}

/// The customer is messaged once per outcome of a call: its company confirmed (the message names
/// it), no company free, the call cancelled. Each message is the event it was sent for.
fn one_message_per_outcome(state: &State) -> Check {
    let mut check = Check::new(
        "one KakaoTalk message per confirmed, failed and cancelled call (per event, none twice), naming the company",
    );
    let mut messages: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    for m in &state.messages {
        messages
            .entry(m["callId"].as_str().unwrap_or_default())
            .or_default()
            .push(m);
        let id = m["id"].as_str().unwrap_or_default();
        check.expect(ids.insert(id), || format!("message {id} listed twice"));
    }
    let mut expected: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in state.events.iter().filter(|e| {
        matches!(
            e.event_type.as_str(),
            "MovercallConfirmed" | "MovercallFailed" | "MovercallCancelConfirmed"
        )
    }) {
        expected
            .entry(e.aggregate_id.as_str())
            .or_default()
            .insert(e.event_id.as_str());
    }
    for (id, call) in &state.calls {
        let sent = messages.get(id.as_str()).cloned().unwrap_or_default();
        let sent_ids: BTreeSet<&str> = sent.iter().filter_map(|m| m["id"].as_str()).collect();
        let want = expected.get(id.as_str()).cloned().unwrap_or_default();
        let to_customer = sent.iter().all(|m| m["tel"] == call["tel"]);
        let names_company = match call["company"]["name"].as_str() {
            Some(name) => sent
                .iter()
                .any(|m| m["text"].as_str().is_some_and(|t| t.contains(name))),
            None => true,
        };
        // Confirmed, failed: one. Cancelled: one, and one before it if it had been confirmed.
        let needed = 1 + usize::from(call["status"] == "CANCELLED" && !call["company"].is_null());
        let holds = sent_ids == want && want.len() == needed && to_customer && names_company;
        check.expect(holds, || {
            format!(
                "call {id} {} ({}): messages {:?}, events {want:?}",
                call["status"],
                call["company"],
                sent.iter().map(|m| &m["text"]).collect::<Vec<_>>()
            )
        });
    }
    let strays: Vec<&&str> = messages
        .keys()
        .filter(|c| !state.calls.contains_key(**c))
        .collect();
    check.expect(strays.is_empty(), || {
        format!("messages about calls never recorded: {strays:?}")
    });
    check
}

/// Duplicate deliveries and restarts take effect once: one of each event per call, one outcome
/// per request.
fn events_recorded_once(state: &State, counts: &EventCounts) -> Check {
    let mut check = Check::new(
        "each call called once, confirmed or failed at most once, cancelled at most once; each request assigned once with one outcome",
    );
    for (id, call) in &state.calls {
        let c = |t: &str| counts.count(id, t);
        let (called, confirmed, failed) = (
            c("MovercallCalled"),
            c("MovercallConfirmed"),
            c("MovercallFailed"),
        );
        let (cancelled, cancel_confirmed) =
            (c("MovercallCancelled"), c("MovercallCancelConfirmed"));
        let is_cancelled = usize::from(call["status"] == "CANCELLED");
        let holds = called == 1
            && confirmed + failed <= 1
            && cancelled <= 1
            && cancel_confirmed == is_cancelled
            && cancelled == is_cancelled
            && c("MovermanageCancelled") <= 1
            && c("MoverassignCancelled") <= 1;
        check.expect(holds, || {
            format!(
                "call {id} {}: Called ×{called}, Confirmed ×{confirmed}, Failed ×{failed}, Cancelled ×{cancelled}, CancelConfirmed ×{cancel_confirmed}, MovermanageCancelled ×{}, MoverassignCancelled ×{}",
                call["status"],
                c("MovermanageCancelled"),
                c("MoverassignCancelled")
            )
        });
    }
    for id in state.requests.keys() {
        let c = |t: &str| counts.count(id, t);
        let (assigned, outcome) = (
            c("MovermanageAssigned"),
            c("MoverassignCompleted") + c("MoverassignFailed"),
        );
        check.expect(assigned == 1 && outcome == 1, || {
            format!("request {id}: MovermanageAssigned ×{assigned}, MoverassignCompleted/Failed ×{outcome}")
        });
    }
    check
}

/// A run in which nothing happened proves nothing.
fn minimum_activity(state: &State, ledger: &Ledger, counts: &EventCounts) -> Check {
    let mut check = Check::new(
        "minimum activity: calls taken, confirmed, failed and cancelled; companies registered",
    );
    for (kind, least) in [("call", 20), ("cancel", 3), ("register company", 1)] {
        let done = ledger.tallies.done(kind);
        check.expect(done >= least, || {
            format!("{kind}: {done} done, fewer than {least}")
        });
    }
    let reached = |t: &str| {
        state
            .calls
            .keys()
            .filter(|id| counts.count(id, t) > 0)
            .count()
    };
    for (event, least) in [
        ("MovercallConfirmed", 5),
        ("MovercallFailed", 1),
        ("MovercallCancelConfirmed", 3),
    ] {
        let n = reached(event);
        check.expect(n >= least, || {
            format!("{n} calls with {event}, fewer than {least}")
        });
    }
    check
}

fn no_server_errors(ledger: &Ledger) -> Check {
    let mut check = Check::new("no moving request answered with a 5xx other than 503");
    check.checked = ledger.tallies.total() as usize;
    for error in &ledger.tallies.server_errors {
        check.expect(false, || error.clone());
    }
    check
}
