//! The Lambda entry points: `run` serves one declared function of a context with the runtime its
//! trigger needs. The handlers below are plain async fns, callable without the runtime.

pub mod events;
pub mod http;
pub mod schedule;

use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use kernel::{
    BoundedContext, Function, Platform,
    function::Invoke,
    telemetry::{self, LogFormat},
};
use lambda_runtime::{Error, LambdaEvent, service_fn};

use crate::platform::AwsPlatform;

/// The `main` of every function's Lambda: builds the platform and the context's dependencies once,
/// then serves `function` (its name as declared in `C::functions()`) until the runtime stops.
pub async fn run<C: BoundedContext>(function: &str) -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    let platform = AwsPlatform::from_env().await?;
    let function = bind::<C>(&platform, function)?;
    tracing::info!(function = function.info.name, context = %function.context, "serving");
    serve(function).await
}

/// The declared function named `name`, with its context's dependencies.
pub fn bind<C: BoundedContext>(platform: &dyn Platform, name: &str) -> anyhow::Result<Function> {
    let spec = C::functions()
        .into_iter()
        .find(|s| s.info().name == name)
        .ok_or_else(|| {
            let declared: Vec<&str> = C::functions().iter().map(|s| s.info().name).collect();
            anyhow::anyhow!(
                "{} declares no function {name:?}; it declares {declared:?}",
                C::ID
            )
        })?;
    let deps = C::deps(platform)?;
    Ok(spec.bind(C::ID, Arc::new(deps)))
}

/// Serves a bound function: API Gateway for routes, SQS for events, EventBridge for timers.
pub async fn serve(function: Function) -> Result<(), Error> {
    let name = function.info.name;
    let access = function.info.access;
    match function.invoke {
        Invoke::Http(handler) => {
            let serve = move |request| {
                let handler = handler.clone();
                async move { Ok::<_, Error>(http::handle(name, access, &handler, request).await) }
            };
            lambda_http::run(service_fn(serve)).await
        }
        Invoke::Event(handler) => {
            let serve = move |event: LambdaEvent<SqsEvent>| {
                let handler = handler.clone();
                async move { Ok::<_, Error>(events::handle_batch(name, &handler, event.payload).await) }
            };
            lambda_runtime::run(service_fn(serve)).await
        }
        Invoke::Tick(handler) => {
            let serve = move |event: LambdaEvent<serde_json::Value>| {
                let handler = handler.clone();
                async move {
                    schedule::handle_tick(name, &handler, &event.payload)
                        .await
                        .map_err(Error::from)
                }
            };
            lambda_runtime::run(service_fn(serve)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use aws_config::{BehaviorVersion, SdkConfig};
    use kernel::{ContextId, FnSpec, input::Json};

    use crate::Settings;

    struct Demo;

    impl BoundedContext for Demo {
        const ID: ContextId = ContextId::new("museum", "demo");
        type Deps = String;

        fn deps(platform: &dyn Platform) -> anyhow::Result<String> {
            platform
                .setting("GREETING")
                .ok_or_else(|| anyhow::anyhow!("GREETING is not set"))
        }

        fn functions() -> Vec<kernel::FnSpec<String>> {
            vec![FnSpec::http(
                "museum-demo-hello",
                ::http::Method::GET,
                "/hello",
                hello,
            )]
        }
    }

    #[allow(clippy::ptr_arg)] // the context's Deps is a String
    async fn hello(greeting: &String, _: (), _: &kernel::Call) -> kernel::AppResult<Json<String>> {
        Ok(Json(greeting.clone()))
    }

    fn platform(settings: &[(&str, &str)]) -> AwsPlatform {
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(crate::platform::https_client())
            .build();
        AwsPlatform::new(&config, Settings::from_pairs(settings.iter().copied())).unwrap()
    }

    #[test]
    fn binds_the_named_function_with_its_context_dependencies() {
        let function = bind::<Demo>(&platform(&[("GREETING", "hi")]), "museum-demo-hello").unwrap();
        assert_eq!(function.context, Demo::ID);
        assert!(matches!(function.invoke, Invoke::Http(_)));
    }

    #[test]
    fn an_unknown_name_or_missing_dependency_is_an_error() {
        let unknown =
            bind::<Demo>(&platform(&[("GREETING", "hi")]), "museum-demo-bye").unwrap_err();
        assert!(
            unknown.to_string().contains("museum-demo-hello"),
            "{unknown}"
        );
        let missing = bind::<Demo>(&platform(&[]), "museum-demo-hello").unwrap_err();
        assert!(missing.to_string().contains("GREETING"), "{missing}");
    }
}
