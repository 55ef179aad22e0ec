//! The platform kernel: what every bounded context of every system is built on. It knows no
//! storage engine and no AWS type; adapters implement its ports.

pub mod aggregate;
pub mod api_doc;
pub mod auth;
pub mod breaker;
pub mod call;
pub mod clock;
pub mod envelope;
pub mod error;
pub mod function;
pub mod http;
pub mod ids;
pub mod input;
pub mod openapi;
pub mod output;
pub mod platform;
pub mod repo;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod validate;

pub use aggregate::{Aggregate, Committed, Decide, Outcome};
pub use call::{Call, Principal};
pub use envelope::{Envelope, Event};
pub use error::{AppError, AppResult};
pub use function::{
    Access, BoundedContext, Context, FnSpec, Function, LiveStream, System, Trigger,
};
pub use http::{HttpRequest, HttpResponse, RequestExt, reply};
pub use openapi::ApiDoc;
pub use platform::{ContextId, Platform, Secret, SecretSpec, Secrets, Setting};
pub use repo::{Document, PageRequest, Repo, Tx, Versioned};
pub use store::{Keys, Lookup, Marker, Order, Page, Slot};
