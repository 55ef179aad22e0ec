//! `GET /api/v1/diary?matchId=` and `GET /api/v1/diary/{entryId}` — only the member and the
//! sitter of the match read (403 otherwise).

use kernel::{
    AppError, AppResult, Call, Lookup, Order, Page,
    input::{Json, List, Path},
    validate::Id,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    Deps,
    domain::{BY_MATCH, DiaryEntry, DiaryGroup},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct DiaryFilter {
    /// The match whose diary to read.
    #[param(value_type = String, pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$", example = "01KAMATCH00000000000000001")]
    pub match_id: Id,
}

/// The group, if `cx`'s caller may read it.
pub async fn readable(d: &Deps, match_id: &str, cx: &Call) -> AppResult<DiaryGroup> {
    let caller = petmily_events::caller(cx)?;
    let group = d
        .groups
        .get(match_id)
        .await?
        .ok_or_else(|| AppError::not_found("Diary", match_id))?
        .doc;
    if !group.readable_by(&caller.subject) {
        return Err(AppError::Forbidden(
            "only the member and the sitter of a match read its diary".into(),
        ));
    }
    Ok(group)
}

pub async fn list(d: &Deps, q: List<DiaryFilter>, cx: &Call) -> AppResult<Page<DiaryEntry>> {
    let group = readable(d, q.filter.match_id.as_str(), cx).await?;
    d.entries
        .list(Lookup::By(BY_MATCH, group.id), Order::Oldest, &q.page)
        .await
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryId {
    pub entry_id: Id,
}

pub async fn get(d: &Deps, Path(p): Path<EntryId>, cx: &Call) -> AppResult<Json<DiaryEntry>> {
    let entry = d.entries.find(p.entry_id.as_str()).await?.doc;
    readable(d, &entry.match_id, cx).await?;
    if entry.deleted {
        return Err(AppError::not_found("DiaryEntry", entry.id));
    }
    Ok(Json(entry))
}
