//! 알림 (alarm): one per ACTIVE member of the mover's family except the mover, for each of the
//! five move events; and the members alarm knows from customer's events. Pure.

use family_events::{ArrivalImminent, MoveCancelled, MoveEnded, MoveStarted, MoveUpdated};
use kernel::{AppError, Document, Envelope, Event, Keys, Slot};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlarmType {
    MoveStarted,
    MoveUpdated,
    ArrivalImminent,
    MoveEnded,
    MoveCancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Alarm {
    pub id: String,
    /// Who receives it.
    pub customer_id: String,
    pub move_id: String,
    /// Who moves.
    pub mover_id: String,
    #[serde(rename = "type")]
    pub kind: AlarmType,
    /// Korean and English.
    pub message: String,
    pub read: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// Alarms by recipient (`GET /alarms?customerId=`).
pub const BY_CUSTOMER: Slot = Slot::A;

impl Document for Alarm {
    const KIND: &'static str = "Alarm";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.customer_id.clone()),
            b: None,
        }
    }
}

/// A member of a family as alarm knows it, from customer's events only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// The customer's id.
    pub id: String,
    pub family_id: String,
    pub name: String,
    pub active: bool,
}

/// Members by family.
pub const BY_FAMILY: Slot = Slot::A;

impl Document for Member {
    const KIND: &'static str = "Member";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.family_id.clone()),
            b: None,
        }
    }
}

/// What a move event says, as an alarm tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveNews {
    pub move_id: String,
    pub mover_id: String,
    pub family_id: String,
    pub kind: AlarmType,
    /// Minutes left, where the event says.
    pub minutes: Option<u64>,
}

fn minutes(ms: u64) -> u64 {
    ms.div_ceil(60_000)
}

impl MoveNews {
    /// The news in a move event; an event of another type is not news (400, not retried).
    pub fn of(event: &Envelope) -> Result<Self, AppError> {
        let news = |move_id: String, mover_id: String, family_id: String, kind, minutes| Self {
            move_id,
            mover_id,
            family_id,
            kind,
            minutes,
        };
        Ok(match event.event_type.as_str() {
            MoveStarted::TYPE => {
                let e: MoveStarted = event.payload()?;
                news(
                    e.move_id,
                    e.customer_id,
                    e.family_id,
                    AlarmType::MoveStarted,
                    Some(minutes(e.duration)),
                )
            }
            MoveUpdated::TYPE => {
                let e: MoveUpdated = event.payload()?;
                news(
                    e.move_id,
                    e.customer_id,
                    e.family_id,
                    AlarmType::MoveUpdated,
                    Some(minutes(e.duration)),
                )
            }
            ArrivalImminent::TYPE => {
                let e: ArrivalImminent = event.payload()?;
                news(
                    e.move_id,
                    e.customer_id,
                    e.family_id,
                    AlarmType::ArrivalImminent,
                    Some(minutes(e.remaining_duration)),
                )
            }
            MoveEnded::TYPE => {
                let e: MoveEnded = event.payload()?;
                news(
                    e.move_id,
                    e.customer_id,
                    e.family_id,
                    AlarmType::MoveEnded,
                    None,
                )
            }
            MoveCancelled::TYPE => {
                let e: MoveCancelled = event.payload()?;
                news(
                    e.move_id,
                    e.customer_id,
                    e.family_id,
                    AlarmType::MoveCancelled,
                    None,
                )
            }
            other => return Err(AppError::invalid(format!("alarm does not tell {other}"))),
        })
    }

    /// The message a family member reads, Korean and English.
    pub fn message(&self, mover: &str) -> String {
        let m = self.minutes.unwrap_or(0);
        match self.kind {
            AlarmType::MoveStarted => format!(
                "{mover}님이 이동을 시작했습니다 (약 {m}분) — {mover} started a move (about {m} min)"
            ),
            AlarmType::MoveUpdated => format!(
                "{mover}님의 목적지가 바뀌었습니다 (약 {m}분) — {mover} changed destination (about {m} min)"
            ),
            AlarmType::ArrivalImminent => {
                format!("{mover}님이 곧 도착합니다 ({m}분 이내) — {mover} arrives within {m} min")
            }
            AlarmType::MoveEnded => format!("{mover}님이 도착했습니다 — {mover} has arrived"),
            AlarmType::MoveCancelled => {
                format!("{mover}님이 이동을 취소했습니다 — {mover} cancelled the move")
            }
        }
    }

    /// Who gets the alarm: every ACTIVE member of the mover's family except the mover.
    pub fn recipients<'a>(&self, members: &'a [Member]) -> Vec<&'a Member> {
        members
            .iter()
            .filter(|m| m.active && m.family_id == self.family_id && m.id != self.mover_id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, active: bool) -> Member {
        Member {
            id: id.into(),
            family_id: "kims".into(),
            name: id.into(),
            active,
        }
    }

    fn news(kind: AlarmType) -> MoveNews {
        MoveNews {
            move_id: "m1".into(),
            mover_id: "mom".into(),
            family_id: "kims".into(),
            kind,
            minutes: Some(9),
        }
    }

    #[test]
    fn every_active_member_but_the_mover_is_alarmed() {
        let members = [
            member("mom", true),
            member("son", true),
            member("dad", true),
            member("aunt", false),
            Member {
                family_id: "lees".into(),
                ..member("neighbour", true)
            },
        ];
        let to: Vec<_> = news(AlarmType::MoveStarted)
            .recipients(&members)
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(to, ["son", "dad"]);
    }

    #[test]
    fn each_alarm_type_tells_its_news_in_korean_and_english() {
        assert!(
            news(AlarmType::MoveStarted)
                .message("Mom")
                .contains("Mom started a move (about 9 min)")
        );
        assert!(
            news(AlarmType::ArrivalImminent)
                .message("Mom")
                .contains("곧 도착")
        );
        assert!(
            news(AlarmType::MoveEnded)
                .message("Mom")
                .contains("has arrived")
        );
        assert!(
            news(AlarmType::MoveCancelled)
                .message("Mom")
                .contains("cancelled")
        );
        assert!(
            news(AlarmType::MoveUpdated)
                .message("Mom")
                .contains("changed destination")
        );
    }

    #[test]
    fn minutes_left_round_up() {
        assert_eq!(minutes(600_000), 10);
        assert_eq!(minutes(600_001), 11);
        assert_eq!(minutes(0), 0);
    }
}
