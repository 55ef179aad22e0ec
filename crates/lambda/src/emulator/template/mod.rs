//! Creates a CloudFormation (or SAM) template's tables, topics, queues, subscriptions and secrets
//! in the emulator (and names its WebSocket APIs), from the template's own definitions, so that tests run against the layout
//! that is deployed and not against a second copy of it; and resolves each function's
//! environment as Lambda would set it. Other resource types are not created; a reference to one
//! is an error that names it.

use std::{
    collections::{BTreeMap, HashMap},
    path::Path,
};

use anyhow::Context as _;
use aws_config::SdkConfig;
use yaml_serde::Value as Yaml;

mod create;
mod resolve;

use create::Clients;
use resolve::{Scope, Unresolved, scalar, text};

const TABLE: &str = "AWS::DynamoDB::Table";
const TOPIC: &str = "AWS::SNS::Topic";
const QUEUE: &str = "AWS::SQS::Queue";
const SUBSCRIPTION: &str = "AWS::SNS::Subscription";
const SECRET: &str = "AWS::SecretsManager::Secret";
const WEBSOCKET_API: &str = "AWS::ApiGatewayV2::Api";
const FUNCTION: &str = "AWS::Serverless::Function";
const CREATED: [&str; 6] = [TABLE, TOPIC, QUEUE, SUBSCRIPTION, SECRET, WEBSOCKET_API];

/// A created resource: what `!Ref` gives (a table's name, a topic's ARN, a queue's URL, a
/// subscription's ARN) and what `!GetAtt` gives (`Arn`, `StreamArn`, `QueueName`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    pub kind: String,
    pub reference: String,
    pub attributes: BTreeMap<String, String>,
}

/// The created resources of a template, by logical id.
#[derive(Clone, Debug)]
pub struct Stack {
    pub name: String,
    pub resources: BTreeMap<String, Resource>,
    /// Each function as Lambda would run it, by its binary's name.
    pub functions: BTreeMap<String, FunctionDefinition>,
}

/// A function of the template, resolved: what Lambda would give it and what triggers it.
#[derive(Clone, Debug, Default)]
pub struct FunctionDefinition {
    pub logical: String,
    /// Its environment variables, the globals' and its own.
    pub environment: BTreeMap<String, String>,
    /// Its event sources by name: their `Type` and resolved `Properties`.
    pub events: BTreeMap<String, (String, serde_json::Value)>,
}

impl Stack {
    /// What `!Ref logical` resolves to.
    pub fn reference(&self, logical: &str) -> anyhow::Result<&str> {
        Ok(&self.resource(logical)?.reference)
    }

    /// What `!GetAtt logical.attribute` resolves to.
    pub fn attribute(&self, logical: &str, attribute: &str) -> anyhow::Result<&str> {
        let resource = self.resource(logical)?;
        resource
            .attributes
            .get(attribute)
            .map(String::as_str)
            .with_context(|| format!("{logical} ({}) has no attribute {attribute}", resource.kind))
    }

    /// The function whose binary is `name`.
    pub fn function(&self, name: &str) -> anyhow::Result<&FunctionDefinition> {
        self.functions
            .get(name)
            .with_context(|| format!("stack {} has no function built from {name}", self.name))
    }

    /// The resource whose `Arn` attribute is `arn` (a queue an event source names).
    pub fn by_arn(&self, arn: &str) -> anyhow::Result<&Resource> {
        self.resources
            .values()
            .find(|r| r.attributes.get("Arn").map(String::as_str) == Some(arn))
            .with_context(|| format!("stack {} created nothing with ARN {arn}", self.name))
    }

    /// Logical id to physical name, ARN or URL.
    pub fn references(&self) -> BTreeMap<&str, &str> {
        self.resources
            .iter()
            .map(|(k, r)| (k.as_str(), r.reference.as_str()))
            .collect()
    }

    fn resource(&self, logical: &str) -> anyhow::Result<&Resource> {
        self.resources
            .get(logical)
            .with_context(|| format!("stack {} created no resource {logical}", self.name))
    }
}

/// Creates every `AWS::DynamoDB::Table`, `AWS::SNS::Topic`, `AWS::SQS::Queue` and
/// `AWS::SNS::Subscription` of `template`, as stack `stack_name`, in dependency order. Template
/// parameters take their value from `parameters`, else their `Default`.
pub async fn provision(
    template: impl AsRef<Path>,
    stack_name: &str,
    parameters: &[(&str, &str)],
    config: &SdkConfig,
) -> anyhow::Result<Stack> {
    let path = template.as_ref();
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let document: Yaml =
        yaml_serde::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let Some(Yaml::Mapping(resources)) = document.get("Resources") else {
        anyhow::bail!("{} has no Resources", path.display());
    };
    let parameters = parameter_values(&document, parameters)?;
    let mut declared = HashMap::new();
    let mut pending = Vec::new();
    let mut functions = Vec::new();
    for (logical, definition) in resources {
        let logical = logical
            .as_str()
            .context("a resource's logical id is not a string")?
            .to_owned();
        let kind = definition
            .get("Type")
            .and_then(Yaml::as_str)
            .unwrap_or_default()
            .to_owned();
        if CREATED.contains(&kind.as_str()) {
            let properties = definition.get("Properties").cloned().unwrap_or(Yaml::Null);
            pending.push((logical.clone(), kind.clone(), properties));
        }
        if kind == FUNCTION {
            functions.push((logical.clone(), definition.clone()));
        }
        declared.insert(logical, kind);
    }

    let clients = Clients::new(config);
    let mut stack = Stack {
        name: stack_name.to_owned(),
        resources: BTreeMap::new(),
        functions: BTreeMap::new(),
    };
    while !pending.is_empty() {
        let mut waiting = Vec::new();
        let before = pending.len();
        for (logical, kind, properties) in pending {
            let scope = Scope {
                stack: &stack,
                parameters: &parameters,
                declared: &declared,
            };
            match scope.resolve(&properties) {
                Ok(resolved) => {
                    let created = clients
                        .create(&stack.name, &logical, &kind, resolved)
                        .await
                        .with_context(|| format!("creating {logical} ({kind})"))?;
                    stack.resources.insert(logical, created);
                }
                Err(Unresolved::Waiting(on)) => waiting.push((logical, kind, properties, on)),
                Err(Unresolved::Invalid(e)) => {
                    return Err(e.context(format!("resolving {logical}'s properties")));
                }
            }
        }
        if waiting.len() == before {
            let cycle: Vec<String> = waiting
                .iter()
                .map(|(l, _, _, on)| format!("{l} waits for {on}"))
                .collect();
            anyhow::bail!("circular references: {}", cycle.join(", "));
        }
        pending = waiting.into_iter().map(|(l, k, p, _)| (l, k, p)).collect();
    }
    let globals = document
        .get("Globals")
        .and_then(|g| g.get("Function"))
        .and_then(|f| f.get("Environment"))
        .and_then(|e| e.get("Variables"))
        .cloned()
        .unwrap_or(Yaml::Null);
    let mut resolved_functions = BTreeMap::new();
    for (logical, definition) in functions {
        let scope = Scope {
            stack: &stack,
            parameters: &parameters,
            declared: &declared,
        };
        let resolve = |value: &Yaml, what: &str| {
            scope.resolve(value).map_err(|e| match e {
                Unresolved::Waiting(on) => anyhow::anyhow!("{logical}'s {what} needs {on}"),
                Unresolved::Invalid(e) => e.context(format!("resolving {logical}'s {what}")),
            })
        };
        let properties = definition.get("Properties").cloned().unwrap_or(Yaml::Null);
        let own = properties
            .get("Environment")
            .and_then(|e| e.get("Variables"))
            .cloned()
            .unwrap_or(Yaml::Null);
        let mut function = FunctionDefinition {
            logical: logical.clone(),
            ..FunctionDefinition::default()
        };
        for source in [&globals, &own] {
            if let serde_json::Value::Object(map) = resolve(source, "environment")? {
                function
                    .environment
                    .extend(map.into_iter().map(|(k, v)| (k, resolve::text(&v))));
            }
        }
        if let Some(Yaml::Mapping(events)) = properties.get("Events") {
            for (name, event) in events {
                let name = name.as_str().context("an event's name is not a string")?;
                let kind = event.get("Type").and_then(Yaml::as_str).unwrap_or_default();
                let props = event.get("Properties").cloned().unwrap_or(Yaml::Null);
                function
                    .events
                    .insert(name.to_owned(), (kind.to_owned(), resolve(&props, name)?));
            }
        }
        let binary = definition
            .get("Metadata")
            .and_then(|m| m.get("BuildProperties"))
            .and_then(|b| b.get("Binary"))
            .and_then(Yaml::as_str)
            .unwrap_or(&logical)
            .to_owned();
        resolved_functions.insert(binary, function);
    }
    stack.functions = resolved_functions;
    Ok(stack)
}

fn parameter_values(
    document: &Yaml,
    overrides: &[(&str, &str)],
) -> anyhow::Result<HashMap<String, String>> {
    let mut values: HashMap<String, String> = overrides
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    if let Some(Yaml::Mapping(declared)) = document.get("Parameters") {
        for (name, definition) in declared {
            let name = name
                .as_str()
                .context("a parameter's name is not a string")?;
            if values.contains_key(name) {
                continue;
            }
            if let Some(default) = definition.get("Default") {
                values.insert(name.to_owned(), text(&scalar(default)?));
            }
        }
    }
    Ok(values)
}
