//! Intrinsic functions resolved as CloudFormation would: `Ref`, `Fn::GetAtt`, `Fn::Sub`,
//! `Fn::Join`, in short (`!Ref`) and long (`{ Ref: .. }`) form, and the pseudo parameters.

use std::collections::HashMap;

use anyhow::Context as _;
use serde_json::Value as Json;
use yaml_serde::Value as Yaml;

use super::{CREATED, Resource, Stack};
use crate::emulator::{ACCOUNT_ID, REGION};

pub(super) enum Unresolved {
    /// A resource this one refers to is not created yet.
    Waiting(String),
    Invalid(anyhow::Error),
}

impl From<anyhow::Error> for Unresolved {
    fn from(e: anyhow::Error) -> Self {
        Self::Invalid(e)
    }
}

/// What references resolve against: the pseudo parameters, the template's parameters and the
/// resources created so far.
pub(super) struct Scope<'a> {
    pub(super) stack: &'a Stack,
    pub(super) parameters: &'a HashMap<String, String>,
    pub(super) declared: &'a HashMap<String, String>,
}

impl Scope<'_> {
    /// The value as JSON, with every intrinsic function replaced by its value.
    pub(super) fn resolve(&self, value: &Yaml) -> Result<Json, Unresolved> {
        match value {
            Yaml::Tagged(tagged) => self.intrinsic(
                tagged.tag.to_string().trim_start_matches('!'),
                &tagged.value,
            ),
            Yaml::Mapping(map) => {
                if let [(Yaml::String(key), argument)] = map.iter().collect::<Vec<_>>()[..]
                    && (key == "Ref" || key.starts_with("Fn::"))
                {
                    return self.intrinsic(key.trim_start_matches("Fn::"), argument);
                }
                let mut object = serde_json::Map::new();
                for (key, value) in map {
                    let resolved = self.resolve(value)?;
                    // `!Ref AWS::NoValue` removes the property.
                    if !resolved.is_null() {
                        object.insert(text(&scalar(key)?), resolved);
                    }
                }
                Ok(Json::Object(object))
            }
            Yaml::Sequence(items) => Ok(Json::Array(
                items
                    .iter()
                    .map(|i| self.resolve(i))
                    .collect::<Result<_, _>>()?,
            )),
            other => Ok(scalar(other)?),
        }
    }

    fn intrinsic(&self, function: &str, argument: &Yaml) -> Result<Json, Unresolved> {
        match function {
            "Ref" => self.reference(argument.as_str().context("!Ref takes a name")?),
            "GetAtt" => {
                let (logical, attribute) = match argument {
                    Yaml::String(dotted) => dotted
                        .split_once('.')
                        .context("!GetAtt takes Logical.Attribute")?,
                    Yaml::Sequence(pair) => match &pair[..] {
                        [Yaml::String(l), Yaml::String(a)] => (l.as_str(), a.as_str()),
                        _ => {
                            return Err(
                                anyhow::anyhow!("!GetAtt takes [Logical, Attribute]").into()
                            );
                        }
                    },
                    _ => return Err(anyhow::anyhow!("!GetAtt takes Logical.Attribute").into()),
                };
                self.attribute(logical, attribute)
            }
            "Sub" => {
                let (template, variables) = match argument {
                    Yaml::String(template) => (template.as_str(), serde_json::Map::new()),
                    Yaml::Sequence(pair) => match &pair[..] {
                        [Yaml::String(template), variables] => match self.resolve(variables)? {
                            Json::Object(variables) => (template.as_str(), variables),
                            _ => {
                                return Err(
                                    anyhow::anyhow!("!Sub's variables are not a mapping").into()
                                );
                            }
                        },
                        _ => {
                            return Err(anyhow::anyhow!(
                                "!Sub takes a string or [string, variables]"
                            )
                            .into());
                        }
                    },
                    _ => return Err(anyhow::anyhow!("!Sub takes a string").into()),
                };
                self.substitute(template, &variables).map(Json::String)
            }
            "Join" => {
                let Yaml::Sequence(pair) = argument else {
                    return Err(anyhow::anyhow!("!Join takes [delimiter, list]").into());
                };
                let [Yaml::String(delimiter), list] = &pair[..] else {
                    return Err(anyhow::anyhow!("!Join takes [delimiter, list]").into());
                };
                let Json::Array(parts) = self.resolve(list)? else {
                    return Err(anyhow::anyhow!("!Join's second argument is not a list").into());
                };
                Ok(Json::String(
                    parts.iter().map(text).collect::<Vec<_>>().join(delimiter),
                ))
            }
            other => Err(anyhow::anyhow!("the emulator does not evaluate Fn::{other}").into()),
        }
    }

    fn reference(&self, name: &str) -> Result<Json, Unresolved> {
        let pseudo = match name {
            "AWS::StackName" => Some(self.stack.name.as_str()),
            "AWS::Region" => Some(REGION),
            "AWS::AccountId" => Some(ACCOUNT_ID),
            "AWS::Partition" => Some("aws"),
            "AWS::URLSuffix" => Some("amazonaws.com"),
            "AWS::NoValue" => return Ok(Json::Null),
            _ => None,
        };
        if let Some(value) = pseudo.or_else(|| self.parameters.get(name).map(String::as_str)) {
            return Ok(Json::String(value.to_owned()));
        }
        Ok(Json::String(self.created(name)?.reference.clone()))
    }

    fn attribute(&self, logical: &str, attribute: &str) -> Result<Json, Unresolved> {
        let resource = self.created(logical)?;
        match resource.attributes.get(attribute) {
            Some(value) => Ok(Json::String(value.clone())),
            None => Err(anyhow::anyhow!(
                "{logical} ({}) has no attribute {attribute} in the emulator",
                resource.kind
            )
            .into()),
        }
    }

    fn created(&self, logical: &str) -> Result<&Resource, Unresolved> {
        if let Some(resource) = self.stack.resources.get(logical) {
            return Ok(resource);
        }
        match self.declared.get(logical) {
            Some(kind) if CREATED.contains(&kind.as_str()) => {
                Err(Unresolved::Waiting(logical.to_owned()))
            }
            Some(kind) => Err(anyhow::anyhow!(
                "{logical} is a {kind}, which the emulator does not create"
            )
            .into()),
            None => Err(anyhow::anyhow!("{logical} is neither a parameter nor a resource").into()),
        }
    }

    /// `${Name}`, `${Logical.Attribute}` and `${!Literal}` in a `!Sub` template.
    fn substitute(
        &self,
        template: &str,
        variables: &serde_json::Map<String, Json>,
    ) -> Result<String, Unresolved> {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .with_context(|| format!("unclosed ${{ in {template:?}"))?;
            let name = &after[..end];
            let value = if let Some(literal) = name.strip_prefix('!') {
                format!("${{{literal}}}")
            } else if let Some(value) = variables.get(name) {
                text(value)
            } else if let Some((logical, attribute)) = name.split_once('.') {
                text(&self.attribute(logical, attribute)?)
            } else {
                text(&self.reference(name)?)
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

pub(super) fn scalar(value: &Yaml) -> anyhow::Result<Json> {
    Ok(match value {
        Yaml::Null => Json::Null,
        Yaml::Bool(b) => Json::Bool(*b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                Json::from(i)
            } else if let Some(u) = n.as_u64() {
                Json::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Json::Number)
                    .unwrap_or(Json::Null)
            }
        }
        Yaml::String(s) => Json::String(s.clone()),
        other => anyhow::bail!("expected a scalar, found {other:?}"),
    })
}

/// A resolved value as an attribute's text: strings as they are, anything else as JSON.
pub(super) fn text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(super) fn is_true(value: Option<&Json>) -> bool {
    value.is_some_and(|v| text(v) == "true")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::emulator::template::{QUEUE, TABLE};

    fn scope_with<'a>(
        stack: &'a Stack,
        declared: &'a HashMap<String, String>,
        parameters: &'a HashMap<String, String>,
    ) -> Scope<'a> {
        Scope {
            stack,
            parameters,
            declared,
        }
    }

    fn stack() -> Stack {
        let table = Resource {
            kind: TABLE.into(),
            reference: "s-Table".into(),
            attributes: BTreeMap::from([(
                "Arn".into(),
                "arn:aws:dynamodb:us-east-1:123456789012:table/s-Table".into(),
            )]),
        };
        Stack {
            name: "s".into(),
            resources: BTreeMap::from([("Table".into(), table)]),
            functions: BTreeMap::new(),
        }
    }

    fn resolve(yaml: &str) -> Result<Json, Unresolved> {
        let stack = stack();
        let declared = HashMap::from([
            ("Table".to_owned(), TABLE.to_owned()),
            ("Queue".to_owned(), QUEUE.to_owned()),
            ("Fn".to_owned(), "AWS::Serverless::Function".to_owned()),
        ]);
        let parameters = HashMap::from([("Stage".to_owned(), "test".to_owned())]);
        scope_with(&stack, &declared, &parameters).resolve(&yaml_serde::from_str(yaml).unwrap())
    }

    fn ok(yaml: &str) -> Json {
        match resolve(yaml) {
            Ok(v) => v,
            Err(Unresolved::Waiting(on)) => panic!("waiting on {on}"),
            Err(Unresolved::Invalid(e)) => panic!("{e:#}"),
        }
    }

    #[test]
    fn resolves_short_and_long_intrinsics() {
        assert_eq!(ok("A: !Ref Table"), serde_json::json!({ "A": "s-Table" }));
        assert_eq!(
            ok("A: { Ref: Table }"),
            serde_json::json!({ "A": "s-Table" })
        );
        assert_eq!(
            ok("!GetAtt Table.Arn"),
            "arn:aws:dynamodb:us-east-1:123456789012:table/s-Table"
        );
        assert_eq!(
            ok("{ 'Fn::GetAtt': [Table, Arn] }"),
            "arn:aws:dynamodb:us-east-1:123456789012:table/s-Table"
        );
        assert_eq!(
            ok("!Sub '${AWS::StackName}-${Stage}-${Table}-${!Literal}'"),
            "s-test-s-Table-${Literal}"
        );
        assert_eq!(
            ok("!Sub ['${X}.${AWS::Region}', { X: !Ref Table }]"),
            "s-Table.us-east-1"
        );
        assert_eq!(ok("!Join [':', [a, !Ref Stage, 3]]"), "a:test:3");
        assert_eq!(
            ok("{ A: 1, B: !Ref AWS::NoValue, C: [true] }"),
            serde_json::json!({ "A": 1, "C": [true] })
        );
    }

    #[test]
    fn waits_for_resources_not_yet_created_and_refuses_unknown_ones() {
        assert!(
            matches!(resolve("!GetAtt Queue.Arn"), Err(Unresolved::Waiting(q)) if q == "Queue")
        );
        assert!(matches!(
            resolve("!Sub '${Queue.Arn}'"),
            Err(Unresolved::Waiting(_))
        ));
        let Err(Unresolved::Invalid(e)) = resolve("!Ref Fn") else {
            panic!("a function was resolved")
        };
        assert!(e.to_string().contains("AWS::Serverless::Function"), "{e}");
        assert!(matches!(
            resolve("!Ref Nothing"),
            Err(Unresolved::Invalid(_))
        ));
        assert!(matches!(
            resolve("!If [C, a, b]"),
            Err(Unresolved::Invalid(_))
        ));
    }
}
