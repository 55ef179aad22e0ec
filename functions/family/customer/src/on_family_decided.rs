//! On `FamilyApproved` / `FamilyDenied`: customer's policy turns the account ACTIVE
//! (→ `MemberRegistered`) or INACTIVE (→ `MemberDeleted`) (requirement 2), once per event.

use family_events::{FamilyApproved, FamilyDenied};
use kernel::{AppError, Call, Envelope, Marker, aggregate};

use crate::{Deps, domain::CustomerCmd};
use kernel::aggregate::Decide;

pub const NAME: &str = "family-customer-on-family-decided";

pub async fn on_family_decided(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let (customer_id, cmd) = if event.is::<FamilyApproved>() {
        (
            event.payload::<FamilyApproved>()?.customer_id,
            CustomerCmd::Activate,
        )
    } else {
        (
            event.payload::<FamilyDenied>()?.customer_id,
            CustomerCmd::Deactivate,
        )
    };
    let marker = Marker::of(NAME, &event, &customer_id);
    match aggregate::update_once(&d.customers, &customer_id, Some(marker), cx, |c| {
        Ok(c.decide(cmd.clone())?)
    })
    .await
    {
        // A decision about a customer this context never recorded cannot be applied; retrying
        // cannot help.
        Err(AppError::NotFound { .. }) => {
            tracing::error!(customer_id = %customer_id, "membership decided for an unknown customer");
            Ok(())
        }
        other => other.map(drop),
    }
}
