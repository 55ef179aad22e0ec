//! 돌봄일지: a diary group per match (opened by `CareServiceStarted`, closed by
//! `CareServiceEnded`) and its entries. Pure.

use kernel::{Aggregate, AppError, Document, Keys, Slot, aggregate::Decide};
use petmily_events::{DiaryDeleted, DiaryModified, DiaryRegistered};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The diary of one match: who may read and write it, and whether care runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiaryGroup {
    /// The match's id.
    pub id: String,
    pub member_id: String,
    pub sitter_id: String,
    pub pet_id: String,
    /// Care runs: the sitter may write.
    pub open: bool,
    /// Entries written (deleted ones included).
    pub entries: u64,
}

impl Document for DiaryGroup {
    const KIND: &'static str = "DiaryGroup";
    fn id(&self) -> &str {
        &self.id
    }
}

impl DiaryGroup {
    pub fn readable_by(&self, login_id: &str) -> bool {
        self.member_id == login_id || self.sitter_id == login_id
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiaryEntry {
    pub id: String,
    pub match_id: String,
    pub sitter_id: String,
    pub content: String,
    pub deleted: bool,
}

/// Live entries by match (a deleted entry leaves the index).
pub const BY_MATCH: Slot = Slot::A;

impl Document for DiaryEntry {
    const KIND: &'static str = "DiaryEntry";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: (!self.deleted).then(|| self.match_id.clone()),
            b: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum DiaryEvent {
    DiaryRegistered(DiaryRegistered),
    DiaryModified(DiaryModified),
    DiaryDeleted(DiaryDeleted),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiaryCmd {
    Register {
        id: String,
        group: DiaryGroup,
        by: String,
        content: String,
    },
    Modify {
        group: DiaryGroup,
        by: String,
        content: String,
    },
    Delete {
        group: DiaryGroup,
        by: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("only the sitter of match {0} writes its diary")]
    NotTheSitter(String),
    #[error("the diary of match {0} is closed: care is not running")]
    Closed(String),
    #[error("diary entry {0} was deleted")]
    Deleted(String),
    #[error("diary entry {0} already exists")]
    Exists(String),
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::NotTheSitter(_) => Self::Forbidden(r.to_string()),
            Refusal::Deleted(id) => Self::not_found("DiaryEntry", id),
            _ => Self::Conflict(r.to_string()),
        }
    }
}

fn may_write(group: &DiaryGroup, by: &str) -> Result<(), Refusal> {
    if group.sitter_id != by {
        return Err(Refusal::NotTheSitter(group.id.clone()));
    }
    if !group.open {
        return Err(Refusal::Closed(group.id.clone()));
    }
    Ok(())
}

impl Decide for DiaryEntry {
    type Command = DiaryCmd;
    type Refusal = Refusal;

    /// Only the matched sitter writes, and only while care runs.
    fn decide(&self, cmd: DiaryCmd) -> Result<Vec<DiaryEvent>, Refusal> {
        match cmd {
            DiaryCmd::Register {
                id,
                group,
                by,
                content,
            } => {
                may_write(&group, &by)?;
                if !self.id.is_empty() {
                    return Err(Refusal::Exists(self.id.clone()));
                }
                Ok(vec![DiaryEvent::DiaryRegistered(DiaryRegistered {
                    entry_id: id,
                    match_id: group.id,
                    sitter_id: by,
                    content,
                })])
            }
            DiaryCmd::Modify { group, by, content } => {
                may_write(&group, &by)?;
                if self.deleted {
                    return Err(Refusal::Deleted(self.id.clone()));
                }
                Ok(vec![DiaryEvent::DiaryModified(DiaryModified {
                    entry_id: self.id.clone(),
                    match_id: self.match_id.clone(),
                    content,
                })])
            }
            DiaryCmd::Delete { group, by } => {
                may_write(&group, &by)?;
                if self.deleted {
                    return Err(Refusal::Deleted(self.id.clone()));
                }
                Ok(vec![DiaryEvent::DiaryDeleted(DiaryDeleted {
                    entry_id: self.id.clone(),
                    match_id: self.match_id.clone(),
                })])
            }
        }
    }
}

impl Aggregate for DiaryEntry {
    type Event = DiaryEvent;

    fn apply(mut self, event: &DiaryEvent) -> Self {
        match event {
            DiaryEvent::DiaryRegistered(e) => {
                self.id = e.entry_id.clone();
                self.match_id = e.match_id.clone();
                self.sitter_id = e.sitter_id.clone();
                self.content = e.content.clone();
            }
            DiaryEvent::DiaryModified(e) => self.content = e.content.clone(),
            DiaryEvent::DiaryDeleted(_) => self.deleted = true,
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn group(open: bool) -> DiaryGroup {
        DiaryGroup {
            id: "m1".into(),
            member_id: "kim".into(),
            sitter_id: "lee".into(),
            pet_id: "p1".into(),
            open,
            entries: 0,
        }
    }

    fn register(by: &str, open: bool) -> DiaryCmd {
        DiaryCmd::Register {
            id: "e1".into(),
            group: group(open),
            by: by.into(),
            content: "walked".into(),
        }
    }

    fn registered() -> DiaryEvent {
        DiaryEvent::DiaryRegistered(DiaryRegistered {
            entry_id: "e1".into(),
            match_id: "m1".into(),
            sitter_id: "lee".into(),
            content: "walked".into(),
        })
    }

    fn deleted() -> DiaryEvent {
        DiaryEvent::DiaryDeleted(DiaryDeleted {
            entry_id: "e1".into(),
            match_id: "m1".into(),
        })
    }

    #[test]
    fn the_matched_sitter_writes_while_care_runs() {
        let e = given::<DiaryEntry>([])
            .when(register("lee", true))
            .then([registered()]);
        assert_eq!(e.content, "walked");
    }

    #[test]
    fn the_member_or_a_stranger_cannot_write() {
        for who in ["kim", "park"] {
            given::<DiaryEntry>([])
                .when(register(who, true))
                .then_refused(Refusal::NotTheSitter("m1".into()));
        }
    }

    #[test]
    fn nothing_is_written_once_care_ended() {
        given::<DiaryEntry>([])
            .when(register("lee", false))
            .then_refused(Refusal::Closed("m1".into()));
        given::<DiaryEntry>([registered()])
            .when(DiaryCmd::Modify {
                group: group(false),
                by: "lee".into(),
                content: "x".into(),
            })
            .then_refused(Refusal::Closed("m1".into()));
    }

    #[test]
    fn the_sitter_modifies_and_deletes_an_entry_once() {
        let e = given::<DiaryEntry>([registered()])
            .when(DiaryCmd::Modify {
                group: group(true),
                by: "lee".into(),
                content: "ran".into(),
            })
            .then([DiaryEvent::DiaryModified(DiaryModified {
                entry_id: "e1".into(),
                match_id: "m1".into(),
                content: "ran".into(),
            })]);
        assert_eq!(e.content, "ran");
        let e = given::<DiaryEntry>([registered()])
            .when(DiaryCmd::Delete {
                group: group(true),
                by: "lee".into(),
            })
            .then([deleted()]);
        assert!(
            e.deleted && e.keys().a.is_none(),
            "a deleted entry leaves the list"
        );
        given::<DiaryEntry>([registered(), deleted()])
            .when(DiaryCmd::Delete {
                group: group(true),
                by: "lee".into(),
            })
            .then_refused(Refusal::Deleted("e1".into()));
    }

    #[test]
    fn only_the_member_and_the_sitter_read_the_diary() {
        let g = group(true);
        assert!(g.readable_by("kim") && g.readable_by("lee") && !g.readable_by("park"));
    }
}
