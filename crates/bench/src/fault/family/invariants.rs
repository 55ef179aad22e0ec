//! The family's invariants after a fault run, each a `Check` over the settled state and the
//! ledger of what the clients were told.

use std::collections::BTreeMap;

use family_events::Point;
use kernel::Envelope;
use serde_json::Value;

use super::{ledger::Ledger, state::State};
use crate::fault::Check;

/// At least this much must have happened, or the run proves nothing.
pub const MIN_MOVES: usize = 10;
pub const MIN_REPORTS: u64 = 20;

pub fn all(state: &State, ledger: &Ledger) -> Vec<Check> {
    vec![
        activity(state, ledger),
        moves_answered_exist(state, ledger),
        a_move_stops_once_and_stays_stopped(state),
        imminence_once_per_goal(state),
        arrival_inside_the_radius(state),
        alarms_exactly_once_per_event_and_member(state, ledger),
        moveview_follows_the_moves(state),
        no_server_errors(ledger),
    ]
}

fn activity(state: &State, ledger: &Ledger) -> Check {
    let mut check = Check::new(format!(
        "minimum activity: at least {MIN_MOVES} moves started, {MIN_REPORTS} positions accepted, alarms sent"
    ));
    let reports: u64 = ledger.reports.values().sum();
    check.expect(ledger.started.len() >= MIN_MOVES, || {
        format!("only {} moves started", ledger.started.len())
    });
    check.expect(reports >= MIN_REPORTS, || {
        format!("only {reports} positions accepted")
    });
    let alarms: usize = state.alarms.values().map(Vec::len).sum();
    check.expect(alarms > 0, || "no alarm at all".into());
    check
}

fn moves_answered_exist(state: &State, ledger: &Ledger) -> Check {
    let mut check =
        Check::new("every move answered 201 is recorded; every cancel answered 200 is CANCELLED");
    for (id, started) in &ledger.started {
        let m = state.moves.get(id);
        check.expect(
            m.is_some_and(|m| {
                m["customerId"] == started.mover.as_str()
                    && m["familyId"] == started.family.as_str()
            }),
            || {
                format!(
                    "move {id} of {} in {} answered 201 but reads {m:?}",
                    started.mover, started.family
                )
            },
        );
    }
    for id in &ledger.cancelled {
        let status = state.moves.get(id).map(|m| m["status"].clone());
        check.expect(status == Some(Value::from("CANCELLED")), || {
            format!("move {id} cancelled (200) but is {status:?}")
        });
    }
    check
}

/// The move events of each move, in order.
fn by_move(events: &[Envelope]) -> BTreeMap<&str, Vec<&Envelope>> {
    let mut out: BTreeMap<&str, Vec<&Envelope>> = BTreeMap::new();
    for e in events {
        out.entry(e.aggregate_id.as_str()).or_default().push(e);
    }
    for list in out.values_mut() {
        list.sort_by_key(|e| e.version);
    }
    out
}

fn a_move_stops_once_and_stays_stopped(state: &State) -> Check {
    let mut check = Check::new(
        "a move ends or is cancelled at most once, nothing follows it, and its status says so",
    );
    for (id, events) in by_move(&state.move_events) {
        let stops: Vec<usize> = events
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e.event_type.as_str(), "MoveEnded" | "MoveCancelled"))
            .map(|(i, _)| i)
            .collect();
        check.expect(stops.len() <= 1, || {
            format!("move {id} stopped {} times", stops.len())
        });
        if let Some(&i) = stops.first() {
            check.expect(i + 1 == events.len(), || {
                format!(
                    "move {id}: {} after {}",
                    events[i + 1].event_type,
                    events[i].event_type
                )
            });
            let expected = if events[i].event_type == "MoveEnded" {
                "ENDED"
            } else {
                "CANCELLED"
            };
            let status = state.moves.get(id).map(|m| m["status"].clone());
            check.expect(status == Some(Value::from(expected)), || {
                format!(
                    "move {id} recorded {} but is {status:?}",
                    events[i].event_type
                )
            });
        }
    }
    check
}

fn imminence_once_per_goal(state: &State) -> Check {
    let mut check =
        Check::new("ArrivalImminent at most once per goal (start or destination change)");
    for (id, events) in by_move(&state.move_events) {
        let mut since_goal = 0;
        for e in events {
            match e.event_type.as_str() {
                "MoveStarted" | "MoveUpdated" => since_goal = 0,
                "ArrivalImminent" => {
                    since_goal += 1;
                    check.expect(since_goal == 1, || {
                        format!("move {id}: ArrivalImminent {since_goal} times for one goal")
                    });
                }
                _ => {}
            }
        }
    }
    check
}

fn point(v: &Value) -> Option<Point> {
    Point::new(v["lat"].as_f64()?, v["lon"].as_f64()?).ok()
}

fn arrival_inside_the_radius(state: &State) -> Check {
    let mut check = Check::new("a move ends only at a reported position within 100 m of its goal");
    for (id, m) in &state.moves {
        if m["status"] != "ENDED" {
            continue;
        }
        let (at, goal) = (point(&m["position"]), point(&m["goal"]));
        let distance = at.zip(goal).map(|(a, g)| a.distance_m(g));
        check.expect(distance.is_some_and(|d| d <= 100.5), || {
            format!("move {id} ENDED {distance:?} m from its goal")
        });
    }
    check
}

fn alarms_exactly_once_per_event_and_member(state: &State, ledger: &Ledger) -> Check {
    let mut check = Check::new(
        "every founding member got one alarm per move event of another member of the family (none to the mover, none twice)",
    );
    let alarm_type = |t: &str| match t {
        "MoveStarted" => Some("MOVE_STARTED"),
        "MoveUpdated" => Some("MOVE_UPDATED"),
        "ArrivalImminent" => Some("ARRIVAL_IMMINENT"),
        "MoveEnded" => Some("MOVE_ENDED"),
        "MoveCancelled" => Some("MOVE_CANCELLED"),
        _ => None,
    };
    // (customer, move, type) → how many alarms and how many events.
    let mut expected: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for e in &state.move_events {
        let (Some(kind), Some(family), Some(mover)) = (
            alarm_type(&e.event_type),
            e.payload["familyId"].as_str(),
            e.payload["customerId"].as_str(),
        ) else {
            continue;
        };
        for member in ledger.founding_members.get(family).into_iter().flatten() {
            if member != mover {
                *expected
                    .entry((member.clone(), e.aggregate_id.clone(), kind.to_owned()))
                    .or_default() += 1;
            }
        }
    }
    let mut got: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for (customer, alarms) in &state.alarms {
        for a in alarms {
            let key = (
                customer.clone(),
                a["moveId"].as_str().unwrap_or_default().to_owned(),
                a["type"].as_str().unwrap_or_default().to_owned(),
            );
            check.expect(a["moverId"] != customer.as_str(), || {
                format!("{customer} alarmed about their own move: {a}")
            });
            *got.entry(key).or_default() += 1;
        }
    }
    for (key, n) in &expected {
        let g = got.get(key).copied().unwrap_or(0);
        check.expect(g == *n, || format!("{key:?}: {n} events, {g} alarms"));
    }
    check
}

fn moveview_follows_the_moves(state: &State) -> Check {
    let mut check = Check::new("the moveview shows every move with its status, from events alone");
    for (id, m) in &state.moves {
        let row = state.moveviews.get(id);
        check.expect(row.is_some_and(|r| r["status"] == m["status"]), || {
            format!("move {id} is {} but its row reads {row:?}", m["status"])
        });
    }
    check
}

fn no_server_errors(ledger: &Ledger) -> Check {
    let mut check = Check::new("no request answered with a 5xx other than 503");
    check.checked = ledger
        .tallies
        .values()
        .map(|t| (t.done + t.refused + t.unavailable + t.lost) as usize)
        .sum();
    for error in &ledger.server_errors {
        check.expect(false, || error.clone());
    }
    check
}
