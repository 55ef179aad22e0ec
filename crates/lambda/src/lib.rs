//! The AWS side of the platform: the adapters behind the kernel's ports (a DynamoDB table per
//! bounded context, SNS, `lambda:Invoke` to internal functions) and the Lambda entry points every function's `main`
//! calls. Handlers never see any of it.
//!
//! ```no_run
//! # struct Book;
//! # impl kernel::BoundedContext for Book {
//! #     const ID: kernel::ContextId = kernel::ContextId::new("museum", "book");
//! #     type Deps = ();
//! #     fn deps(_: &dyn kernel::Platform) -> anyhow::Result<()> { Ok(()) }
//! #     fn functions() -> Vec<kernel::FnSpec<()>> { Vec::new() }
//! # }
//! #[tokio::main]
//! async fn main() -> Result<(), lambda::Error> {
//!     lambda::run::<Book>("museum-book-create").await
//! }
//! ```

pub mod authorizer;
pub mod breaker;
pub mod dynamo;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod entry;
pub mod invoke;
pub mod live;
pub mod metrics;
pub mod notify;
pub mod platform;
pub mod publisher;
pub mod replay;
pub mod secrets;

pub use entry::run;
/// What a Lambda's `main` returns.
pub use lambda_runtime::Error;
pub use platform::{AwsPlatform, Settings};
pub use publisher::run_publisher;
