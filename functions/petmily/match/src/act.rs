//! `POST /api/v1/match/{id}/accept|reject|end` (requirements 9, 10). Only the two parties act
//! (403). Accepting starts the care and marks the application MATCHED in one write, so two
//! matches of one application never both start.

use kernel::{
    AppError, AppResult, Call, Tx,
    aggregate::{self, Attempt, Decide, retry_on_conflict},
    input::Json,
    validate::Id,
};

use crate::{
    Deps,
    domain::{ApplicationCmd, Match, MatchCmd},
};

pub async fn accept(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<Match>> {
    let by = petmily_events::caller(cx)?.subject.clone();
    let store = d.matches.store();
    let started = retry_on_conflict(|| async {
        let m = d.matches.find(id.as_str()).await?;
        let events = m
            .doc
            .decide(MatchCmd::Accept { by: by.clone() })
            .map_err(AppError::from)?;
        let application = d.applications.find(&m.doc.application_id).await?;
        let matched = application
            .doc
            .decide(ApplicationCmd::Match {
                match_id: m.doc.id.clone(),
            })
            .map_err(AppError::from)?;
        let mut tx = Tx::new();
        let committed = aggregate::record(&mut tx, store.context(), m.doc, m.version, events, cx)?;
        aggregate::record(
            &mut tx,
            store.context(),
            application.doc,
            application.version,
            matched,
            cx,
        )?;
        store
            .commit(tx.into_inner())
            .await
            .map_err(Attempt::Store)?;
        Ok(committed.state)
    })
    .await?
    .ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "an accept without a marker was a duplicate"
        ))
    })?;
    Ok(Json(started))
}

pub async fn reject(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<Match>> {
    let by = petmily_events::caller(cx)?.subject.clone();
    act(d, id, MatchCmd::Reject { by }, cx).await
}

pub async fn end(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<Match>> {
    let by = petmily_events::caller(cx)?.subject.clone();
    act(d, id, MatchCmd::End { by }, cx).await
}

async fn act(d: &Deps, id: Id, cmd: MatchCmd, cx: &Call) -> AppResult<Json<Match>> {
    let m = aggregate::update(&d.matches, id.as_str(), cx, |m| Ok(m.decide(cmd.clone())?)).await?;
    Ok(Json(m))
}
