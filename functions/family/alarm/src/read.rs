//! `GET /alarms?customerId=` (newest first), `GET /alarms/{id}`, and `POST /alarms/{id}/read`
//! (requirement 6).

use kernel::{
    AppError, AppResult, Call, Lookup, Order, Page, Tx,
    aggregate::{Attempt, retry_on_conflict},
    input::{Json, List},
    validate::Id,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    Deps,
    domain::{Alarm, BY_CUSTOMER},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AlarmQuery {
    /// Whose alarms.
    #[param(value_type = String, example = "son", pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub customer_id: Id,
}

pub async fn list(d: &Deps, q: List<AlarmQuery>, _: &Call) -> AppResult<Page<Alarm>> {
    d.alarms
        .list(
            Lookup::By(BY_CUSTOMER, q.filter.customer_id.into_string()),
            Order::Newest,
            &q.page,
        )
        .await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Alarm>> {
    Ok(Json(d.alarms.find(id.as_str()).await?.doc))
}

/// Marks the alarm read; reading it again changes nothing.
pub async fn mark_read(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Alarm>> {
    let alarm = retry_on_conflict(|| async {
        let current = d.alarms.find(id.as_str()).await?;
        if current.doc.read {
            return Ok(current.doc);
        }
        let alarm = Alarm {
            read: true,
            ..current.doc
        };
        let mut tx = Tx::new();
        tx.put(&alarm, current.version)?;
        d.alarms
            .store()
            .commit(tx.into_inner())
            .await
            .map_err(Attempt::from)?;
        Ok::<_, Attempt>(alarm)
    })
    .await?
    .ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "a read mark without a marker was a duplicate"
        ))
    })?;
    Ok(Json(alarm))
}
