//! The checklist of "Adding a system" (README), enforced: every system under `functions/` is in
//! the list, keeps its contexts free of AWS, and ships what SYSTEM-DONE.md asks of it — flow tests
//! numbered by requirement, failure tests, a UI page with its browser test.
#![allow(clippy::unwrap_used)]

use std::{collections::BTreeSet, fs, path::PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every system folder under `functions/` (one with a `system` crate).
fn system_folders() -> BTreeSet<String> {
    fs::read_dir(root().join("functions"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("system/Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_system_folder_is_in_the_list_and_every_listed_system_has_one() {
    let listed: BTreeSet<String> = systems::all().iter().map(|s| s.name.to_owned()).collect();
    assert_eq!(
        listed,
        system_folders(),
        "crates/systems/src/lib.rs and functions/ disagree"
    );
}

#[test]
fn a_context_crate_depends_on_the_kernel_and_knows_no_aws() {
    let forbidden = ["lambda", "lambda_http", "lambda_runtime", "aws-", "aws_"];
    for system in system_folders() {
        for entry in fs::read_dir(root().join("functions").join(&system)).unwrap() {
            let manifest = entry.unwrap().path().join("Cargo.toml");
            let Ok(text) = fs::read_to_string(&manifest) else {
                continue;
            };
            if text.contains("name = \"") && text.contains("-lambdas\"") {
                continue; // the generated crate of Lambda mains is where AWS belongs
            }
            let dependencies = text
                .split("[dependencies]")
                .nth(1)
                .map(|d| d.split("\n[").next().unwrap_or(""))
                .unwrap_or("");
            for line in dependencies.lines() {
                let name = line.split(['=', '.']).next().unwrap_or("").trim();
                assert!(
                    !forbidden
                        .iter()
                        .any(|f| name == *f || name.starts_with(f) && f.ends_with(['-', '_'])),
                    "{} depends on {name}: a context crate knows no AWS (the mains live in functions/{system}/lambdas)",
                    manifest.display()
                );
            }
            assert!(
                dependencies.contains("kernel"),
                "{} does not depend on the kernel",
                manifest.display()
            );
        }
    }
}

#[test]
fn every_system_ships_its_tests_and_its_page() {
    for system in systems::all() {
        let dir = root().join("functions").join(system.name).join("system");
        for file in [
            format!("tests/{}_requirements.rs", system.name),
            format!("tests/{}_failures.rs", system.name),
        ] {
            assert!(dir.join(&file).is_file(), "{} has no {file}", system.name);
        }
        assert!(
            system.ui.is_some(),
            "{} has no page in the web UI",
            system.name
        );
        let browser_tests = fs::read_dir(dir.join("ui"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .any(|e| e.file_name().to_string_lossy().starts_with("test_"))
            })
            .unwrap_or(false);
        assert!(
            browser_tests,
            "{} has no browser test in system/ui/test_*.py",
            system.name
        );
    }
}
