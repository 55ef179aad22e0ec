//! `POST /api/v1/diary`, `PUT|DELETE /api/v1/diary/{entryId}` (requirement 12): only the
//! matched sitter, only while care runs. Each write also moves the group's version, so an entry
//! is never written after the group's closing was recorded.

use kernel::{
    AppError, AppResult, Call, Tx,
    aggregate::{self, Attempt, Decide, retry_on_conflict},
    input::{Json, Path},
    output::Created,
    validate::{Id, Text},
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{DiaryCmd, DiaryEntry, DiaryGroup},
    read::EntryId,
};

pub type Content = Text<5000>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterEntry {
    pub match_id: Id,
    pub content: Content,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModifyEntry {
    pub content: Content,
}

async fn group(d: &Deps, match_id: &str) -> Result<kernel::Versioned<DiaryGroup>, AppError> {
    d.groups
        .get(match_id)
        .await?
        .ok_or_else(|| AppError::not_found("Diary", match_id))
}

pub async fn register(
    d: &Deps,
    Json(cmd): Json<RegisterEntry>,
    cx: &Call,
) -> AppResult<Created<DiaryEntry>> {
    let by = petmily_events::caller(cx)?.subject.clone();
    let id = cx.new_id();
    let content = cmd.content.into_string();
    let store = d.entries.store();
    let entry = retry_on_conflict(|| async {
        let g = group(d, cmd.match_id.as_str()).await?;
        let events = DiaryEntry::default()
            .decide(DiaryCmd::Register {
                id: id.clone(),
                group: g.doc.clone(),
                by: by.clone(),
                content: content.clone(),
            })
            .map_err(AppError::from)?;
        let mut tx = Tx::new();
        let committed = aggregate::record(
            &mut tx,
            store.context(),
            DiaryEntry::default(),
            0,
            events,
            cx,
        )?;
        tx.put(
            &DiaryGroup {
                entries: g.doc.entries + 1,
                ..g.doc
            },
            g.version,
        )?;
        store
            .commit(tx.into_inner())
            .await
            .map_err(Attempt::Store)?;
        Ok(committed.state)
    })
    .await?
    .ok_or_else(|| AppError::internal(anyhow::anyhow!("a diary entry was a duplicate")))?;
    Ok(Created::at(
        petmily_events::path(&format!("/api/v1/diary/{id}")),
        entry,
    ))
}

pub async fn modify(
    d: &Deps,
    (Path(p), Json(cmd)): (Path<EntryId>, Json<ModifyEntry>),
    cx: &Call,
) -> AppResult<Json<DiaryEntry>> {
    let by = petmily_events::caller(cx)?.subject.clone();
    let content = cmd.content.into_string();
    change(d, p.entry_id.as_str(), cx, |group| DiaryCmd::Modify {
        group,
        by: by.clone(),
        content: content.clone(),
    })
    .await
    .map(Json)
}

pub async fn delete(d: &Deps, Path(p): Path<EntryId>, cx: &Call) -> AppResult<Json<DiaryEntry>> {
    let by = petmily_events::caller(cx)?.subject.clone();
    change(d, p.entry_id.as_str(), cx, |group| DiaryCmd::Delete {
        group,
        by: by.clone(),
    })
    .await
    .map(Json)
}

async fn change(
    d: &Deps,
    entry_id: &str,
    cx: &Call,
    cmd: impl Fn(DiaryGroup) -> DiaryCmd,
) -> AppResult<DiaryEntry> {
    let store = d.entries.store();
    retry_on_conflict(|| async {
        let entry = d.entries.find(entry_id).await?;
        let g = group(d, &entry.doc.match_id).await?;
        if !g.doc.readable_by(&petmily_events::caller(cx)?.subject) {
            return Err(Attempt::App(AppError::Forbidden(
                "only the sitter of the match writes its diary".into(),
            )));
        }
        let events = entry
            .doc
            .decide(cmd(g.doc.clone()))
            .map_err(AppError::from)?;
        let mut tx = Tx::new();
        let committed = aggregate::record(
            &mut tx,
            store.context(),
            entry.doc,
            entry.version,
            events,
            cx,
        )?;
        tx.put(&g.doc, g.version)?;
        store
            .commit(tx.into_inner())
            .await
            .map_err(Attempt::Store)?;
        Ok(committed.state)
    })
    .await?
    .ok_or_else(|| AppError::internal(anyhow::anyhow!("a diary change was a duplicate")))
}
