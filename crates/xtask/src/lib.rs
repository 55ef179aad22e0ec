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
