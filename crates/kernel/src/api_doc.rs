//! What an HTTP function takes and answers, as its declaration records it for the OpenAPI
//! document (`crate::openapi` builds the document from these).

use std::{borrow::Cow, collections::BTreeMap, fmt};

use utoipa::{
    IntoParams, ToSchema,
    openapi::{Ref, RefOr, Schema, path::ParameterIn},
};

type Schemas = Vec<(String, RefOr<Schema>)>;

/// A named schema, computed only when a document is asked for (not at a Lambda's cold start).
#[derive(Clone, Copy)]
pub struct SchemaOf {
    pub(crate) name: fn() -> Cow<'static, str>,
    pub(crate) schema: fn() -> RefOr<Schema>,
    pub(crate) dependencies: fn(&mut Schemas),
}

impl SchemaOf {
    pub fn of<T: ToSchema>() -> Self {
        Self {
            name: T::name,
            schema: T::schema,
            dependencies: T::schemas,
        }
    }

    pub(crate) fn register(&self, schemas: &mut BTreeMap<String, RefOr<Schema>>) -> Ref {
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
pub(crate) enum Body {
    One(SchemaOf),
    /// `{"items": [T], "nextCursor": string | null}`
    Page(SchemaOf),
}

/// What an HTTP function takes and answers, for its OpenAPI operation.
#[derive(Clone, Debug, Default)]
pub struct ApiDoc {
    pub(crate) summary: &'static str,
    pub(crate) body: Option<SchemaOf>,
    pub(crate) query: Vec<fn() -> Vec<utoipa::openapi::path::Parameter>>,
    pub(crate) reply: Option<(u16, Body)>,
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
