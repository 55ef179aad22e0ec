//! Identifiers: ULIDs, so that ids sort by creation time and lists page in that order. Handlers
//! take them from the `Call`'s `Ids`, so a test can make them predictable.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicU64, Ordering},
};

pub trait Ids: Send + Sync {
    fn next(&self) -> String;
}

static GENERATOR: Mutex<ulid::Generator> = Mutex::new(ulid::Generator::new());

/// A new ULID as its 26-character string; within a process, each is greater than the last.
pub fn new_id() -> String {
    let monotonic = GENERATOR.lock().ok().and_then(|mut g| g.generate().ok());
    monotonic.unwrap_or_else(ulid::Ulid::generate).to_string()
}

/// ULIDs from the process's monotonic generator.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ulids;

impl Ids for Ulids {
    fn next(&self) -> String {
        new_id()
    }
}

pub fn ulids() -> Arc<dyn Ids> {
    Arc::new(Ulids)
}

/// `<prefix>1`, `<prefix>2`, ...: ids a test can name in advance. Zero-padded so that they sort
/// in the order they were made, as ULIDs do.
#[derive(Debug)]
pub struct Sequence {
    prefix: &'static str,
    next: AtomicU64,
}

impl Sequence {
    pub fn new(prefix: &'static str) -> Arc<Self> {
        Arc::new(Self {
            prefix,
            next: AtomicU64::new(1),
        })
    }
}

impl Ids for Sequence {
    fn next(&self) -> String {
        format!(
            "{}{:06}",
            self.prefix,
            self.next.fetch_add(1, Ordering::Relaxed)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase() {
        let ids: Vec<String> = (0..1000).map(|_| new_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_sequence_is_predictable_and_sorted() {
        let s = Sequence::new("b");
        assert_eq!(
            [s.next(), s.next()],
            ["b000001".to_owned(), "b000002".to_owned()]
        );
    }
}
