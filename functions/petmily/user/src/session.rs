//! Sign-in sessions: each sign-in starts a token family; each refresh token is recorded by its
//! id (`jti`) and may be traded once. A refresh token traded a second time (a replay: someone
//! else has it too) revokes its whole family, so neither copy works any more.

use kernel::{
    AppError, AppResult, Call, Document, Tx,
    aggregate::{Attempt, retry_on_conflict},
    auth::TokenKind,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{ACCESS_TTL, Deps, REFRESH_TTL, domain::Account};

/// One refresh token as issued.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshToken {
    /// The token's `jti`.
    pub id: String,
    pub family: String,
    pub login_id: String,
    /// Traded for a new pair already.
    pub used: bool,
}

impl Document for RefreshToken {
    const KIND: &'static str = "RefreshToken";
    fn id(&self) -> &str {
        &self.id
    }
}

/// The refresh tokens of one sign-in, each issued for the one before.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenFamily {
    pub id: String,
    pub login_id: String,
    pub rotations: u64,
    /// A used token was replayed: every token of the family is refused.
    pub revoked: bool,
}

impl Document for TokenFamily {
    const KIND: &'static str = "TokenFamily";
    fn id(&self) -> &str {
        &self.id
    }
}

/// What sign-in and refresh answer (the seed's TokenProvider).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds the access token is valid for.
    #[schema(example = 3600)]
    pub expires_in: i64,
}

fn pair(
    account: &Account,
    refresh: String,
    cx: &Call,
    tokens: &kernel::auth::Tokens,
) -> AppResult<TokenPair> {
    let access = tokens.issue(
        &account.id,
        &account.roles,
        TokenKind::Access,
        &cx.new_id(),
        cx.now,
        ACCESS_TTL,
    )?;
    Ok(TokenPair {
        access_token: access,
        refresh_token: refresh,
        token_type: "Bearer",
        expires_in: ACCESS_TTL.whole_seconds(),
    })
}

/// A new sign-in for `account`: a new family and its first refresh token, in one write.
pub async fn start(d: &Deps, account: &Account, cx: &Call) -> AppResult<TokenPair> {
    let tokens = d.tokens().await?;
    let family = TokenFamily {
        id: cx.new_id(),
        login_id: account.id.clone(),
        rotations: 0,
        revoked: false,
    };
    let record = RefreshToken {
        id: cx.new_id(),
        family: family.id.clone(),
        login_id: account.id.clone(),
        used: false,
    };
    let refresh = tokens.issue(
        &account.id,
        &[],
        TokenKind::Refresh,
        &record.id,
        cx.now,
        REFRESH_TTL,
    )?;
    let mut tx = Tx::new();
    tx.put(&family, 0)?;
    tx.put(&record, 0)?;
    d.families.store().commit(tx.into_inner()).await?;
    pair(account, refresh, cx, tokens)
}

fn refused(why: &str) -> AppError {
    tracing::info!(reason = why, "refresh refused");
    AppError::Unauthorized("the refresh token is invalid, expired or already used".into())
}

enum Rotation {
    Rotated(Box<Account>, String),
    Replayed,
}

/// Trades a refresh token for a new pair. The old token is marked used, the new one recorded
/// and the family checked unrevoked in one conditional write, so two concurrent trades of one
/// token cannot both succeed.
pub async fn rotate(d: &Deps, raw: &str, cx: &Call) -> AppResult<TokenPair> {
    let tokens = d.tokens().await?;
    let claims = tokens.verify(raw, TokenKind::Refresh, cx.now)?;
    let next_id = cx.new_id();
    let outcome = retry_on_conflict(|| async {
        let record = d
            .refresh_tokens
            .get(&claims.jti)
            .await?
            .filter(|r| r.doc.login_id == claims.sub)
            .ok_or_else(|| refused("unknown token id"))?;
        let family = d
            .families
            .get(&record.doc.family)
            .await?
            .ok_or_else(|| refused("unknown family"))?;
        if family.doc.revoked {
            return Err(Attempt::App(refused("revoked family")));
        }
        let mut tx = Tx::new();
        if record.doc.used {
            let revoked = TokenFamily {
                revoked: true,
                ..family.doc.clone()
            };
            tx.put(&revoked, family.version)?;
            d.families.store().commit(tx.into_inner()).await?;
            tracing::warn!(login_id = %claims.sub, family = %family.doc.id, "a used refresh token was replayed; its family is revoked");
            return Ok(Rotation::Replayed);
        }
        let account = d
            .accounts
            .get(&claims.sub)
            .await?
            .ok_or_else(|| refused("unknown account"))?;
        let used = RefreshToken {
            used: true,
            ..record.doc.clone()
        };
        let next = RefreshToken {
            id: next_id.clone(),
            family: family.doc.id.clone(),
            login_id: claims.sub.clone(),
            used: false,
        };
        let family_after = TokenFamily {
            rotations: family.doc.rotations + 1,
            ..family.doc.clone()
        };
        tx.put(&used, record.version)?;
        tx.put(&next, 0)?;
        tx.put(&family_after, family.version)?;
        d.families.store().commit(tx.into_inner()).await?;
        Ok(Rotation::Rotated(Box::new(account.doc), next_id.clone()))
    })
    .await?;
    match outcome {
        Some(Rotation::Rotated(account, jti)) => {
            let refresh = tokens.issue(
                &account.id,
                &[],
                TokenKind::Refresh,
                &jti,
                cx.now,
                REFRESH_TTL,
            )?;
            pair(&account, refresh, cx, tokens)
        }
        Some(Rotation::Replayed) | None => Err(refused("replayed")),
    }
}
