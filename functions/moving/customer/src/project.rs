//! The moverinfos projection (requirement 6): every movecall event updates its call's row,
//! exactly once.

use kernel::{
    AppError, Call, Envelope, Marker, Tx,
    aggregate::{self, Step},
};

use crate::{
    Deps,
    view::{Moverinfo, subject},
};

pub const NAME: &str = "moving-customer-on-movecall";

pub async fn on_movecall(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    let (call_id, _) = subject(&event)?;
    let marker = Marker::of(NAME, &event, &call_id);
    aggregate::write_once(&**d.rows.store(), Some(&marker), || async {
        let (row, version) = match d.rows.get(&call_id).await? {
            Some(v) => (v.doc, v.version),
            None => (Moverinfo::default(), 0),
        };
        let mut tx = Tx::new();
        tx.put(&row.project(&event)?, version)?;
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
