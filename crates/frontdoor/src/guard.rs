//! What the front door checks before any route runs, so that a web page the developer happens to
//! visit cannot drive the gateway: the `Host` must name the gateway (a DNS-rebinding page names
//! its own domain), a state-changing request from a browser must come from an allowed origin,
//! and the admin API needs its token when the gateway listens beyond loopback.

use std::{net::IpAddr, sync::Arc};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{HeaderMap, Method, header};
use kernel::AppError;

use crate::functions::problem;

/// Who may reach the gateway, and how the admin API is guarded.
#[derive(Clone, Debug, Default)]
pub struct Guard {
    /// Host names (besides IP literals and `localhost`) a request may be addressed to.
    pub allowed_hosts: Vec<String>,
    /// Origins a browser may send state-changing requests from.
    pub allowed_origins: Vec<String>,
    /// When set, every `/admin` request needs it (`Authorization: Bearer <token>`, or the
    /// cookie `POST /admin/session` sets).
    pub admin_token: Option<String>,
}

pub const ADMIN_COOKIE: &str = "gateway_admin";

impl Guard {
    /// The origins of a gateway on `port`: its loopback names, and `bind` if it is not unspecified.
    pub fn own_origins(bind: IpAddr, port: u16) -> Vec<String> {
        let mut origins = vec![
            format!("http://127.0.0.1:{port}"),
            format!("http://localhost:{port}"),
            format!("http://[::1]:{port}"),
        ];
        if !bind.is_unspecified() && !bind.is_loopback() {
            origins.push(match bind {
                IpAddr::V4(ip) => format!("http://{ip}:{port}"),
                IpAddr::V6(ip) => format!("http://[{ip}]:{port}"),
            });
        }
        origins
    }

    fn host_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            // HTTP/1.0 without Host: only a hand-made client; nothing a browser sends.
            return true;
        };
        let name = host_name(host);
        name.eq_ignore_ascii_case("localhost")
            || name.trim_matches(['[', ']']).parse::<IpAddr>().is_ok()
            || self
                .allowed_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(name))
    }

    fn origin_allowed(&self, headers: &HeaderMap) -> bool {
        match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
            // Not a browser's cross-origin request (curl, the tests, a same-origin GET).
            None => true,
            Some(origin) => self
                .allowed_origins
                .iter()
                .any(|o| o.eq_ignore_ascii_case(origin)),
        }
    }

    fn admin_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(expected) = &self.admin_token else {
            return true;
        };
        presented_tokens(headers).any(|t| constant_time_eq(t.as_bytes(), expected.as_bytes()))
    }
}

/// The host name of a `Host` header value, without its port.
fn host_name(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

fn presented_tokens(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let cookies = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(ADMIN_COOKIE)?.strip_prefix('='));
    bearer.into_iter().chain(cookies)
}

/// Compares without an early exit, so timing does not tell how much of a guess was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The middleware every outside request passes.
pub async fn check(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let refuse = |e: AppError| problem(&e, &path, "-");
    let headers = request.headers();
    if !guard.host_allowed(headers) {
        return refuse(AppError::Forbidden(
            "this gateway does not answer to that host name (start it with --allowed-host to add one)"
                .into(),
        ));
    }
    if changes_state(request.method()) && !guard.origin_allowed(headers) {
        return refuse(AppError::Forbidden(
            "requests that change state are accepted only from the gateway's own pages (or --allow-origin)"
                .into(),
        ));
    }
    let is_admin = path == "/admin" || path.starts_with("/admin/");
    if is_admin && path != "/admin/session" && !guard.admin_allowed(headers) {
        return refuse(AppError::Unauthorized(
            "the admin API needs the admin token (Authorization: Bearer <token>)".into(),
        ));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn guard() -> Guard {
        Guard {
            allowed_hosts: vec!["devbox.local".into()],
            allowed_origins: Guard::own_origins("127.0.0.1".parse().unwrap(), 3000),
            admin_token: Some("s3cret-token-0123456789".into()),
        }
    }

    #[test]
    fn a_rebinding_host_name_is_refused_and_ip_literals_pass() {
        let g = guard();
        for ok in [
            "127.0.0.1:3000",
            "localhost:3000",
            "[::1]:3000",
            "10.0.0.7",
            "DEVBOX.local:3000",
        ] {
            assert!(g.host_allowed(&headers(&[("host", ok)])), "{ok}");
        }
        for bad in [
            "evil.example:3000",
            "localhost.evil.example",
            "127.0.0.1.nip.io:3000",
        ] {
            assert!(!g.host_allowed(&headers(&[("host", bad)])), "{bad}");
        }
    }

    #[test]
    fn only_the_gateways_own_origins_may_change_state() {
        let g = guard();
        assert!(g.origin_allowed(&headers(&[])));
        assert!(g.origin_allowed(&headers(&[("origin", "http://localhost:3000")])));
        for bad in [
            "http://evil.example",
            "null",
            "http://localhost:3001",
            "https://127.0.0.1:3000",
        ] {
            assert!(!g.origin_allowed(&headers(&[("origin", bad)])), "{bad}");
        }
    }

    #[test]
    fn the_admin_token_is_read_from_the_header_or_the_cookie() {
        let g = guard();
        assert!(!g.admin_allowed(&headers(&[])));
        assert!(!g.admin_allowed(&headers(&[("authorization", "Bearer wrong")])));
        assert!(g.admin_allowed(&headers(&[(
            "authorization",
            "Bearer s3cret-token-0123456789"
        )])));
        assert!(g.admin_allowed(&headers(&[(
            "cookie",
            "a=b; gateway_admin=s3cret-token-0123456789"
        )])));
        assert!(
            Guard::default().admin_allowed(&headers(&[])),
            "no token configured: loopback"
        );
    }
}
