//! HTTP as every function sees it, on the local gateway and on API Gateway alike:
//! `http::Request<Bytes>` in, `http::Response<Bytes>` out.

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use serde::{Serialize, de::DeserializeOwned};

use crate::{call::Call, error::AppError};

pub type HttpRequest = http::Request<Bytes>;
pub type HttpResponse = http::Response<Bytes>;

/// The path parameters the front door matched (`{id}` in `/books/{id}`).
#[derive(Clone, Debug, Default)]
pub struct PathParams(pub Vec<(String, String)>);

/// Largest request body any function accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Typed access to a request: each failure is a 400 problem that names what was wrong.
pub trait RequestExt {
    fn call(&self) -> Call;
    fn param(&self, name: &str) -> Result<&str, AppError>;
    fn json<T: DeserializeOwned>(&self) -> Result<T, AppError>;
    fn query<T: DeserializeOwned>(&self) -> Result<T, AppError>;
    /// `?limit=&cursor=` of a list request.
    fn page(&self) -> Result<crate::repo::PageRequest, AppError>;
}

/// The paging parameters every list endpoint takes.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Items per page (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `nextCursor` of the previous page (opaque).
    #[param(pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

impl RequestExt for HttpRequest {
    fn call(&self) -> Call {
        self.extensions()
            .get::<Call>()
            .cloned()
            .unwrap_or_else(|| Call::new(None))
    }

    fn param(&self, name: &str) -> Result<&str, AppError> {
        self.extensions()
            .get::<PathParams>()
            .and_then(|p| p.0.iter().find(|(k, _)| k == name))
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| AppError::invalid(format!("missing path parameter `{name}`")))
    }

    fn json<T: DeserializeOwned>(&self) -> Result<T, AppError> {
        let body = self.body();
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(AppError::invalid(
                "the request body is empty; a JSON object is expected",
            ));
        }
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(AppError::invalid("the request body must be a JSON object"));
        }
        if body.len() > MAX_BODY_BYTES {
            return Err(AppError::invalid(format!(
                "the request body is larger than {MAX_BODY_BYTES} bytes"
            )));
        }
        let de = &mut serde_json::Deserializer::from_slice(body);
        let value = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                AppError::invalid(format!("malformed JSON: {inner}"))
            } else if path == "." {
                AppError::invalid(format!("invalid body: {inner}"))
            } else {
                AppError::invalid(format!("invalid `{path}`: {inner}"))
            }
        })?;
        Ok(value)
    }

    fn query<T: DeserializeOwned>(&self) -> Result<T, AppError> {
        let raw = self.uri().query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(raw));
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            AppError::invalid(format!(
                "invalid query parameter `{path}`: {}",
                e.into_inner()
            ))
        })
    }

    fn page(&self) -> Result<crate::repo::PageRequest, AppError> {
        let p: Paging = self.query()?;
        crate::repo::PageRequest::new(p.limit, p.cursor)
    }
}

fn form_urlencoded_parse(raw: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(raw.as_bytes())
}

/// Successful replies, always JSON.
pub mod reply {
    use super::*;

    pub fn json(status: StatusCode, body: &impl Serialize) -> Result<HttpResponse, AppError> {
        let bytes = serde_json::to_vec(body)?;
        let mut r = http::Response::new(Bytes::from(bytes));
        *r.status_mut() = status;
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Ok(r)
    }

    pub fn ok(body: &impl Serialize) -> Result<HttpResponse, AppError> {
        json(StatusCode::OK, body)
    }

    /// 201 with the created resource and where to read it back.
    pub fn created(location: &str, body: &impl Serialize) -> Result<HttpResponse, AppError> {
        let mut r = json(StatusCode::CREATED, body)?;
        let location = HeaderValue::from_str(location).map_err(AppError::internal)?;
        r.headers_mut().insert(header::LOCATION, location);
        Ok(r)
    }

    pub fn accepted(body: &impl Serialize) -> Result<HttpResponse, AppError> {
        json(StatusCode::ACCEPTED, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Book {
        museum_id: String,
        seats: Option<u32>,
    }

    fn req(body: &str) -> HttpRequest {
        http::Request::builder()
            .uri("/museum/books?limit=5")
            .body(Bytes::from(body.to_owned()))
            .unwrap()
    }

    fn detail(e: AppError) -> String {
        assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
        e.to_string()
    }

    #[test]
    fn names_what_is_wrong_with_a_body() {
        assert!(detail(req("").json::<Book>().unwrap_err()).contains("empty"));
        assert!(detail(req("{").json::<Book>().unwrap_err()).contains("malformed"));
        assert!(detail(req("nope").json::<Book>().unwrap_err()).contains("JSON object"));
        assert!(detail(req("{}").json::<Book>().unwrap_err()).contains("museumId"));
        let wrong = detail(
            req(r#"{"museumId":"m","seats":"two"}"#)
                .json::<Book>()
                .unwrap_err(),
        );
        assert!(wrong.contains("`seats`"), "{wrong}");
        assert!(detail(req("[1]").json::<Book>().unwrap_err()).contains("JSON object"));
        assert_eq!(
            req(r#"{"museumId":"m"}"#).json::<Book>().unwrap().museum_id,
            "m"
        );
    }

    #[test]
    fn parses_and_refuses_query_strings() {
        #[derive(Deserialize)]
        struct Q {
            limit: Option<i64>,
        }
        assert_eq!(req("").query::<Q>().unwrap().limit, Some(5));
        let bad = http::Request::builder()
            .uri("/x?limit=many")
            .body(Bytes::new())
            .unwrap();
        assert!(detail(bad.query::<Q>().map(|_| ()).unwrap_err()).contains("limit"));
    }
}
