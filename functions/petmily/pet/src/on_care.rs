//! On `CareServiceStarted` the sitter may read the pet; on `CareServiceEnded` no longer. Each
//! event changes the pet once, however often it is delivered.

use kernel::{
    AppError, Call, Envelope, Marker, Tx,
    aggregate::{self, Step},
};
use petmily_events::{CareServiceEnded, CareServiceStarted};

use crate::Deps;

pub const NAME: &str = "petmily-pet-on-care";

pub async fn on_care(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    let (pet_id, sitter, started) = if event.is::<CareServiceStarted>() {
        let e: CareServiceStarted = event.payload()?;
        (e.pet_id, e.sitter_id, true)
    } else {
        let e: CareServiceEnded = event.payload()?;
        (e.pet_id, e.sitter_id, false)
    };
    let marker = Marker::of(NAME, &event, &pet_id);
    aggregate::write_once(&**d.pets.store(), Some(&marker), || async {
        let Some(current) = d.pets.get(&pet_id).await? else {
            tracing::warn!(pet_id = %pet_id, "care of an unknown pet");
            return Ok(Step::Skip(()));
        };
        let pet = if started {
            current.doc.cared_by(&sitter)
        } else {
            current.doc.released_by(&sitter)
        };
        let mut tx = Tx::new();
        tx.put(&pet, current.version)?;
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
