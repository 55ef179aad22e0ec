//! The declarations are the single source of truth: template.yaml, infra/ and every Lambda main
//! are generated from them, and this test fails when a committed file is not what they say.
#![allow(clippy::unwrap_used)]

use std::{collections::BTreeSet, path::PathBuf};

#[test]
fn committed_templates_and_mains_match_the_declarations() {
    let root = xtask::workspace_root();
    let stale = xtask::stale(&root, &systems::all());
    assert!(
        stale.is_empty(),
        "stale generated files (run `cargo run -p xtask -- generate`): {stale:?}"
    );
}

#[test]
fn every_lambda_main_belongs_to_a_declared_function() {
    let root = xtask::workspace_root();
    let systems = systems::all();
    let generated: BTreeSet<PathBuf> = xtask::generated(&systems)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    for system in &systems {
        for context in &system.contexts {
            let dir = xtask::crate_dir(context.id).join("src/bin");
            for entry in std::fs::read_dir(root.join(&dir)).unwrap() {
                let path = dir.join(entry.unwrap().file_name());
                assert!(
                    generated.contains(&path),
                    "{} is no declared function's main",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn the_template_declares_every_function_once() {
    let root = xtask::workspace_root();
    for system in systems::all() {
        let template =
            std::fs::read_to_string(root.join(format!("infra/{}.yaml", system.name))).unwrap();
        for (_, f) in system.functions() {
            let binary = format!("Binary: {}\n", f.name);
            assert_eq!(
                template.matches(&binary).count(),
                1,
                "{} in infra/{}.yaml",
                f.name,
                system.name
            );
        }
    }
}
