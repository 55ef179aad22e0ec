//! Reading generated templates in tests, and a small system with a token policy (the museum has
//! none) to generate from.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeSet;

use kernel::{BoundedContext, Context, ContextId, FnSpec, Platform, System, auth::TokenPolicy};
use yaml_serde::Value;

pub struct Template {
    pub text: String,
    pub doc: Value,
}

impl Template {
    pub fn of(system: &System) -> Self {
        let text = xtask::template::system(system);
        Self {
            doc: yaml(&text),
            text,
        }
    }

    pub fn resource(&self, logical: &str) -> Option<&Value> {
        self.doc["Resources"].get(logical)
    }

    /// The declared names of the functions a role may invoke.
    pub fn invoked_by(&self, role: &str) -> BTreeSet<String> {
        let Some(role) = self.resource(role) else {
            return BTreeSet::new();
        };
        statements(role)
            .iter()
            .filter(|s| strings(&s["Action"]).contains(&"lambda:InvokeFunction"))
            .flat_map(|s| resource_values(&s["Resource"]))
            .map(|r| {
                let arn = sub_text(&r);
                let name = arn.rsplit_once(":function:${Prefix}-").unwrap().1;
                name.strip_suffix(":live").unwrap().to_owned()
            })
            .collect()
    }
}

pub fn yaml(text: &str) -> Value {
    yaml_serde::from_str(text).unwrap()
}

pub fn root_template() -> Value {
    yaml(&xtask::template::root(&systems::all()))
}

pub fn resources(doc: &Value) -> Vec<(String, Value)> {
    doc["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_owned(), v.clone()))
        .collect()
}

/// A `!Sub` string's template, or a plain string.
pub fn sub_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Tagged(tagged) if tagged.tag == "Sub" => sub_text(&tagged.value),
        other => panic!("not a name: {other:?}"),
    }
}

/// `Logical` of `!GetAtt Logical.Attribute`.
pub fn get_att_target(value: &Value) -> String {
    match value {
        Value::Tagged(tagged) if tagged.tag == "GetAtt" => {
            let dotted = tagged.value.as_str().unwrap();
            dotted.split_once('.').unwrap().0.to_owned()
        }
        other => panic!("not a !GetAtt: {other:?}"),
    }
}

pub fn statements(role: &Value) -> Vec<Value> {
    role["Properties"]["Policies"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["PolicyDocument"]["Statement"]
                .as_sequence()
                .unwrap()
                .clone()
        })
        .collect()
}

pub fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Sequence(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

pub fn resource_values(value: &Value) -> Vec<Value> {
    match value {
        Value::Sequence(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// Fails if a resource's logical id appears twice (YAML would keep one of them silently).
pub fn assert_unique_keys(text: &str) {
    let mut seen = BTreeSet::new();
    let mut in_resources = false;
    for line in text.lines() {
        if !line.starts_with(' ') {
            in_resources = line == "Resources:";
            continue;
        }
        if in_resources && line.starts_with("  ") && !line.starts_with("   ") {
            let key = line.trim().trim_end_matches(':');
            assert!(
                seen.insert(key.to_owned()),
                "logical id {key} is used twice"
            );
        }
    }
    assert!(!seen.is_empty());
}

const DEMO: ContextId = ContextId::new("demo", "demo");

struct DemoContext;

impl BoundedContext for DemoContext {
    const ID: ContextId = DEMO;
    type Deps = ();

    fn deps(_: &dyn Platform) -> anyhow::Result<()> {
        Ok(())
    }

    fn functions() -> Vec<FnSpec<()>> {
        vec![
            FnSpec::http("demo-demo-hello", http::Method::GET, "/hello", answer),
            FnSpec::http("demo-demo-admin", http::Method::GET, "/admin", answer).role("ROLE_ADMIN"),
        ]
    }
}

async fn answer(_: &(), _: (), _: &kernel::Call) -> kernel::AppResult<kernel::input::Json<String>> {
    Ok(kernel::input::Json("hello".into()))
}

/// A system whose `/admin` needs a token with `ROLE_ADMIN`.
pub fn system_with_auth() -> System {
    let system = System {
        name: "demo",
        title: "Demo",
        contexts: vec![Context::of::<DemoContext>()],
        auth: Some(TokenPolicy {
            issuer: "demo",
            audience: "demo-api",
            signing_key: "DEMO_SIGNING_KEY",
        }),
        ui: None,
        streams: Vec::new(),
        samples: Vec::new,
        sample_id: |_, _| "01KADEMO000000000000000001",
    };
    system.check().unwrap();
    system
}
