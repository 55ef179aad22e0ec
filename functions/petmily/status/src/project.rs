//! The projection: each match event updates its row, exactly once.

use kernel::{
    AppError, Call, Envelope, Marker, Tx,
    aggregate::{self, Step},
};

use crate::{Deps, view::CareStatus};

pub const NAME: &str = "petmily-status-on-match";

pub async fn on_match(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    let match_id = event.aggregate_id.clone();
    let marker = Marker::of(NAME, &event, &match_id);
    aggregate::write_once(&**d.rows.store(), Some(&marker), || async {
        let (row, version) = match d.rows.get(&match_id).await? {
            Some(v) => (v.doc, v.version),
            None => (CareStatus::default(), 0),
        };
        let mut tx = Tx::new();
        tx.put(&row.project(&event)?, version)?;
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
