//! OpenAPI documents, generated from the function declarations (so they cannot drift from the
//! routes), with schemas from the request and response types' `utoipa::ToSchema`.

use std::{borrow::Cow, collections::BTreeMap, fmt};

use utoipa::{
    IntoParams, ToSchema,
    openapi::{
        ArrayBuilder, ComponentsBuilder, ContentBuilder, HttpMethod, InfoBuilder, ObjectBuilder,
        OpenApi, OpenApiBuilder, PathItem, PathsBuilder, Ref, RefOr, ResponseBuilder, Schema, Type,
        path::{OperationBuilder, ParameterBuilder, ParameterIn},
        request_body::RequestBodyBuilder,
        schema::SchemaType,
    },
};

use crate::{
    error::{PROBLEM_JSON, Problem},
    function::{System, Trigger},
};

type Schemas = Vec<(String, RefOr<Schema>)>;

/// A named schema, computed only when a document is asked for (not at a Lambda's cold start).
#[derive(Clone, Copy)]
pub struct SchemaOf {
    name: fn() -> Cow<'static, str>,
    schema: fn() -> RefOr<Schema>,
    dependencies: fn(&mut Schemas),
}

impl SchemaOf {
    pub fn of<T: ToSchema>() -> Self {
        Self {
            name: T::name,
            schema: T::schema,
            dependencies: T::schemas,
        }
    }

    fn register(&self, schemas: &mut BTreeMap<String, RefOr<Schema>>) -> Ref {
        let name = (self.name)().into_owned();
        let mut deps = Vec::new();
        (self.dependencies)(&mut deps);
        schemas.extend(deps);
        schemas.insert(name.clone(), (self.schema)());
        Ref::from_schema_name(name)
    }
}

impl fmt::Debug for SchemaOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&(self.name)())
    }
}

#[derive(Clone, Copy, Debug)]
enum Body {
    One(SchemaOf),
    /// `{"items": [T], "nextCursor": string | null}`
    Page(SchemaOf),
}

/// What an HTTP function takes and answers, for its OpenAPI operation.
#[derive(Clone, Debug, Default)]
pub struct ApiDoc {
    summary: &'static str,
    body: Option<SchemaOf>,
    query: Vec<fn() -> Vec<utoipa::openapi::path::Parameter>>,
    reply: Option<(u16, Body)>,
}

impl ApiDoc {
    pub fn new(summary: &'static str) -> Self {
        Self {
            summary,
            ..Self::default()
        }
    }

    /// The JSON request body.
    pub fn body<T: ToSchema>(mut self) -> Self {
        self.body = Some(SchemaOf::of::<T>());
        self
    }

    /// The query string's parameters.
    pub fn query<T: IntoParams>(mut self) -> Self {
        self.query
            .push(|| T::into_params(|| Some(ParameterIn::Query)));
        self
    }

    /// The success status and its JSON body.
    pub fn reply<T: ToSchema>(mut self, status: u16) -> Self {
        self.reply = Some((status, Body::One(SchemaOf::of::<T>())));
        self
    }

    /// 200 with one page of `T`; takes `?limit=&cursor=`.
    pub fn page_of<T: ToSchema>(mut self) -> Self {
        self.reply = Some((200, Body::Page(SchemaOf::of::<T>())));
        self.query::<crate::http::Paging>()
    }

    pub fn summary(&self) -> &'static str {
        self.summary
    }

    pub fn with_summary(mut self, summary: &'static str) -> Self {
        self.summary = summary;
        self
    }

    /// A request body built from the examples on its schema's properties (for sample events).
    pub fn example_body(&self) -> Option<serde_json::Value> {
        let body = self.body?;
        let schema = serde_json::to_value((body.schema)()).ok()?;
        let mut components = Vec::new();
        (body.dependencies)(&mut components);
        let components: BTreeMap<String, serde_json::Value> = components
            .into_iter()
            .filter_map(|(name, s)| Some((name, serde_json::to_value(s).ok()?)))
            .collect();
        let properties = schema.get("properties")?.as_object()?;
        let example: serde_json::Map<String, serde_json::Value> = properties
            .iter()
            .filter_map(|(name, p)| {
                example_of(p)
                    .or_else(|| example_of(resolve(p, &components)?))
                    .map(|e| (name.clone(), e))
            })
            .collect();
        Some(serde_json::Value::Object(example))
    }

    /// Query parameters that have an example, with it.
    pub fn example_query(&self) -> Vec<(String, String)> {
        self.query
            .iter()
            .flat_map(|params| params())
            .filter_map(|p| {
                let json = serde_json::to_value(&p).ok()?;
                let example = json
                    .get("example")
                    .cloned()
                    .or_else(|| json.get("schema").and_then(example_of))?;
                let value = match example {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                Some((p.name, value))
            })
            .collect()
    }
}

/// The component a property refers to: `{"$ref": ...}`, or the non-null side of an optional one.
fn resolve<'a>(
    property: &serde_json::Value,
    components: &'a BTreeMap<String, serde_json::Value>,
) -> Option<&'a serde_json::Value> {
    let reference = property.get("$ref").or_else(|| {
        property
            .get("oneOf")?
            .as_array()?
            .iter()
            .find_map(|alternative| alternative.get("$ref"))
    })?;
    let name = reference.as_str()?.strip_prefix("#/components/schemas/")?;
    components.get(name)
}

fn example_of(schema: &serde_json::Value) -> Option<serde_json::Value> {
    schema
        .get("example")
        .cloned()
        .or_else(|| schema.get("examples").and_then(|e| e.get(0)).cloned())
}

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
