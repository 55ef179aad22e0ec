//! `POST /museums` — the museum registers an exhibition (requirement 1): the exhibition and its
//! seats counter, in one write.

use kernel::{
    AppResult, Call, Tx, aggregate,
    input::Json,
    output::Created,
    validate::{Count, Date, Text},
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{MAX_CAPACITY, Museum, MuseumCmd, MuseumView, Seats},
};
use kernel::aggregate::Decide;

/// 전시홀: the hall's name.
pub type Hall = Text<100>;
/// 참석가능인원: the seats an exhibition offers.
pub type Capacity = Count<1, { MAX_CAPACITY as i64 }>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterMuseum {
    /// 전시홀
    pub hall: Hall,
    /// 날짜, `YYYY-MM-DD`
    pub date: Date,
    /// 참석가능인원
    pub capacity: Capacity,
}

pub async fn register(
    d: &Deps,
    Json(cmd): Json<RegisterMuseum>,
    cx: &Call,
) -> AppResult<Created<MuseumView>> {
    let id = cx.new_id();
    let capacity = cmd.capacity.get() as u32;
    let events = Museum::default().decide(MuseumCmd::Register {
        id: id.clone(),
        hall: cmd.hall.into_string(),
        date: cmd.date.to_string(),
        capacity,
    })?;
    let seats = Seats {
        id,
        free: i64::from(capacity),
    };
    let mut tx = Tx::new();
    tx.put(&seats, 0)?;
    let created = aggregate::create(&d.museums, tx, events, cx).await?;
    Ok(Created::at(
        museum_events::path(&format!("/museums/{}", created.state.id)),
        MuseumView::of(created.state, &seats),
    ))
}
