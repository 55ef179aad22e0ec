//! OpenAPI documents, generated from the function declarations (so they cannot drift from the
//! routes), with schemas from the request and response types' `utoipa::ToSchema`.

use std::collections::BTreeMap;

use utoipa::openapi::{
    ArrayBuilder, ComponentsBuilder, ContentBuilder, HttpMethod, InfoBuilder, ObjectBuilder,
    OpenApi, OpenApiBuilder, PathItem, PathsBuilder, Ref, RefOr, ResponseBuilder, Schema, Type,
    path::{OperationBuilder, ParameterBuilder, ParameterIn},
    request_body::RequestBodyBuilder,
    schema::SchemaType,
};

pub use crate::api_doc::{ApiDoc, SchemaOf};
use crate::{
    api_doc::Body,
    error::{PROBLEM_JSON, Problem},
    function::{System, Trigger},
};

fn method(m: &http::Method) -> HttpMethod {
    match *m {
        http::Method::POST => HttpMethod::Post,
        http::Method::PUT => HttpMethod::Put,
        http::Method::DELETE => HttpMethod::Delete,
        http::Method::PATCH => HttpMethod::Patch,
        _ => HttpMethod::Get,
    }
}

/// The names in `{braces}` of a path template.
pub fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

/// The OpenAPI document of one system: every public path under its prefix (internal functions
/// are no part of the API a client can call).
pub fn document(system: &System) -> OpenApi {
    let mut schemas = BTreeMap::new();
    let problem = SchemaOf::of::<Problem<'static>>().register(&mut schemas);
    let mut paths = PathsBuilder::new();
    let mut items: BTreeMap<String, PathItem> = BTreeMap::new();

    for (context, f) in system.functions() {
        let Trigger::Http(routes) = &f.trigger else {
            continue;
        };
        if f.internal {
            continue;
        }
        for (i, route) in routes.iter().enumerate() {
            let doc = &f.doc;
            let operation_id = if i == 0 {
                f.name.to_owned()
            } else {
                format!("{}-{}", f.name, i + 1)
            };
            let mut op = OperationBuilder::new()
                .operation_id(Some(operation_id))
                .summary(Some(doc.summary))
                .tag(context.name);
            for name in path_params(route.path) {
                op = op.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(utoipa::openapi::Required::True)
                        .schema(Some(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .pattern(Some(crate::validate::ID_PATTERN)),
                        )),
                );
            }
            for query in &doc.query {
                for p in query() {
                    op = op.parameter(p);
                }
            }
            if let Some(body) = &doc.body {
                let schema = body.register(&mut schemas);
                op = op.request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(utoipa::openapi::Required::True))
                        .content(
                            "application/json",
                            ContentBuilder::new().schema(Some(schema)).build(),
                        )
                        .build(),
                ));
            }
            if let Some((status, reply)) = &doc.reply {
                let schema: RefOr<Schema> = match reply {
                    Body::One(s) => s.register(&mut schemas).into(),
                    Body::Page(s) => page_schema(s.register(&mut schemas)).into(),
                };
                op = op.response(
                    status.to_string(),
                    ResponseBuilder::new().description("Success").content(
                        "application/json",
                        ContentBuilder::new().schema(Some(schema)).build(),
                    ),
                );
            }
            op = op.response(
                "default",
                ResponseBuilder::new()
                    .description("A problem (RFC 9457): 400, 401, 403, 404, 409, 422 or 503")
                    .content(
                        PROBLEM_JSON,
                        ContentBuilder::new().schema(Some(problem.clone())).build(),
                    ),
            );
            let path = format!("/{}{}", system.name, route.path);
            let item = PathItem::new(method(&route.method), op);
            match items.get_mut(&path) {
                Some(existing) => existing.merge_operations(item),
                None => {
                    items.insert(path, item);
                }
            }
        }
    }
    for (path, item) in items {
        paths = paths.path(path, item);
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title(system.title)
                .version(env!("CARGO_PKG_VERSION")),
        )
        .paths(paths)
        .components(Some(
            ComponentsBuilder::new().schemas_from_iter(schemas).build(),
        ))
        .build()
}

fn page_schema(item: Ref) -> ObjectBuilder {
    ObjectBuilder::new()
        .property("items", ArrayBuilder::new().items(item))
        .required("items")
        .property(
            "nextCursor",
            ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null])),
        )
        .required("nextCursor")
}
