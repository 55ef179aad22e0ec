//! Everything generated from the function declarations: the SAM templates. A test keeps the
//! committed files equal to what this writes, so the declarations, the gateway and AWS agree.

pub mod lambdas;
pub mod mains;
pub mod samples;
pub mod template;
pub mod yaml;

use std::path::{Path, PathBuf};

use kernel::System;

/// Every generated file, relative to the workspace root, with its contents.
pub fn generated(systems: &[System]) -> Vec<(PathBuf, String)> {
    let mut files = vec![(PathBuf::from("template.yaml"), template::root(systems))];
    for system in systems {
        files.push((
            PathBuf::from(format!("infra/{}.yaml", system.name)),
            template::system(system),
        ));
        files.extend(mains::files(system));
        files.push((
            PathBuf::from(format!("events/{}/env.json", system.name)),
            env_file(system),
        ));
        for (function, event) in samples::for_system(system) {
            let json = serde_json::to_string_pretty(&event).unwrap_or_default() + "\n";
            files.push((
                PathBuf::from(format!("events/{}/{function}.json", system.name)),
                json,
            ));
        }
    }
    files
}

/// The deployment prefix `samconfig.toml` deploys with (`Prefix` in its parameter overrides).
pub const DEFAULT_PREFIX: &str = "event-stormed";

/// `events/<system>/env.json`, for `sam local invoke --env-vars`: each function's table and
/// declared settings as a deployment with the default prefix names them. (What needs an ARN —
/// a topic, internal routes, a secret — needs the deployed stack: `sam remote invoke`.)
fn env_file(system: &System) -> String {
    let mut functions = serde_json::Map::new();
    for context in &system.contexts {
        let table = format!("{DEFAULT_PREFIX}-{}-{}", context.id.system, context.id.name);
        let mut vars = serde_json::Map::new();
        vars.insert("TABLE_NAME".into(), table.into());
        for setting in context.settings {
            vars.insert(setting.name.into(), setting.default.into());
        }
        for f in context.functions() {
            let id = template::logical_id(system.name, f.name);
            let nested = format!("{}/{id}", template::system_stack_id(system));
            for key in [id, nested] {
                functions.insert(key, serde_json::Value::Object(vars.clone()));
            }
        }
    }
    for stream in template::live_streams(system) {
        let table = format!(
            "{DEFAULT_PREFIX}-{}-{}-connections",
            system.name, stream.channel
        );
        let vars = serde_json::json!({ lambda::live::CONNECTIONS_TABLE: table });
        for name in [
            lambda::live::connect_name(system.name, stream),
            lambda::live::disconnect_name(system.name, stream),
        ] {
            let id = template::logical_id(system.name, &name);
            let nested = format!("{}/{id}", template::system_stack_id(system));
            for key in [id, nested] {
                functions.insert(key, vars.clone());
            }
        }
    }
    serde_json::to_string_pretty(&functions).unwrap_or_default() + "\n"
}

/// The workspace root (this crate lives in `crates/xtask`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("."))
}

/// Files that differ from what would be generated.
pub fn stale(root: &Path, systems: &[System]) -> Vec<PathBuf> {
    generated(systems)
        .into_iter()
        .filter(|(path, contents)| {
            std::fs::read_to_string(root.join(path)).ok().as_deref() != Some(contents.as_str())
        })
        .map(|(path, _)| path)
        .collect()
}
