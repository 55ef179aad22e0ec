//! A handler's typed input, decoded and validated from the request before the handler runs:
//! `Json<T>` (the body), `Query<T>` (the query string), `List<T>` (a filter and paging),
//! `Path<T>` (named path parameters), `Id` (the `{id}` parameter), and tuples of them. Each
//! failure is a 400 problem that names what was wrong, and each says what it reads for the
//! OpenAPI document, so the document cannot drift from what the handler accepts.

use serde::de::DeserializeOwned;
use utoipa::{IntoParams, ToSchema, openapi::path::ParameterIn};

use crate::{
    error::AppError,
    http::{HttpRequest, PathParams, RequestExt},
    openapi::ApiDoc,
    repo::PageRequest,
    validate::Id,
};

/// What a handler takes from a request.
pub trait FromRequest: Sized + Send + 'static {
    fn from_request(request: &HttpRequest) -> Result<Self, AppError>;

    /// Adds what this input reads to the operation's document.
    fn document(doc: ApiDoc) -> ApiDoc {
        doc
    }
}

/// Nothing from the request.
impl FromRequest for () {
    fn from_request(_: &HttpRequest) -> Result<Self, AppError> {
        Ok(())
    }
}

/// The JSON body. Fields of the validated types (`Id`, `Text`, `Count`, `Date`) are checked
/// as they are decoded; a request without a JSON content type is refused (415).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + ToSchema + Send + 'static> FromRequest for Json<T> {
    fn from_request(request: &HttpRequest) -> Result<Self, AppError> {
        require_json(request)?;
        request.json().map(Json)
    }

    fn document(doc: ApiDoc) -> ApiDoc {
        doc.body::<T>()
    }
}

/// A body must say it is JSON: a browser sends `text/plain` cross-site without asking first, so
/// accepting it would let any web page the user visits drive the API.
pub fn require_json(request: &HttpRequest) -> Result<(), AppError> {
    let content_type = request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let is_json = essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    if is_json {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType(format!(
            "the body must be JSON, sent with `content-type: application/json` (got {:?})",
            content_type
        )))
    }
}

/// The query string as `T`; a parameter `T` does not name is refused, not ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + IntoParams + Send + 'static> FromRequest for Query<T> {
    fn from_request(request: &HttpRequest) -> Result<Self, AppError> {
        refuse_unknown_parameters(request, &param_names::<T>())?;
        request.query().map(Query)
    }

    fn document(doc: ApiDoc) -> ApiDoc {
        doc.query::<T>()
    }
}

/// A list request: a filter `T` from the query string, and `?limit=&cursor=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct List<T> {
    pub filter: T,
    pub page: PageRequest,
}

impl<T: DeserializeOwned + IntoParams + Send + 'static> FromRequest for List<T> {
    fn from_request(request: &HttpRequest) -> Result<Self, AppError> {
        let mut names = param_names::<T>();
        names.extend(["limit".to_owned(), "cursor".to_owned()]);
        refuse_unknown_parameters(request, &names)?;
        let filter: T = request.query()?;
        Ok(Self {
            filter,
            page: request.page()?,
        })
    }

    fn document(doc: ApiDoc) -> ApiDoc {
        doc.query::<T>()
    }
}

/// A list with no filter: `?limit=&cursor=` only (the `Page` reply documents both).
impl FromRequest for PageRequest {
    fn from_request(request: &HttpRequest) -> Result<Self, AppError> {
        refuse_unknown_parameters(request, &["limit".to_owned(), "cursor".to_owned()])?;
        request.page()
    }
}

/// Named path parameters as `T` (e.g. `{id}` and `{bookingId}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send + 'static> FromRequest for Path<T> {
    fn from_request(request: &HttpRequest) -> Result<Self, AppError> {
        let params = request
            .extensions()
            .get::<PathParams>()
            .map(|p| p.0.clone())
            .unwrap_or_default();
        let object: serde_json::Map<String, serde_json::Value> = params
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
        serde_path_to_error::deserialize(serde_json::Value::Object(object))
            .map(Path)
            .map_err(|e| {
                let path = e.path().to_string();
                AppError::invalid(format!(
                    "invalid path parameter `{path}`: {}",
                    e.into_inner()
                ))
            })
    }
}

/// The route's `{id}` parameter.
impl FromRequest for Id {
    fn from_request(request: &HttpRequest) -> Result<Self, AppError> {
        Id::parse("id", request.param("id")?)
    }
}

macro_rules! tuple_input {
    ($($t:ident),+) => {
        impl<$($t: FromRequest),+> FromRequest for ($($t,)+) {
            fn from_request(request: &HttpRequest) -> Result<Self, AppError> {
                Ok(($($t::from_request(request)?,)+))
            }

            fn document(doc: ApiDoc) -> ApiDoc {
                $(let doc = $t::document(doc);)+
                doc
            }
        }
    };
}
tuple_input!(A, B);
tuple_input!(A, B, C);

fn param_names<T: IntoParams>() -> Vec<String> {
    T::into_params(|| Some(ParameterIn::Query))
        .into_iter()
        .map(|p| p.name)
        .collect()
}

fn refuse_unknown_parameters(request: &HttpRequest, known: &[String]) -> Result<(), AppError> {
    let query = request.uri().query().unwrap_or("");
    for (name, _) in form_urlencoded::parse(query.as_bytes()) {
        if !known.iter().any(|k| *k == name) {
            let mut names: Vec<&str> = known.iter().map(String::as_str).collect();
            names.sort_unstable();
            return Err(AppError::invalid(format!(
                "unknown query parameter `{name}`; this route takes {}",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use serde::Deserialize;

    use crate::validate::{Count, Text};

    #[derive(Debug, Deserialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    struct Book {
        museum_id: Id,
        seats: Option<Count<1, 100>>,
        note: Option<Text<10>>,
    }

    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(rename_all = "camelCase")]
    #[into_params(parameter_in = Query)]
    struct Filter {
        user_id: Option<Id>,
    }

    fn request(uri: &str, content_type: Option<&str>, body: &str) -> HttpRequest {
        let mut b = http::Request::builder().uri(uri);
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        b.body(Bytes::from(body.to_owned())).unwrap()
    }

    fn status<T: std::fmt::Debug>(r: Result<T, AppError>) -> u16 {
        r.unwrap_err().status().as_u16()
    }

    #[test]
    fn a_body_is_decoded_into_validated_fields() {
        let r = request(
            "/b",
            Some("application/json; charset=utf-8"),
            r#"{"museumId":"m1","seats":2.0,"note":" hi "}"#,
        );
        let Json(book) = Json::<Book>::from_request(&r).unwrap();
        assert_eq!(book.museum_id.as_str(), "m1");
        assert_eq!(book.seats.map(Count::get), Some(2));
        assert_eq!(book.note.unwrap().as_str(), "hi");
    }

    #[test]
    fn a_body_that_is_not_declared_json_is_refused() {
        let body = r#"{"museumId":"m1"}"#;
        assert_eq!(
            status(Json::<Book>::from_request(&request(
                "/b",
                Some("text/plain"),
                body
            ))),
            415
        );
        assert_eq!(
            status(Json::<Book>::from_request(&request("/b", None, body))),
            415
        );
        assert!(
            Json::<Book>::from_request(&request("/b", Some("application/problem+json"), body))
                .is_ok()
        );
    }

    #[test]
    fn invalid_fields_are_named() {
        for (body, field) in [
            (r#"{"museumId":".."}"#, "museumId"),
            (r#"{"museumId":"m","seats":0}"#, "seats"),
            (r#"{"museumId":"m","note":"\u202e"}"#, "note"),
        ] {
            let e = Json::<Book>::from_request(&request("/b", Some("application/json"), body))
                .unwrap_err();
            assert!(e.to_string().contains(field), "{body}: {e}");
        }
    }

    #[test]
    fn every_query_parameter_is_validated_and_an_unknown_one_refused() {
        let ok = List::<Filter>::from_request(&request("/b?userId=kim&limit=5", None, "")).unwrap();
        assert_eq!(ok.filter.user_id.unwrap().as_str(), "kim");
        assert_eq!(ok.page.limit, 5);
        assert_eq!(
            status(List::<Filter>::from_request(&request(
                "/b?userId=%00",
                None,
                ""
            ))),
            400
        );
        let unknown =
            List::<Filter>::from_request(&request("/b?museumId=m", None, "")).unwrap_err();
        assert!(unknown.to_string().contains("museumId"), "{unknown}");
        assert_eq!(
            status(Query::<Filter>::from_request(&request(
                "/b?limit=5",
                None,
                ""
            ))),
            400
        );
    }

    #[test]
    fn path_parameters_are_validated() {
        #[derive(Debug, Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Two {
            id: Id,
            booking_id: Id,
        }
        let mut r = request("/x", None, "");
        r.extensions_mut().insert(PathParams(vec![
            ("id".into(), "m1".into()),
            ("bookingId".into(), ".".into()),
        ]));
        assert_eq!(status(Path::<Two>::from_request(&r)), 400);
        r.extensions_mut().insert(PathParams(vec![
            ("id".into(), "m1".into()),
            ("bookingId".into(), "b1".into()),
        ]));
        let Path(two) = Path::<Two>::from_request(&r).unwrap();
        assert_eq!((two.id.as_str(), two.booking_id.as_str()), ("m1", "b1"));
        assert_eq!(Id::from_request(&r).unwrap().as_str(), "m1");
    }
}
