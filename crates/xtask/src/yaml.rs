//! Just enough YAML to write CloudFormation templates by hand's standard: block style, and the
//! short intrinsic tags (`!Ref`, `!GetAtt`, `!Sub`) people read and write.

use std::fmt::Write;

#[derive(Clone, Debug, PartialEq)]
pub enum Y {
    Str(String),
    Int(i64),
    Bool(bool),
    List(Vec<Y>),
    Map(Vec<(String, Y)>),
    /// `!Name value`
    Tag(&'static str, Box<Y>),
}

pub fn s(v: impl Into<String>) -> Y {
    Y::Str(v.into())
}

pub fn int(v: i64) -> Y {
    Y::Int(v)
}

pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Y)>) -> Y {
    Y::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

pub fn list(items: impl IntoIterator<Item = Y>) -> Y {
    Y::List(items.into_iter().collect())
}

pub fn r#ref(logical: impl Into<String>) -> Y {
    Y::Tag("Ref", Box::new(s(logical)))
}

pub fn get_att(logical: &str, attribute: &str) -> Y {
    Y::Tag("GetAtt", Box::new(s(format!("{logical}.{attribute}"))))
}

pub fn sub(template: impl Into<String>) -> Y {
    Y::Tag("Sub", Box::new(s(template)))
}

/// A plain scalar if it cannot be mistaken for anything else, otherwise double-quoted.
fn scalar(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && !v.starts_with(['-', '.', '/'])
        && !v.starts_with(|c: char| c.is_ascii_digit())
        && v.parse::<f64>().is_err()
        && !matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "~"
        );
    if plain {
        v.to_owned()
    } else {
        serde_json::Value::String(v.to_owned()).to_string()
    }
}

fn inline(y: &Y) -> Option<String> {
    match y {
        Y::Str(v) => Some(scalar(v)),
        Y::Int(i) => Some(i.to_string()),
        Y::Bool(b) => Some(b.to_string()),
        Y::Tag(name, inner) => inline(inner).map(|v| format!("!{name} {v}")),
        Y::List(items) if items.is_empty() => Some("[]".into()),
        Y::Map(entries) if entries.is_empty() => Some("{}".into()),
        _ => None,
    }
}

fn write(out: &mut String, y: &Y, indent: usize) {
    let pad = " ".repeat(indent);
    match y {
        Y::Map(entries) => {
            for (k, v) in entries {
                match inline(v) {
                    Some(v) => {
                        let _ = writeln!(out, "{pad}{}: {v}", scalar(k));
                    }
                    None => {
                        let _ = writeln!(out, "{pad}{}:", scalar(k));
                        write(out, v, indent + 2);
                    }
                }
            }
        }
        Y::List(items) => {
            for item in items {
                match inline(item) {
                    Some(v) => {
                        let _ = writeln!(out, "{pad}- {v}");
                    }
                    None => {
                        // The first line of a nested block goes after the dash.
                        let mut nested = String::new();
                        write(&mut nested, item, indent + 2);
                        let trimmed = nested.trim_start_matches(' ');
                        let _ = write!(out, "{pad}- {trimmed}");
                    }
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", inline(other).unwrap_or_default());
        }
    }
}

pub fn to_string(y: &Y) -> String {
    let mut out = String::new();
    write(&mut out, y, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_block_yaml_with_tags_and_safe_scalars() {
        let doc = map([
            ("A", s("plain")),
            ("B", s("needs: quoting")),
            (
                "C",
                list([map([("X", int(1)), ("Z", r#ref("Thing"))]), s("true")]),
            ),
            ("D", get_att("Queue", "Arn")),
            ("E", sub("${AWS::StackName}-x.fifo")),
            ("F", list([])),
        ]);
        assert_eq!(
            to_string(&doc),
            "A: plain\nB: \"needs: quoting\"\nC:\n  - X: 1\n    Z: !Ref Thing\n  - \"true\"\nD: !GetAtt Queue.Arn\nE: !Sub \"${AWS::StackName}-x.fifo\"\nF: []\n"
        );
    }
}
