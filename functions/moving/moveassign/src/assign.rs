//! On movemanage's events for an order (requirements 3, 5), in the order movemanage recorded them:
//! `MovermanageAssigned` assigns one free company near the location that supports the move type
//! → `MoverassignCompleted`, or `MoverassignFailed` when none is; `MovermanageCancelled` releases
//! the order's company → `MoverassignCancelled`.
//!
//! A company serves one move at a time. Taking it is a conditional write: the company's new state
//! (BUSY, this order) is written only if it is still at the version it was read free at, in the
//! same transaction as the assignment and its event. Two orders racing for the last free company:
//! one write wins; the other reads again, finds none free, and fails.

use kernel::{
    AppError, Call, Envelope, Event, Lookup, Marker, Tx,
    aggregate::{self, Decide, Step},
};
use moving_events::{MovermanageAssigned, MovermanageCancelled};

use crate::{
    Deps,
    domain::{AssignCmd, BY_STATUS, CompanyStatus, Moverassign, Order, pick},
};

pub const NAME: &str = "moving-moveassign-on-movermanage";

pub async fn on_movermanage(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    match event.event_type.as_str() {
        MovermanageAssigned::TYPE => assign(d, &event, event.payload()?, cx).await,
        MovermanageCancelled::TYPE => cancel(d, &event, event.payload()?, cx).await,
        other => Err(AppError::invalid(format!("{NAME} does not handle {other}"))),
    }
}

async fn assign(
    d: &Deps,
    event: &Envelope,
    e: MovermanageAssigned,
    cx: &Call,
) -> Result<(), AppError> {
    let order = Order {
        order_id: e.order_id,
        tel: e.tel,
        location: e.location,
        move_type: e.move_type,
    };
    let marker = Marker::of(NAME, event, &order.order_id);
    let store = d.assignments.store();
    aggregate::write_once(&**store, Some(&marker), || async {
        let (current, version) = match d.assignments.get(&order.order_id).await? {
            Some(v) => (v.doc, v.version),
            None => (Moverassign::default(), 0),
        };
        if !current.id.is_empty() {
            return Ok(Step::Skip(()));
        }
        // The assignment keeps where the move is and its type (its events name only the order).
        let current = Moverassign {
            location: order.location.clone(),
            move_type: order.move_type,
            ..current
        };
        let free = d
            .companies
            .list_all(Lookup::By(
                BY_STATUS,
                CompanyStatus::Available.as_str().into(),
            ))
            .await?;
        let mut taken = None;
        for candidate in pick(&free, &order.location, order.move_type) {
            // The list may be behind: the company's own record says whether it is still free.
            if let Some(c) = d.companies.get(&candidate.id).await?
                && let Some(busy) = c.doc.take(&order.order_id)
            {
                taken = Some((busy, c.version));
                break;
            }
        }
        let events = current
            .decide(AssignCmd::Assign {
                order: order.clone(),
                taken: taken.as_ref().map(|(c, _)| c.clone()),
            })
            .map_err(AppError::from)?;
        let mut tx = Tx::new();
        aggregate::record(&mut tx, store.context(), current, version, events, cx)?;
        if let Some((busy, version)) = &taken {
            tx.put(busy, *version)?;
        }
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}

async fn cancel(
    d: &Deps,
    event: &Envelope,
    e: MovermanageCancelled,
    cx: &Call,
) -> Result<(), AppError> {
    let marker = Marker::of(NAME, event, &e.order_id);
    let store = d.assignments.store();
    aggregate::write_once(&**store, Some(&marker), || async {
        let (current, version) = match d.assignments.get(&e.order_id).await? {
            Some(v) => (v.doc, v.version),
            None => (Moverassign::default(), 0),
        };
        let events = current
            .decide(AssignCmd::Cancel {
                order_id: e.order_id.clone(),
                tel: e.tel.clone(),
            })
            .map_err(AppError::from)?;
        if events.is_empty() {
            return Ok(Step::Skip(()));
        }
        let company_id = current.company_id.clone();
        let mut tx = Tx::new();
        aggregate::record(&mut tx, store.context(), current, version, events, cx)?;
        if let Some(id) = company_id
            && let Some(c) = d.companies.get(&id).await?
            && let Some(free) = c.doc.release(&e.order_id)
        {
            tx.put(&free, c.version)?;
        }
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
