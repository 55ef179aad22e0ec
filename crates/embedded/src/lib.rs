//! The embedded default: everything a context needs to run on one machine with no cloud account
//! and no Docker — SQLite stores, the outbox tailer and the in-process event bus.

pub mod bus;
pub mod host;
pub mod platform;
pub mod prune;
pub mod secrets;
pub mod sqlite;
pub mod store;
pub mod switches;

pub use bus::{Bus, BusConfig};
pub use host::Host;
pub use platform::{Dispatch, EmbeddedConfig, EmbeddedPlatform};
pub use prune::{Pruner, Retention};
pub use sqlite::Durability;
