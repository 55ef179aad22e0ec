//! Property tests of request decoding: whatever bytes, JSON or query string a client sends, every
//! museum function's typed input either decodes or is a 400 (`AppError::Invalid`) — it never
//! panics and never answers anything else.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use kernel::{
    AppError, HttpRequest, PageRequest,
    http::MAX_BODY_BYTES,
    input::{FromRequest, Json, List},
};
use museum_book::{create::CreateBooking, read::BookFilter};
use museum_confirm::read::ConfirmFilter;
use museum_museum::{register::RegisterMuseum, reserve::ReserveSeats};
use museum_mypage::read::MyPageQuery;
use proptest::{collection::vec, prelude::*};
use serde_json::{Map, Value};

fn request(uri: &str, body: impl Into<Bytes>) -> HttpRequest {
    http::Request::builder()
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.into())
        .expect("a valid request")
}

/// A function's input from the request: a value or a 400, never anything else.
fn decodes_or_is_invalid<T: FromRequest>(req: &HttpRequest) -> Result<(), TestCaseError> {
    match T::from_request(req) {
        Ok(_) | Err(AppError::Invalid(_)) => Ok(()),
        Err(other) => Err(TestCaseError::fail(format!("{other:?}"))),
    }
}

fn every_body(req: &HttpRequest) -> Result<(), TestCaseError> {
    decodes_or_is_invalid::<Json<CreateBooking>>(req)?;
    decodes_or_is_invalid::<Json<RegisterMuseum>>(req)?;
    decodes_or_is_invalid::<Json<ReserveSeats>>(req)
}

/// Any JSON value, nested a few levels.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::from),
            vec(("[a-zA-Z]{0,10}", inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// A JSON object with the fields the museum's bodies name, each holding any JSON value.
fn body_like_object() -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        Just("museumId"),
        Just("userId"),
        Just("seats"),
        Just("hall"),
        Just("date"),
        Just("capacity"),
        Just("bookingId"),
    ];
    vec((field, json()), 0..8).prop_map(|fields| {
        let map: Map<String, Value> = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        Value::Object(map)
    })
}

/// A query string over the characters a URI's query may hold, with the keys the lists read.
fn query_string() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("limit".to_owned()),
        Just("cursor".to_owned()),
        Just("userId".to_owned()),
        Just("museumId".to_owned()),
        "[a-zA-Z]{1,6}",
    ];
    let value = "[a-zA-Z0-9%._~+-]{0,12}";
    vec((key, value), 0..6).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_decode_or_are_refused_as_invalid(body in vec(any::<u8>(), 0..512)) {
        every_body(&request("/museum/books", body))?;
    }

    #[test]
    fn any_json_decodes_or_is_refused_as_invalid(value in json()) {
        every_body(&request("/museum/books", value.to_string()))?;
    }

    #[test]
    fn objects_with_wrongly_typed_fields_decode_or_are_refused_as_invalid(value in body_like_object()) {
        every_body(&request("/museum/books", value.to_string()))?;
    }

    #[test]
    fn a_well_formed_booking_decodes_as_sent(
        museum in "[a-zA-Z0-9]{1,26}",
        user in "[a-zA-Z0-9._@-]{1,64}".prop_filter("not . or ..", |u| u != "." && u != ".."),
        seats in proptest::option::of(1i64..=100),
    ) {
        let mut body = serde_json::json!({ "museumId": museum, "userId": user });
        if let Some(s) = seats {
            body["seats"] = s.into();
        }
        let Json(decoded) = Json::<CreateBooking>::from_request(&request("/museum/books", body.to_string()))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(
            (decoded.museum_id.as_str(), decoded.user_id.as_str(), decoded.seats.map(|s| s.get())),
            (museum.as_str(), user.as_str(), seats)
        );
    }

    #[test]
    fn any_query_string_decodes_or_is_refused_as_invalid(query in query_string()) {
        let req = request(&format!("/museum/books?{query}"), Bytes::new());
        decodes_or_is_invalid::<List<BookFilter>>(&req)?;
        decodes_or_is_invalid::<List<ConfirmFilter>>(&req)?;
        decodes_or_is_invalid::<List<MyPageQuery>>(&req)?;
        match PageRequest::from_request(&req) {
            Ok(page) => prop_assert!((1..=PageRequest::MAX_LIMIT).contains(&page.limit)),
            Err(AppError::Invalid(_)) => {}
            Err(other) => prop_assert!(false, "{other:?}"),
        }
    }
}

#[test]
fn a_body_larger_than_any_function_accepts_is_invalid() {
    let body = format!("{{\"hall\": \"{}\"}}", "x".repeat(MAX_BODY_BYTES));
    assert!(matches!(
        Json::<RegisterMuseum>::from_request(&request("/museum/museums", body)),
        Err(AppError::Invalid(_))
    ));
}
