//! The smallest Rust Lambda: `lambda_runtime` echoing its event. `measure-lambdas` measures it
//! beside the functions, as the floor every function's size and init time are compared with.

use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(
        |event: LambdaEvent<serde_json::Value>| async move { Ok::<_, Error>(event.payload) },
    ))
    .await
}
