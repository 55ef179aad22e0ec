//! The internal routes a function may call, as the template gives them in `INTERNAL_ROUTES`:
//! each a method, a path template with the system prefix and the function (alias ARN) behind it.

use serde::{Deserialize, Serialize};

/// The environment variable that lists a caller's internal routes, as JSON.
pub const INTERNAL_ROUTES: &str = "INTERNAL_ROUTES";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalRoute {
    /// The callee's context, `system/name`: a caller to one context gets only its routes.
    pub context: String,
    pub method: String,
    /// `/museum/museums/{id}/reservations`
    pub path: String,
    /// What `Invoke` is called with: the callee's `live` alias ARN.
    pub function: String,
}

/// A request matched to its route: the function to invoke and the path parameters.
#[derive(Debug, PartialEq, Eq)]
pub struct Matched<'a> {
    pub route: &'a InternalRoute,
    pub params: Vec<(String, String)>,
}

pub fn parse(json: &str) -> anyhow::Result<Vec<InternalRoute>> {
    serde_json::from_str(json).map_err(|e| anyhow::anyhow!("{INTERNAL_ROUTES} is not valid: {e}"))
}

/// The route for `method path`, preferring literal segments over parameters (as API Gateway
/// does), or `None`: the caller may not reach that path.
pub fn find<'a>(routes: &'a [InternalRoute], method: &str, path: &str) -> Option<Matched<'a>> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    routes
        .iter()
        .filter(|r| r.method.eq_ignore_ascii_case(method))
        .filter_map(|route| {
            let template: Vec<&str> = route.path.split('/').collect();
            if template.len() != segments.len() {
                return None;
            }
            let mut params = Vec::new();
            let mut literals = 0;
            for (t, s) in template.iter().zip(&segments) {
                match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                    Some(name) if !s.is_empty() => params.push((name.to_owned(), (*s).to_owned())),
                    Some(_) => return None,
                    None if t == s => literals += 1,
                    None => return None,
                }
            }
            Some((literals, Matched { route, params }))
        })
        .max_by_key(|(literals, _)| *literals)
        .map(|(_, matched)| matched)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str, function: &str) -> InternalRoute {
        InternalRoute {
            context: "museum/museum".into(),
            method: method.into(),
            path: path.into(),
            function: function.into(),
        }
    }

    #[test]
    fn matches_method_and_path_and_names_the_parameters() {
        let routes = [
            route("POST", "/museum/museums/{id}/reservations", "reserve"),
            route(
                "GET",
                "/museum/museums/{id}/reservations/{bookingId}",
                "read",
            ),
            route(
                "DELETE",
                "/museum/museums/{id}/reservations/{bookingId}",
                "release",
            ),
        ];
        let m = find(&routes, "POST", "/museum/museums/m1/reservations").unwrap();
        assert_eq!(m.route.function, "reserve");
        assert_eq!(m.params, [("id".to_owned(), "m1".to_owned())]);
        let m = find(&routes, "delete", "/museum/museums/m1/reservations/b1").unwrap();
        assert_eq!(m.route.function, "release");
        assert_eq!(m.params[1], ("bookingId".to_owned(), "b1".to_owned()));
        assert!(find(&routes, "GET", "/museum/museums/m1/reservations").is_none());
        assert!(find(&routes, "POST", "/museum/museums//reservations").is_none());
        assert!(find(&routes, "POST", "/museum/books").is_none());
    }

    #[test]
    fn a_literal_segment_wins_over_a_parameter() {
        let routes = [
            route("GET", "/s/items/{id}", "one"),
            route("GET", "/s/items/latest", "latest"),
        ];
        assert_eq!(
            find(&routes, "GET", "/s/items/latest")
                .unwrap()
                .route
                .function,
            "latest"
        );
        assert_eq!(
            find(&routes, "GET", "/s/items/x").unwrap().route.function,
            "one"
        );
    }

    #[test]
    fn parses_what_the_template_writes() {
        let json = r#"[{"context":"museum/museum","method":"POST","path":"/museum/museums/{id}/reservations","function":"arn:aws:lambda:us-east-1:1:function:p-museum-museum-reserve:live"}]"#;
        assert_eq!(parse(json).unwrap()[0].method, "POST");
        assert!(
            parse("{")
                .unwrap_err()
                .to_string()
                .contains(INTERNAL_ROUTES)
        );
    }
}
