//! `POST /api/v1/user/create` — a customer signs up (requirement 1); and the first admin,
//! created from the secret store.

use kernel::{
    AppError, AppResult, Call, Tx,
    aggregate::{self, Decide},
    input::Json,
    output::Created,
    validate::Text,
};
use petmily_events::{ROLE_ADMIN, ROLE_USER};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{Account, AccountCmd},
    password,
    values::{LoginId, NewPassword},
};

pub type Name = Text<50>;
pub type Address = Text<200>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignUp {
    pub login_id: LoginId,
    /// At least 8 characters; stored only as an argon2id hash, never returned or logged.
    pub password: NewPassword,
    pub name: Name,
    pub address: Address,
}

/// A member as others may see them: never the password or its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// The login id.
    pub id: String,
    pub login_id: String,
    pub name: String,
    pub address: String,
    pub roles: Vec<String>,
}

impl From<&Account> for Member {
    fn from(a: &Account) -> Self {
        Self {
            id: a.id.clone(),
            login_id: a.id.clone(),
            name: a.name.clone(),
            address: a.address.clone(),
            roles: a.roles.clone(),
        }
    }
}

pub async fn create(d: &Deps, Json(cmd): Json<SignUp>, cx: &Call) -> AppResult<Created<Member>> {
    d.ensure_admin(cx).await?;
    let login_id = cmd.login_id.into_string();
    let hash = password::hash(cmd.password.expose().to_owned()).await?;
    let account = record(
        d,
        hash,
        AccountCmd::SignUp {
            login_id: login_id.clone(),
            name: cmd.name.into_string(),
            address: cmd.address.into_string(),
            roles: vec![ROLE_USER.to_owned()],
        },
        cx,
    )
    .await?;
    Ok(Created::at(
        petmily_events::path(&format!("/api/v1/user/{login_id}")),
        Member::from(&account),
    ))
}

/// Records a new account with `hash` (409 when the login id is taken).
async fn record(d: &Deps, hash: String, cmd: AccountCmd, cx: &Call) -> AppResult<Account> {
    let AccountCmd::SignUp { login_id, .. } = &cmd;
    let login_id = login_id.clone();
    let events = Account::default().decide(cmd)?;
    let mut tx = Tx::new();
    let committed = aggregate::record(
        &mut tx,
        d.accounts.store().context(),
        Account::with_password(hash),
        0,
        events,
        cx,
    )?;
    match d.accounts.store().commit(tx.into_inner()).await {
        Ok(()) => Ok(committed.state),
        Err(kernel::store::StoreError::Conflict) => Err(AppError::conflict(format!(
            "the login id {login_id} is taken"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The first ROLE_ADMIN account, unless it exists already (its password is not changed then).
pub async fn create_admin(d: &Deps, password: &str, cx: &Call) -> AppResult<()> {
    if d.accounts.get(&d.admin_login).await?.is_some() {
        return Ok(());
    }
    let hash = password::hash(password.to_owned()).await?;
    let cmd = AccountCmd::SignUp {
        login_id: d.admin_login.clone(),
        name: "Administrator".into(),
        address: "-".into(),
        roles: vec![ROLE_USER.to_owned(), ROLE_ADMIN.to_owned()],
    };
    match record(d, hash, cmd, cx).await {
        Ok(_) => {
            tracing::info!(login_id = %d.admin_login, "created the first admin");
            Ok(())
        }
        Err(AppError::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}
