//! Any system deployed on the emulator from its own declaration and nested template: moto holds
//! the template's tables, topics, queues, subscriptions and secrets; every function is bound on
//! the AWS platform with the environment the template gives it; public routes are served by an
//! emulated API Gateway and internal calls by an emulated Invoke API; and `pump` moves events
//! the way Lambda's event source mappings do, wired from each function's event sources in the
//! template (stream → publisher → SNS → SQS → handler).

use std::{collections::BTreeMap, path::Path, sync::Arc};

use anyhow::Context as _;
use aws_config::SdkConfig;
use kernel::{ContextId, Function, System, function::EventInvoke, function::Invoke, store::Store};

use super::{
    Moto, StreamMapping, StreamReader,
    api::{self, ApiGateway},
    deliver,
    invoke::{self, InvokeApi},
    provision,
    template::Stack,
};
use crate::{
    AwsPlatform, Settings,
    entry::events::handle_batch,
    platform::LAMBDA_ENDPOINT,
    publisher::{SnsPublisher, TOPIC_ARN, publish_batch},
};

/// The deployment's `Prefix` (every physical name starts with it).
pub const PREFIX: &str = "emu";

/// A context's publisher and the mapping that feeds it.
pub struct Stream {
    pub context: ContextId,
    pub mapping: StreamMapping,
    pub publisher: SnsPublisher,
    /// Where records that could not be published are described (the on-failure queue).
    pub failed_records: String,
}

/// An event handler and its queue.
pub struct Queue {
    pub name: &'static str,
    pub url: String,
    pub dead_letters: String,
    pub invoke: EventInvoke,
}

/// What pumping the event flow did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Pumped {
    pub publisher_invocations: u64,
    pub handler_invocations: u64,
    pub failures: u64,
}

pub struct Deployment {
    pub system: System,
    pub stack: Stack,
    pub api: ApiGateway,
    pub invoke: InvokeApi,
    pub streams: Vec<Stream>,
    pub queues: Vec<Queue>,
    pub sqs: aws_sdk_sqs::Client,
    /// Every function, bound on its context's AWS platform.
    pub functions: Vec<Function>,
    /// Each context's store (its DynamoDB table), by context name.
    pub stores: BTreeMap<&'static str, Arc<dyn Store>>,
}

/// Wraps each event handler (to inject faults); the identity leaves them as they are.
pub type Wrap = dyn Fn(&'static str, EventInvoke) -> EventInvoke;

impl Deployment {
    /// Provisions `template` (the system's nested stack) in the emulator behind `config` and
    /// binds every function with its template environment, plus `overrides`.
    pub async fn start(
        system: System,
        template: &Path,
        config: &SdkConfig,
        overrides: &[(&str, &str)],
        wrap: &Wrap,
    ) -> anyhow::Result<Self> {
        let parameters = [
            ("Prefix", PREFIX),
            ("ApiId", "emulated"),
            ("AlarmTopicArn", "arn:aws:sns:us-east-1:123456789012:alarms"),
            ("Api5xxAlarm", "emulated-api-5xx"),
        ];
        let stack = provision(
            template,
            &format!("{PREFIX}-{}", system.name),
            &parameters,
            config,
        )
        .await
        .with_context(|| format!("provisioning {}", template.display()))?;
        let (invoke_listener, invoke_url) = api::listen().await?;
        let mut functions = Vec::new();
        let mut stores = BTreeMap::new();
        for context in &system.contexts {
            let Some(first) = context.functions().into_iter().next() else {
                continue;
            };
            let mut settings: Vec<(String, String)> = stack
                .function(first.name)?
                .environment
                .clone()
                .into_iter()
                .collect();
            settings.push((LAMBDA_ENDPOINT.to_owned(), invoke_url.clone()));
            settings.extend(
                overrides
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
            );
            let platform = AwsPlatform::new(config, Settings::from_pairs(settings))?;
            stores.insert(
                context.id.name,
                kernel::Platform::store(&platform, context.id)?,
            );
            functions.extend(context.build(&platform)?);
        }
        let invoke = invoke::serve(invoke_listener, PREFIX, &functions);
        let tokens = match system.auth {
            Some(policy) => Some(authorizer_tokens(&stack, config, &system, policy).await?),
            None => None,
        };
        let (api_listener, _) = api::listen().await?;
        let api = api::serve_with(api_listener, &functions, tokens.map(Arc::new));

        let sqs = aws_sdk_sqs::Client::new(config);
        let mut streams = Vec::new();
        for context in &system.contexts {
            let name = crate::publisher::function_name(context.id);
            let Ok(publisher) = stack.function(&name) else {
                continue;
            };
            let (_, properties) = publisher
                .events
                .values()
                .find(|(kind, _)| kind == "DynamoDB")
                .with_context(|| format!("{name} has no stream event source"))?;
            let arn = properties["Stream"].as_str().context("no stream ARN")?;
            let retries = properties["MaximumRetryAttempts"].as_u64().unwrap_or(0) as u32;
            let destination = properties["DestinationConfig"]["OnFailure"]["Destination"]
                .as_str()
                .context("no on-failure destination")?;
            let failed_records = stack.by_arn(destination)?.reference.clone();
            let reader =
                StreamReader::open(aws_sdk_dynamodbstreams::Client::new(config), arn).await?;
            let topic = publisher
                .environment
                .get(TOPIC_ARN)
                .with_context(|| format!("{name} has no {TOPIC_ARN}"))?;
            streams.push(Stream {
                context: context.id,
                mapping: StreamMapping::new(reader, retries)
                    .on_failure(sqs.clone(), failed_records.clone()),
                publisher: SnsPublisher::new(aws_sdk_sns::Client::new(config), topic),
                failed_records,
            });
        }
        let mut queues = Vec::new();
        for f in &functions {
            let Invoke::Event(inner) = &f.invoke else {
                continue;
            };
            let definition = stack.function(f.info.name)?;
            let (_, properties) = definition
                .events
                .values()
                .find(|(kind, _)| kind == "SQS")
                .with_context(|| format!("{} has no queue", f.info.name))?;
            let queue = stack.by_arn(properties["Queue"].as_str().context("no queue ARN")?)?;
            let attributes = sqs
                .get_queue_attributes()
                .queue_url(&queue.reference)
                .attribute_names(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy)
                .send()
                .await?;
            let redrive: serde_json::Value = attributes
                .attributes()
                .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy))
                .map(|p| serde_json::from_str(p))
                .transpose()?
                .unwrap_or_default();
            let dead_letters = match redrive["deadLetterTargetArn"].as_str() {
                Some(arn) => stack.by_arn(arn)?.reference.clone(),
                None => String::new(),
            };
            queues.push(Queue {
                name: f.info.name,
                url: queue.reference.clone(),
                dead_letters,
                invoke: wrap(f.info.name, inner.clone()),
            });
        }
        Ok(Self {
            system,
            stack,
            api,
            invoke,
            streams,
            queues,
            sqs,
            functions,
            stores,
        })
    }

    /// Moves events until nothing moves: each table's stream to its publisher (bounded retries,
    /// then the on-failure queue), each queue to its handler (failed messages visible again at
    /// once). Returns an error if the flow does not settle.
    pub async fn pump(&mut self) -> anyhow::Result<Pumped> {
        let mut total = Pumped::default();
        for _round in 0..200 {
            let mut moved = 0;
            for stream in &mut self.streams {
                let publisher = &stream.publisher;
                let polled = stream
                    .mapping
                    .poll(|batch| publish_batch(publisher, batch))
                    .await?;
                if polled.records > 0 {
                    total.publisher_invocations += 1;
                    total.failures += u64::from(polled.failed);
                    moved += polled.records;
                }
            }
            for queue in &self.queues {
                let delivery = deliver(&self.sqs, &queue.url, |event| {
                    handle_batch(queue.name, &queue.invoke, event)
                })
                .await?;
                if delivery.received > 0 {
                    total.handler_invocations += 1;
                    total.failures += delivery.failed as u64;
                    moved += delivery.received;
                }
            }
            if moved == 0 {
                return Ok(total);
            }
        }
        anyhow::bail!("the event flow did not settle in 200 rounds")
    }

    pub fn queue(&self, function: &str) -> Option<&Queue> {
        self.queues.iter().find(|q| q.name == function)
    }

    pub fn stream(&mut self, context: &str) -> Option<&mut Stream> {
        self.streams.iter_mut().find(|s| s.context.name == context)
    }
}

/// The tokens the system's authorizer checks, with the signing key its template's secret holds.
async fn authorizer_tokens(
    stack: &Stack,
    config: &SdkConfig,
    system: &System,
    policy: kernel::auth::TokenPolicy,
) -> anyhow::Result<kernel::auth::Tokens> {
    use kernel::Secrets as _;
    let name = crate::authorizer::function_name(system.name);
    let environment = stack.function(&name)?.environment.clone();
    let secrets =
        crate::secrets::SecretsManager::new(config.clone(), Settings::from_pairs(environment));
    let key = secrets
        .secret(&kernel::SecretSpec::new(
            policy.signing_key,
            "the token signing key",
        ))
        .await?;
    kernel::auth::Tokens::new(policy, &key)
}

/// Leaves every handler as it is.
pub fn unwrapped(_: &'static str, invoke: EventInvoke) -> EventInvoke {
    invoke
}

/// A moto of its own with `system` deployed from `infra/<system>.yaml` under `root`.
pub async fn deploy(root: &Path, system: System) -> anyhow::Result<(Moto, Deployment)> {
    let moto = Moto::start().await?;
    let template = root.join(format!("infra/{}.yaml", system.name));
    let deployment = Deployment::start(system, &template, moto.config(), &[], &unwrapped).await?;
    Ok((moto, deployment))
}
