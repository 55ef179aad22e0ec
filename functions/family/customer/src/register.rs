//! `POST /customers` — a customer registers (requirement 1) → `CustomerRegistered`: PENDING until a
//! member of the family approves; the first member of a new family is ACTIVE at once
//! (→ `MemberRegistered` too). Who is first is settled by one conditional write of the family's
//! founding record with the customer, so two first registrations racing cannot both found it.

use std::borrow::Cow;

use kernel::{
    AppError, AppResult, Call, Tx,
    aggregate::{self, Attempt, retry_on_conflict},
    input::Json,
    output::Created,
    validate::{Id, Text},
};
use serde::{Deserialize, Deserializer, de::Error as _};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{ObjectBuilder, RefOr, Schema, Type},
};

use crate::{
    Deps,
    domain::{Customer, CustomerCmd, FamilyFounding},
};
use kernel::aggregate::Decide;

/// 이름: the customer's name.
pub type Name = Text<100>;

/// 전화번호: 3 to 20 of digits, `+`, `-`, spaces and parentheses, with at least 3 digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

pub const PHONE_PATTERN: &str = "^[0-9+() -]{3,20}$";

impl Phone {
    pub fn parse(value: &str) -> Result<Self, String> {
        let v = value.trim();
        let allowed = v
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'));
        let digits = v.chars().filter(char::is_ascii_digit).count();
        if (3..=20).contains(&v.len()) && allowed && digits >= 3 {
            Ok(Self(v.to_owned()))
        } else {
            Err(format!(
                "must be 3–20 of digits, '+', '-', ' ', '(' or ')' with at least 3 digits, got {value:?}"
            ))
        }
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Cow::<'de, str>::deserialize(d)?;
        Phone::parse(&raw).map_err(D::Error::custom)
    }
}

impl PartialSchema for Phone {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(PHONE_PATTERN))
            .min_length(Some(3))
            .max_length(Some(20))
            .examples([serde_json::json!("010-1234-5678")])
            .into()
    }
}

impl ToSchema for Phone {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Phone")
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterCustomer {
    /// The customer's id; a new one is made when absent.
    pub customer_id: Option<Id>,
    pub name: Name,
    pub phone: Phone,
    /// The family to join (or to found, if no one has registered in it yet).
    pub family_id: Id,
}

pub async fn register(
    d: &Deps,
    Json(cmd): Json<RegisterCustomer>,
    cx: &Call,
) -> AppResult<Created<Customer>> {
    let id = cmd.customer_id.map_or_else(|| cx.new_id(), Id::into_string);
    let (name, phone, family_id) = (
        cmd.name.into_string(),
        cmd.phone.into_string(),
        cmd.family_id.into_string(),
    );
    let created = retry_on_conflict(|| async {
        if d.customers.get(&id).await?.is_some() {
            return Err(AppError::conflict(format!("customer {id} already exists")).into());
        }
        let founder = d.foundings.get(&family_id).await?.is_none();
        let events = Customer::default()
            .decide(CustomerCmd::Register {
                id: id.clone(),
                name: name.clone(),
                phone: phone.clone(),
                family_id: family_id.clone(),
                founder,
            })
            .map_err(AppError::from)?;
        let mut tx = Tx::new();
        if founder {
            tx.put(
                &FamilyFounding {
                    id: family_id.clone(),
                    founder: id.clone(),
                },
                0,
            )?;
        }
        let committed = aggregate::record(
            &mut tx,
            d.customers.store().context(),
            Customer::default(),
            0,
            events,
            cx,
        )?;
        d.customers
            .store()
            .commit(tx.into_inner())
            .await
            .map_err(Attempt::from)?;
        Ok::<_, Attempt>(committed.state)
    })
    .await?
    .ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "a registration without a marker was a duplicate"
        ))
    })?;
    Ok(Created::at(
        family_events::path(&format!("/customers/{id}")),
        created,
    ))
}

#[cfg(test)]
mod tests {
    use super::Phone;

    #[test]
    fn a_phone_number_is_digits_and_separators() {
        assert!(Phone::parse("010-1234-5678").is_ok());
        assert!(Phone::parse("+82 (10) 1234 5678").is_ok());
        assert!(Phone::parse("12").is_err());
        assert!(Phone::parse("call me").is_err());
        assert!(Phone::parse("---").is_err());
        assert!(Phone::parse("0101234567801012345678").is_err());
    }
}
