//! family's policies: a membership request on `CustomerRegistered` (the seed moved this from a
//! command to a policy on purpose), and the membership removed on `CustomerDeleted`
//! (requirements 1, 2). Each applies once per event.

use family_events::{CustomerDeleted, CustomerRegistered};
use kernel::{
    AppError, Call, Envelope, Marker, Tx,
    aggregate::{self, Step},
};

use crate::{
    Deps,
    domain::{Family, FamilyCmd},
};
use kernel::aggregate::Decide;

pub const ON_CUSTOMER_REGISTERED: &str = "family-family-on-customer-registered";
pub const ON_CUSTOMER_DELETED: &str = "family-family-on-customer-deleted";

/// On `CustomerRegistered`: a membership request (REGISTERED), or for the family's founder
/// (registered ACTIVE) the membership at once (APPROVED).
pub async fn on_customer_registered(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let e: CustomerRegistered = event.payload()?;
    let cmd = FamilyCmd::Request {
        family_id: e.family_id.clone(),
        customer_id: e.customer_id,
        name: e.name,
        active: e.status == "ACTIVE",
    };
    change(d, ON_CUSTOMER_REGISTERED, &event, &e.family_id, cmd, cx).await
}

/// On `CustomerDeleted`: the membership is removed.
pub async fn on_customer_deleted(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let e: CustomerDeleted = event.payload()?;
    let cmd = FamilyCmd::Remove {
        customer_id: e.customer_id,
    };
    change(d, ON_CUSTOMER_DELETED, &event, &e.family_id, cmd, cx).await
}

/// Decides `cmd` on the family (a new one if none yet) and records it with the event's marker.
async fn change(
    d: &Deps,
    function: &str,
    event: &Envelope,
    family_id: &str,
    cmd: FamilyCmd,
    cx: &Call,
) -> Result<(), AppError> {
    let marker = Marker::of(function, event, family_id);
    let store = d.families.store();
    aggregate::write_once(&**store, Some(&marker), || async {
        let (family, version) = match d.families.get(family_id).await? {
            Some(v) => (v.doc, v.version),
            None => (Family::default(), 0),
        };
        let events = family.decide(cmd.clone()).map_err(AppError::from)?;
        if events.is_empty() {
            return Ok(Step::Skip(()));
        }
        let mut tx = Tx::new();
        aggregate::record(&mut tx, store.context(), family, version, events, cx)?;
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
