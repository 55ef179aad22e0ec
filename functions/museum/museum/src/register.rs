//! `POST /museums` — the museum registers an exhibition (requirement 1).

use std::sync::Arc;

use kernel::{
    AppResult, HttpRequest, HttpResponse, RequestExt, Tx, aggregate, ids, reply, validate,
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{MAX_CAPACITY, Museum, MuseumCmd},
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterMuseum {
    /// 전시홀
    #[schema(
        example = "Hall A",
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub hall: String,
    /// 날짜, `YYYY-MM-DD`
    #[schema(example = "2026-12-24", format = Date)]
    pub date: String,
    /// 참석가능인원
    #[schema(example = 30, minimum = 1, maximum = 100000)]
    #[serde(deserialize_with = "validate::whole_number")]
    pub capacity: i64,
}

pub async fn register(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let body: RegisterMuseum = req.json()?;
    let cmd = MuseumCmd::Register {
        id: ids::new_id(),
        hall: validate::text("hall", &body.hall, 100)?,
        date: validate::date("date", &body.date)?.to_string(),
        capacity: validate::int_in("capacity", body.capacity, 1..=i64::from(MAX_CAPACITY))? as u32,
    };
    let events = Museum::default().decide(cmd)?;
    let created = aggregate::create(&d.museums, Tx::new(), events, &req.call()).await?;
    reply::created(
        &museum_events::path(&format!("/museums/{}", created.state.id)),
        &created.state,
    )
}
