//! Every system the product serves. Adding a system: its crates under `functions/<system>/`, one
//! line here and one in this crate's `Cargo.toml` (README, "Adding a system").

use kernel::System;

pub fn all() -> Vec<System> {
    vec![
        museum_system::system(),
        family_system::system(),
        moving_system::system(),
        packing_system::system(),
        petmily_system::system(),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_declaration_follows_the_platform_rules() {
        let mut problems = Vec::new();
        for system in super::all() {
            if let Err(p) = system.check() {
                problems.extend(p);
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn system_and_function_names_are_unique_across_systems() {
        let systems = super::all();
        let mut names = std::collections::BTreeSet::new();
        for s in &systems {
            for (_, f) in s.functions() {
                assert!(names.insert(f.name), "{} is declared twice", f.name);
            }
        }
        let mut prefixes: Vec<_> = systems.iter().map(|s| s.name).collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        assert_eq!(prefixes.len(), systems.len(), "two systems share a prefix");
    }
}
