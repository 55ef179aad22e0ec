//! Public routes on the HTTP API: one integration per function, a route per declared route,
//! the permission for API Gateway to invoke the alias; protected routes behind the system's
//! Lambda authorizer. Internal functions get none of it: their callers invoke them directly.

use kernel::{Trigger, function::FnInfo};

use crate::yaml::{Y, int, list, map, r#ref, s, sub};

use super::names;

/// The logical id of a system's authorizer (the `AWS::ApiGatewayV2::Authorizer`).
pub const AUTHORIZER: &str = "Authorizer";

fn invoke_permission(target: Y, source: &str) -> Y {
    map([
        ("Type", s("AWS::Lambda::Permission")),
        (
            "Properties",
            map([
                ("Action", s("lambda:InvokeFunction")),
                ("FunctionName", target),
                ("Principal", s("apigateway.amazonaws.com")),
                (
                    "SourceArn",
                    sub(format!(
                        "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{ApiId}}/{source}"
                    )),
                ),
            ]),
        ),
    ])
}

pub fn routes(system: &str, id: &str, f: &FnInfo) -> Vec<(String, Y)> {
    let Trigger::Http(routes) = &f.trigger else {
        return vec![];
    };
    if f.internal {
        return vec![];
    }
    let integration = format!("{id}Integration");
    let mut out = vec![(
        integration.clone(),
        map([
            ("Type", s("AWS::ApiGatewayV2::Integration")),
            (
                "Properties",
                map([
                    ("ApiId", r#ref("ApiId")),
                    ("IntegrationType", s("AWS_PROXY")),
                    ("IntegrationUri", r#ref(format!("{id}.Alias"))),
                    ("PayloadFormatVersion", s("2.0")),
                    ("TimeoutInMillis", int(29_000)),
                ]),
            ),
        ]),
    )];
    for (i, route) in routes.iter().enumerate() {
        let suffix = if i == 0 {
            String::new()
        } else {
            (i + 1).to_string()
        };
        let mut props = vec![
            ("ApiId".to_owned(), r#ref("ApiId")),
            (
                "RouteKey".to_owned(),
                s(format!("{} /{system}{}", route.method, route.path)),
            ),
            (
                "Target".to_owned(),
                sub(format!("integrations/${{{integration}}}")),
            ),
        ];
        if f.access.is_protected() {
            props.push(("AuthorizationType".to_owned(), s("CUSTOM")));
            props.push(("AuthorizerId".to_owned(), r#ref(AUTHORIZER)));
        }
        out.push((
            format!("{id}Route{suffix}"),
            map([
                ("Type", s("AWS::ApiGatewayV2::Route")),
                ("Properties", Y::Map(props)),
            ]),
        ));
    }
    out.push((
        format!("{id}Permission"),
        invoke_permission(r#ref(format!("{id}.Alias")), "*"),
    ));
    out
}

/// The system's REQUEST authorizer (payload 2.0, simple responses) backed by function `id`.
pub fn authorizer(system: &str, id: &str, name: &str) -> Vec<(String, Y)> {
    let uri = format!(
        "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/{}/invocations",
        names::alias_arn(name)
    );
    vec![
        (
            AUTHORIZER.to_owned(),
            map([
                ("Type", s("AWS::ApiGatewayV2::Authorizer")),
                (
                    "Properties",
                    map([
                        ("ApiId", r#ref("ApiId")),
                        ("Name", names::authorizer(system)),
                        ("AuthorizerType", s("REQUEST")),
                        ("AuthorizerUri", sub(uri)),
                        ("AuthorizerPayloadFormatVersion", s("2.0")),
                        ("EnableSimpleResponses", Y::Bool(true)),
                        ("IdentitySource", list([s("$request.header.Authorization")])),
                        // Not cached: a token's expiry and roles are checked on every request.
                        ("AuthorizerResultTtlInSeconds", int(0)),
                    ]),
                ),
            ]),
        ),
        (
            format!("{id}Permission"),
            invoke_permission(r#ref(format!("{id}.Alias")), "authorizers/*"),
        ),
    ]
}
