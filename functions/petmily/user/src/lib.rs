//! petmily / user — 회원: accounts (argon2id password hashes), sign-in with access and refresh
//! tokens, sitter applications and the admin's decision, the available-sitter list with ratings.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `petmily-user-create` | `POST /api/v1/user/create` | 1 |
//! | `petmily-user-login`, `petmily-user-refresh` | `POST /api/v1/user/login`, `/refresh` | 2 |
//! | `petmily-user-get` | `GET /api/v1/user/{id}` (self or admin) | 1 |
//! | `petmily-user-sitter-apply` | `POST /api/v1/user/sitter/apply` | 4 |
//! | `petmily-user-sitter-decide` | `PUT /api/v1/sitter/update/{loginId}` (ROLE_ADMIN) | 5 |
//! | `petmily-user-sitter-list` | `GET /api/v1/sitter?status=` (ROLE_ADMIN) | 5 |
//! | `petmily-user-sitter-available` | `GET /api/v1/user/sitter/available?address=` | 5, 14 |
//! | `petmily-user-profile` | `GET /internal/users/{loginId}` (internal: match asks) | 9 |
//! | `petmily-user-on-sitter-assessed` | `SitterAssessed` | 14 |

pub mod domain;
pub mod login;
pub mod password;
pub mod read;
pub mod session;
pub mod signup;
pub mod sitter;
pub mod values;

use std::sync::Arc;

use http::Method;
use kernel::{
    AppError, BoundedContext, ContextId, Event, FnSpec, Platform, Repo, SecretSpec, Secrets,
    Setting,
    auth::{TokenPolicy, Tokens},
};
use petmily_events::{ASSESS, ROLE_ADMIN, SitterAssessed, USER};
use tokio::sync::OnceCell;

use crate::{
    domain::{Account, LoginThrottle, Sitter, ThrottlePolicy},
    session::{RefreshToken, TokenFamily},
};

/// How petmily's tokens are issued and checked: the front door (the local gateway, the AWS
/// authorizer) checks access tokens with the same policy and key.
pub const TOKEN_POLICY: TokenPolicy = TokenPolicy {
    issuer: "petmily",
    audience: "petmily-api",
    signing_key: "PETMILY_SIGNING_KEY",
};

/// The HS256 key tokens are signed with (generated, never in code).
pub const SIGNING_KEY: SecretSpec = SecretSpec::new(
    "PETMILY_SIGNING_KEY",
    "HS256 key that signs petmily's access and refresh tokens (at least 32 bytes)",
);

/// The first admin's password. Locally `admin` unless set; on AWS generated at deploy time.
pub const ADMIN_PASSWORD: SecretSpec = SecretSpec::new(
    "PETMILY_ADMIN_PASSWORD",
    "Password of the first ROLE_ADMIN account, created at start if it does not exist",
)
.local_default("admin");

pub const ADMIN_LOGIN: Setting = Setting::new(
    "PETMILY_ADMIN_LOGIN",
    "admin",
    "Login id of the first ROLE_ADMIN account, created at start if it does not exist",
);

pub const LOGIN_MAX_FAILURES: Setting = Setting::new(
    "PETMILY_LOGIN_MAX_FAILURES",
    "5",
    "Failed sign-ins in a row for one login id before sign-ins for it are refused (429) for a while",
);

pub const LOGIN_LOCK_SECONDS: Setting = Setting::new(
    "PETMILY_LOGIN_LOCK_SECONDS",
    "30",
    "Seconds sign-ins stay refused after too many failures (doubling with each further failure)",
);

/// Access tokens live an hour, refresh tokens a day.
pub const ACCESS_TTL: time::Duration = time::Duration::hours(1);
pub const REFRESH_TTL: time::Duration = time::Duration::hours(24);

pub struct UserContext;

pub struct Deps {
    pub accounts: Repo<Account>,
    pub sitters: Repo<Sitter>,
    pub throttles: Repo<LoginThrottle>,
    pub refresh_tokens: Repo<RefreshToken>,
    pub families: Repo<TokenFamily>,
    pub throttle: ThrottlePolicy,
    pub admin_login: String,
    secrets: Arc<dyn Secrets>,
    tokens: OnceCell<Tokens>,
    admin: OnceCell<()>,
}

impl Deps {
    /// The token issuer, with the key read from the secret store on first use.
    pub async fn tokens(&self) -> Result<&Tokens, AppError> {
        self.tokens
            .get_or_try_init(|| async {
                let key = self.secrets.secret(&SIGNING_KEY).await.map_err(|e| {
                    tracing::error!(error = %e, "the signing key cannot be read");
                    AppError::unavailable("secrets", 1)
                })?;
                Tokens::new(TOKEN_POLICY, &key).map_err(AppError::internal)
            })
            .await
    }

    /// Creates the first admin from the secret store once per instance, before any sign-up or
    /// sign-in (so that no member can take its login id first).
    pub async fn ensure_admin(&self, cx: &kernel::Call) -> Result<(), AppError> {
        self.admin
            .get_or_try_init(|| async {
                let password = self.secrets.secret(&ADMIN_PASSWORD).await.map_err(|e| {
                    tracing::error!(error = %e, "the first admin's password cannot be read");
                    AppError::unavailable("secrets", 1)
                })?;
                signup::create_admin(self, password.expose(), cx).await
            })
            .await
            .map(|_| ())
    }
}

impl BoundedContext for UserContext {
    const ID: ContextId = USER;
    const SETTINGS: &'static [Setting] = &[ADMIN_LOGIN, LOGIN_MAX_FAILURES, LOGIN_LOCK_SECONDS];
    const SECRETS: &'static [SecretSpec] = &[SIGNING_KEY, ADMIN_PASSWORD];
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        let store = p.store(USER)?;
        let admin_login: String = ADMIN_LOGIN.read(p)?;
        anyhow::ensure!(
            values::is_login_id(&admin_login),
            "{} must be 3–32 of [a-z0-9_.-]",
            ADMIN_LOGIN.name
        );
        let max_failures: u32 = LOGIN_MAX_FAILURES.read(p)?;
        let lock_seconds: i64 = LOGIN_LOCK_SECONDS.read(p)?;
        anyhow::ensure!(
            max_failures >= 1 && lock_seconds >= 1,
            "login throttle settings must be at least 1"
        );
        Ok(Deps {
            accounts: Repo::new(store.clone()),
            sitters: Repo::new(store.clone()),
            throttles: Repo::new(store.clone()),
            refresh_tokens: Repo::new(store.clone()),
            families: Repo::new(store),
            throttle: ThrottlePolicy {
                max_failures,
                lock_ms: lock_seconds * 1000,
            },
            admin_login,
            secrets: p.secrets(),
            tokens: OnceCell::new(),
            admin: OnceCell::new(),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::http(
                "petmily-user-create",
                Method::POST,
                "/api/v1/user/create",
                signup::create,
            )
            .summary("Sign up as a member (회원가입)"),
            FnSpec::http(
                "petmily-user-login",
                Method::POST,
                "/api/v1/user/login",
                login::login,
            )
            .summary("Sign in: an access token (1 h) and a refresh token (24 h)"),
            FnSpec::http(
                "petmily-user-refresh",
                Method::POST,
                "/api/v1/user/refresh",
                login::refresh,
            )
            .summary("Trade a refresh token for a new pair; the old one is refused from then on"),
            FnSpec::http(
                "petmily-user-get",
                Method::GET,
                "/api/v1/user/{id}",
                read::get,
            )
            .authenticated()
            .summary("Read a member (themselves, or an admin)"),
            FnSpec::http(
                "petmily-user-sitter-apply",
                Method::POST,
                "/api/v1/user/sitter/apply",
                sitter::apply,
            )
            .authenticated()
            .summary("Apply as a sitter (APPLIED)"),
            FnSpec::http(
                "petmily-user-sitter-decide",
                Method::PUT,
                "/api/v1/sitter/update/{loginId}",
                sitter::decide,
            )
            .role(ROLE_ADMIN)
            .summary("Approve or reject a sitter application (admin)"),
            FnSpec::http(
                "petmily-user-sitter-list",
                Method::GET,
                "/api/v1/sitter",
                read::sitters,
            )
            .role(ROLE_ADMIN)
            .summary("Sitter applications by status (admin)"),
            FnSpec::http(
                "petmily-user-sitter-available",
                Method::GET,
                "/api/v1/user/sitter/available",
                read::available,
            )
            .authenticated()
            .summary("Approved sitters whose address contains the given text, with their ratings"),
            FnSpec::http(
                "petmily-user-profile",
                Method::GET,
                "/internal/users/{loginId}",
                read::profile,
            )
            .internal()
            .summary("A member's name, address and sitter status (match asks)"),
            FnSpec::on(
                sitter::ON_SITTER_ASSESSED,
                ASSESS,
                &[SitterAssessed::TYPE],
                sitter::on_sitter_assessed,
            ),
        ]
    }
}
