//! 카톡 (KakaoTalk) messages to the customer (requirements 4, 5): on `MovercallConfirmed` the
//! company's name and telephone, on `MovercallFailed` that none was free, on
//! `MovercallCancelConfirmed` that the call is cancelled. Each message is recorded (readable at
//! `GET /moverinfos/messages?tel=`) and sent through the Notifier port: locally recorded and
//! streamed live, on AWS published to an SNS topic a real messaging integration subscribes to.
//!
//! The message is sent before it is recorded with the event's marker: a redelivered event whose
//! message is recorded sends nothing; the record is exactly once (its id is the event's), the
//! push at least once.

use kernel::{
    AppError, Call, Document, Envelope, Event, Keys, Marker, Slot, Tx, platform::Notification,
};
use moving_events::{MovercallCancelConfirmed, MovercallConfirmed, MovercallFailed};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::Deps;

pub const NAME: &str = "moving-customer-kakaotalk";
/// The notification channel (and the live stream's event name).
pub const CHANNEL: &str = "kakaotalk";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    /// The call it is about.
    pub call_id: String,
    #[schema(example = "01012345678")]
    pub tel: String,
    #[schema(
        example = "[이사업체 배정] Mapo Movers (0212345678) — your mover is Mapo Movers, tel 0212345678."
    )]
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// Messages by the customer's telephone.
pub const BY_TEL: Slot = Slot::A;

impl Document for Message {
    const KIND: &'static str = "Message";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.tel.clone()),
            b: None,
        }
    }
}

/// The message `event` sends, Korean and English. Pure.
pub fn compose(event: &Envelope) -> Result<Message, AppError> {
    let (call_id, tel, text) = match event.event_type.as_str() {
        MovercallConfirmed::TYPE => {
            let e: MovercallConfirmed = event.payload()?;
            let text = format!(
                "[이사업체 배정] {} ({}) — your mover is {}, tel {}.",
                e.mover, e.movertel, e.mover, e.movertel
            );
            (e.call_id, e.tel, text)
        }
        MovercallFailed::TYPE => {
            let e: MovercallFailed = event.payload()?;
            let text = format!(
                "[이사업체 배정 실패] 배정 가능한 업체가 없습니다 — no mover could be assigned ({}).",
                e.reason
            );
            (e.call_id, e.tel, text)
        }
        MovercallCancelConfirmed::TYPE => {
            let e: MovercallCancelConfirmed = event.payload()?;
            let text = match &e.mover {
                Some(m) => format!(
                    "[호출취소] {m} 배정이 취소되었습니다 — your call with {m} is cancelled."
                ),
                None => "[호출취소] 호출이 취소되었습니다 — your call is cancelled.".to_owned(),
            };
            (e.call_id, e.tel, text)
        }
        other => return Err(AppError::invalid(format!("{NAME} does not handle {other}"))),
    };
    Ok(Message {
        id: event.event_id.clone(),
        call_id,
        tel,
        text,
        created_at: event.occurred_at,
    })
}

pub async fn kakaotalk(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    let message = compose(&event)?;
    let marker = Marker::of(NAME, &event, &message.call_id);
    if d.messages.is_applied(&marker).await? {
        return Ok(());
    }
    d.notifier
        .notify(Notification {
            channel: CHANNEL.into(),
            recipient: message.tel.clone(),
            text: message.text.clone(),
            data: serde_json::to_value(&message)?,
        })
        .await?;
    let mut tx = Tx::new();
    tx.put(&message, 0)?;
    tx.marker(Some(marker));
    match d.messages.store().commit(tx.into_inner()).await {
        Ok(()) => Ok(()),
        // Recorded by a concurrent delivery of the same event.
        Err(kernel::store::StoreError::Conflict | kernel::store::StoreError::Duplicate) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
