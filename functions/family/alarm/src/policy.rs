//! alarm's policies. One policy (the seed merged three commands into one) turns `MoveStarted`,
//! `MoveUpdated`, `ArrivalImminent`, `MoveEnded` and `MoveCancelled` into an alarm for every
//! ACTIVE member of the mover's family except the mover, recorded once per member and event and
//! pushed to the web at once (requirement 6). The members come from customer's events.

use family_events::{CustomerDeleted, MemberDeleted, MemberRegistered};
use kernel::{
    AppError, Call, Envelope, Event, Lookup, Marker, Tx,
    aggregate::{self, Step},
    platform::Notification,
};

use crate::{
    CHANNEL, Deps,
    domain::{Alarm, BY_FAMILY, Member, MoveNews},
};

pub const ON_MOVE: &str = "family-alarm-on-move";
pub const ON_MEMBER: &str = "family-alarm-on-member";

/// On the five move events: an alarm per recipient, each written with its own marker so that a
/// redelivery skips those already alarmed; each pushed once, after its write.
pub async fn on_move(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let news = MoveNews::of(&event)?;
    let members = d
        .members
        .list_all(Lookup::By(BY_FAMILY, news.family_id.clone()))
        .await?;
    let mover = members
        .iter()
        .find(|m| m.id == news.mover_id)
        .map_or_else(|| news.mover_id.clone(), |m| m.name.clone());
    let message = news.message(&mover);
    for member in news.recipients(&members) {
        let marker = Marker::of(ON_MOVE, &event, &member.id);
        let alarm = Alarm {
            id: cx.new_id(),
            customer_id: member.id.clone(),
            move_id: news.move_id.clone(),
            mover_id: news.mover_id.clone(),
            kind: news.kind,
            message: message.clone(),
            read: false,
            created_at: cx.now,
        };
        let written = aggregate::write_once(&**d.alarms.store(), Some(&marker), || async {
            let mut tx = Tx::new();
            tx.put(&alarm, 0)?;
            Ok(Step::Write(tx, ()))
        })
        .await?;
        if written.is_some() {
            push(d, &alarm).await;
        }
    }
    Ok(())
}

/// The alarm to the recipient's open pages. The alarm is recorded whatever happens here: a page
/// that missed the push reads it from `GET /alarms`.
async fn push(d: &Deps, alarm: &Alarm) {
    let data = match serde_json::to_value(alarm) {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "alarm does not serialize");
            return;
        }
    };
    let sent = d
        .notifier
        .notify(Notification {
            channel: CHANNEL.to_owned(),
            recipient: alarm.customer_id.clone(),
            text: alarm.message.clone(),
            data,
        })
        .await;
    if let Err(e) = sent {
        tracing::warn!(alarm_id = %alarm.id, error = %e, "alarm recorded but not pushed");
    }
}

/// On `MemberRegistered` (ACTIVE), `MemberDeleted` (INACTIVE), `CustomerDeleted`: who is an
/// ACTIVE member of which family, once per event.
pub async fn on_member(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    let (customer_id, family_id, name, active) = match event.event_type.as_str() {
        MemberRegistered::TYPE => {
            let e: MemberRegistered = event.payload()?;
            (e.customer_id, e.family_id, Some(e.name), true)
        }
        MemberDeleted::TYPE => {
            let e: MemberDeleted = event.payload()?;
            (e.customer_id, e.family_id, None, false)
        }
        CustomerDeleted::TYPE => {
            let e: CustomerDeleted = event.payload()?;
            (e.customer_id, e.family_id, None, false)
        }
        other => return Err(AppError::invalid(format!("alarm does not follow {other}"))),
    };
    let marker = Marker::of(ON_MEMBER, &event, &customer_id);
    aggregate::write_once(&**d.members.store(), Some(&marker), || async {
        let current = d.members.get(&customer_id).await?;
        let version = current.as_ref().map_or(0, |v| v.version);
        let before = current.map(|v| v.doc);
        let member = Member {
            id: customer_id.clone(),
            family_id: family_id.clone(),
            name: name
                .clone()
                .or_else(|| before.as_ref().map(|m| m.name.clone()))
                .unwrap_or_else(|| customer_id.clone()),
            active,
        };
        let mut tx = Tx::new();
        tx.put(&member, version)?;
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
