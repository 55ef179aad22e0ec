//! Access tokens: JWTs signed with HS256 by a key from the secret store. The verifier fixes the
//! algorithm (a token that names another, `none` included, is refused) and checks the issuer,
//! the audience, the expiry and the token's kind. The same code runs in the local gateway and in
//! the AWS authorizer, so a token means the same in both.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{call::Principal, error::AppError, platform::Secret};

/// How a system's tokens are issued and checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenPolicy {
    pub issuer: &'static str,
    pub audience: &'static str,
    /// The name of the secret that holds the signing key.
    pub signing_key: &'static str,
}

/// What a token is for: only an access token opens a protected route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Access,
    Refresh,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub roles: Vec<String>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// The token's own id (a refresh token's rotation record is keyed by it).
    pub jti: String,
    pub kind: TokenKind,
}

/// The smallest signing key accepted: HS256 is only as strong as its key.
pub const MIN_KEY_BYTES: usize = 32;

/// Issues and verifies one system's tokens.
#[derive(Clone)]
pub struct Tokens {
    policy: TokenPolicy,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    pub fn new(policy: TokenPolicy, key: &Secret) -> anyhow::Result<Self> {
        let bytes = key.expose().as_bytes();
        anyhow::ensure!(
            bytes.len() >= MIN_KEY_BYTES,
            "the signing key {} is shorter than {MIN_KEY_BYTES} bytes",
            policy.signing_key
        );
        Ok(Self {
            policy,
            encoding: EncodingKey::from_secret(bytes)?,
            decoding: DecodingKey::from_secret(bytes)?,
        })
    }

    pub fn policy(&self) -> TokenPolicy {
        self.policy
    }

    /// A signed token for `subject` with `roles`, valid for `ttl` from `now`.
    pub fn issue(
        &self,
        subject: &str,
        roles: &[String],
        kind: TokenKind,
        jti: &str,
        now: OffsetDateTime,
        ttl: time::Duration,
    ) -> Result<String, AppError> {
        let claims = Claims {
            sub: subject.to_owned(),
            roles: roles.to_vec(),
            iss: self.policy.issuer.to_owned(),
            aud: self.policy.audience.to_owned(),
            iat: now.unix_timestamp(),
            exp: (now + ttl).unix_timestamp(),
            jti: jti.to_owned(),
            kind,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)
    }

    /// The claims of a token of `kind` that verifies at `now`; 401 otherwise, saying why only in
    /// general terms (a client learns nothing about which check failed).
    pub fn verify(
        &self,
        token: &str,
        kind: TokenKind,
        now: OffsetDateTime,
    ) -> Result<Claims, AppError> {
        let refused = |why: &str| {
            tracing::info!(reason = why, "token refused");
            AppError::Unauthorized("the token is invalid or expired".into())
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[self.policy.issuer]);
        validation.set_audience(&[self.policy.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked below against the call's clock, not the system's.
        validation.validate_exp = false;
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| refused(&e.to_string()))?;
        let claims = data.claims;
        if claims.exp <= now.unix_timestamp() {
            return Err(refused("expired"));
        }
        if claims.kind != kind {
            return Err(refused("wrong kind of token"));
        }
        Ok(claims)
    }

    /// The principal of a request's access token.
    pub fn principal(&self, token: &str, now: OffsetDateTime) -> Result<Principal, AppError> {
        let claims = self.verify(token, TokenKind::Access, now)?;
        Ok(Principal {
            subject: claims.sub,
            roles: claims.roles,
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header. `Err`: a header that is there but is
/// not a bearer token (401, rather than treating the caller as anonymous).
pub fn bearer(headers: &http::HeaderMap) -> Result<Option<&str>, AppError> {
    let Some(value) = headers.get(http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed =
        || AppError::Unauthorized("the Authorization header must be `Bearer <token>`".into());
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(malformed());
    }
    Ok(Some(token.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

    const POLICY: TokenPolicy = TokenPolicy {
        issuer: "petmily",
        audience: "petmily-api",
        signing_key: "PETMILY_SIGNING_KEY",
    };

    fn tokens(key: &str) -> Tokens {
        Tokens::new(POLICY, &Secret::new(key.to_owned())).unwrap()
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    fn access(t: &Tokens, at: OffsetDateTime) -> String {
        t.issue(
            "kim",
            &["ROLE_USER".into()],
            TokenKind::Access,
            "j1",
            at,
            time::Duration::hours(1),
        )
        .unwrap()
    }

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn refused(t: &Tokens, token: &str) -> bool {
        matches!(
            t.verify(token, TokenKind::Access, now()),
            Err(AppError::Unauthorized(_))
        )
    }

    #[test]
    fn a_token_it_issued_verifies_into_its_principal() {
        let t = tokens(KEY);
        let p = t.principal(&access(&t, now()), now()).unwrap();
        assert_eq!(p.subject, "kim");
        assert!(p.has_role("ROLE_USER"));
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let other = tokens("another key, also thirty-two bytes!");
        assert!(refused(&tokens(KEY), &access(&other, now())));
    }

    #[test]
    fn an_expired_token_is_refused() {
        let t = tokens(KEY);
        let issued_long_ago = now() - time::Duration::hours(2);
        assert!(refused(&t, &access(&t, issued_long_ago)));
    }

    #[test]
    fn alg_none_and_a_changed_payload_are_refused() {
        let t = tokens(KEY);
        let token = access(&t, now());
        let parts: Vec<&str> = token.split('.').collect();
        let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(refused(&t, &format!("{none}.{}.", parts[1])));
        assert!(refused(&t, &format!("{none}.{}.{}", parts[1], parts[2])));

        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        claims["roles"] = serde_json::json!(["ROLE_ADMIN"]);
        let forged = URL_SAFE_NO_PAD.encode(claims.to_string());
        assert!(refused(&t, &format!("{}.{forged}.{}", parts[0], parts[2])));
    }

    #[test]
    fn another_algorithm_is_refused_even_with_the_right_key() {
        let t = tokens(KEY);
        let claims = t
            .verify(&access(&t, now()), TokenKind::Access, now())
            .unwrap();
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(KEY.as_bytes()).unwrap(),
        )
        .unwrap();
        assert!(refused(&t, &hs512));
    }

    #[test]
    fn a_refresh_token_does_not_open_a_route_and_garbage_is_refused() {
        let t = tokens(KEY);
        let refresh = t
            .issue(
                "kim",
                &[],
                TokenKind::Refresh,
                "r1",
                now(),
                time::Duration::hours(24),
            )
            .unwrap();
        assert!(refused(&t, &refresh));
        assert!(t.verify(&refresh, TokenKind::Refresh, now()).is_ok());
        for garbage in ["", "a.b.c", "....", "eyJhbGciOiJIUzI1NiJ9"] {
            assert!(refused(&t, garbage), "{garbage:?}");
        }
    }

    #[test]
    fn a_token_for_another_audience_or_issuer_is_refused() {
        let elsewhere = Tokens::new(
            TokenPolicy {
                issuer: "museum",
                ..POLICY
            },
            &Secret::new(KEY.to_owned()),
        )
        .unwrap();
        assert!(refused(&tokens(KEY), &access(&elsewhere, now())));
    }

    #[test]
    fn a_short_key_is_refused_at_start() {
        assert!(Tokens::new(POLICY, &Secret::new("short".into())).is_err());
    }

    #[test]
    fn reads_only_bearer_headers() {
        let mut h = http::HeaderMap::new();
        assert_eq!(bearer(&h).unwrap(), None);
        h.insert("authorization", "Bearer abc".parse().unwrap());
        assert_eq!(bearer(&h).unwrap(), Some("abc"));
        h.insert("authorization", "Basic abc".parse().unwrap());
        assert!(bearer(&h).is_err());
        h.insert("authorization", "Bearer ".parse().unwrap());
        assert!(bearer(&h).is_err());
    }
}
