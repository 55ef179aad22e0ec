//! Identifiers: ULIDs, so that ids sort by creation time and lists page in that order.

use std::sync::Mutex;

static GENERATOR: Mutex<ulid::Generator> = Mutex::new(ulid::Generator::new());

/// A new ULID as its 26-character string; within a process, each is greater than the last.
pub fn new_id() -> String {
    let monotonic = GENERATOR.lock().ok().and_then(|mut g| g.generate().ok());
    monotonic.unwrap_or_else(ulid::Ulid::generate).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_increase() {
        let ids: Vec<String> = (0..1000).map(|_| super::new_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
