//! `POST /api/v1/user/login` and `POST /api/v1/user/refresh` (requirement 2). Failed sign-ins
//! for one login id are slowed down: after too many, 429 with `Retry-After`.

use kernel::{
    AppError, AppResult, Call, Tx,
    aggregate::{Step, write_once},
    input::Json,
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::LoginThrottle,
    password,
    session::{self, TokenPair},
    values::{GivenPassword, LoginId},
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Login {
    pub login_id: LoginId,
    pub password: GivenPassword,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Refresh {
    /// A refresh token from sign-in or the last refresh (at most 4 KiB).
    pub refresh_token: kernel::validate::Text<4096>,
}

fn bad_credentials() -> AppError {
    AppError::Unauthorized("the login id or the password is wrong".into())
}

pub async fn login(d: &Deps, Json(cmd): Json<Login>, cx: &Call) -> AppResult<Json<TokenPair>> {
    d.ensure_admin(cx).await?;
    let login_id = cmd.login_id.as_str();
    let now_ms = cx.now_ms();
    let throttle = d.throttles.get(login_id).await?;
    if let Some(wait) = throttle.as_ref().and_then(|t| t.doc.wait_ms(now_ms)) {
        return Err(AppError::TooManyRequests {
            detail: format!("too many failed sign-ins for {login_id}; try again later"),
            retry_after: u32::try_from((wait + 999) / 1000)
                .unwrap_or(u32::MAX)
                .max(1),
        });
    }
    let account = d.accounts.get(login_id).await?;
    let stored = account.as_ref().map(|a| a.doc.password_hash.clone());
    let ok = password::verify(cmd.password.expose().to_owned(), stored).await?;
    let Some(account) = account.filter(|_| ok) else {
        if d.accounts.get(login_id).await?.is_some() {
            record_failure(d, login_id, now_ms).await?;
        }
        tracing::info!(login_id, "sign-in refused");
        return Err(bad_credentials());
    };
    if throttle.is_some_and(|t| t.doc.failures > 0) {
        clear(d, login_id).await?;
    }
    Ok(Json(session::start(d, &account.doc, cx).await?))
}

pub async fn refresh(d: &Deps, Json(cmd): Json<Refresh>, cx: &Call) -> AppResult<Json<TokenPair>> {
    Ok(Json(
        session::rotate(d, cmd.refresh_token.as_str(), cx).await?,
    ))
}

async fn record_failure(d: &Deps, login_id: &str, now_ms: i64) -> AppResult<()> {
    write_once(&**d.throttles.store(), None, || async {
        let (current, version) = match d.throttles.get(login_id).await? {
            Some(v) => (v.doc, v.version),
            None => (LoginThrottle::default(), 0),
        };
        let mut tx = Tx::new();
        tx.put(&current.failed(login_id, now_ms, d.throttle), version)?;
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}

async fn clear(d: &Deps, login_id: &str) -> AppResult<()> {
    write_once(&**d.throttles.store(), None, || async {
        let Some(current) = d.throttles.get(login_id).await? else {
            return Ok(Step::Skip(()));
        };
        let mut tx = Tx::new();
        tx.put(
            &LoginThrottle {
                id: login_id.to_owned(),
                ..LoginThrottle::default()
            },
            current.version,
        )?;
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
