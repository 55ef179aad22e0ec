//! The machine a measurement ran on, as BENCHMARKS.md states it.

use std::{fs, process::Command};

#[derive(Clone, Debug)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub os: String,
    pub kernel: String,
    pub rustc: String,
}

impl Machine {
    /// Reads what Linux and the toolchain say; what cannot be read is "unknown".
    pub fn detect() -> Self {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let os_release = fs::read_to_string("/etc/os-release").unwrap_or_default();
        Self {
            cpu: field(&cpuinfo, "model name", ':').unwrap_or_else(unknown),
            cores: std::thread::available_parallelism().map_or(0, usize::from),
            memory_gib: field(&meminfo, "MemTotal", ':')
                .and_then(|v| v.trim_end_matches("kB").trim().parse::<f64>().ok())
                .map_or(0.0, |kib| kib / (1024.0 * 1024.0)),
            os: field(&os_release, "PRETTY_NAME", '=')
                .map(|v| v.trim_matches('"').to_owned())
                .unwrap_or_else(unknown),
            kernel: fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_owned())
                .unwrap_or_else(|_| unknown()),
            rustc: Command::new("rustc")
                .arg("--version")
                .output()
                .ok()
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(unknown),
        }
    }

    /// One line: CPU, cores, memory, OS, kernel, compiler.
    pub fn summary(&self) -> String {
        format!(
            "{} × {} cores, {:.0} GiB RAM, {} (Linux {}), {}",
            self.cpu, self.cores, self.memory_gib, self.os, self.kernel, self.rustc
        )
    }
}

fn unknown() -> String {
    "unknown".to_owned()
}

/// The value of the first `key<sep>value` line.
fn field(text: &str, key: &str, sep: char) -> Option<String> {
    text.lines()
        .filter_map(|line| line.split_once(sep))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_key_value_lines() {
        let text = "processor\t: 0\nmodel name\t: Some CPU\nMemTotal:  1024 kB\n";
        assert_eq!(field(text, "model name", ':').as_deref(), Some("Some CPU"));
        assert_eq!(field(text, "MemTotal", ':').as_deref(), Some("1024 kB"));
        assert_eq!(field(text, "flags", ':'), None);
        assert_eq!(
            field("NAME=x\nPRETTY_NAME=\"Debian 13\"", "PRETTY_NAME", '=').as_deref(),
            Some("\"Debian 13\"")
        );
    }
}
