//! On `CareServiceStarted` the match's diary group opens; on `CareServiceEnded` it closes
//! (requirement 11). Each event changes the group once, however often it is delivered.

use kernel::{
    AppError, Call, Envelope, Marker, Tx,
    aggregate::{self, Step},
};
use petmily_events::{CareServiceEnded, CareServiceStarted};

use crate::{Deps, domain::DiaryGroup};

pub const NAME: &str = "petmily-diary-on-care";

pub async fn on_care(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    let opened = if event.is::<CareServiceStarted>() {
        let e: CareServiceStarted = event.payload()?;
        Some(DiaryGroup {
            id: e.match_id,
            member_id: e.member_id,
            sitter_id: e.sitter_id,
            pet_id: e.pet_id,
            open: true,
            entries: 0,
        })
    } else {
        None
    };
    let match_id = match &opened {
        Some(g) => g.id.clone(),
        None => event.payload::<CareServiceEnded>()?.match_id,
    };
    let marker = Marker::of(NAME, &event, &match_id);
    aggregate::write_once(&**d.groups.store(), Some(&marker), || async {
        let current = d.groups.get(&match_id).await?;
        let mut tx = Tx::new();
        match (&opened, current) {
            (Some(group), None) => {
                tx.put(group, 0)?;
            }
            (Some(_), Some(_)) => return Ok(Step::Skip(())),
            (None, Some(v)) => {
                tx.put(
                    &DiaryGroup {
                        open: false,
                        ..v.doc
                    },
                    v.version,
                )?;
            }
            (None, None) => {
                tracing::warn!(match_id = %match_id, "care ended for a diary never opened");
                return Ok(Step::Skip(()));
            }
        }
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
