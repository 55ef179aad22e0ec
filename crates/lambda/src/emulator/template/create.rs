//! The emulator's resources from resolved properties: a table with its indexes, stream and TTL,
//! topics and queues with their attributes, subscriptions with their filter policies.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context as _;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use serde::Deserialize;
use serde_json::Value as Json;

use super::{
    QUEUE, Resource, SECRET, SUBSCRIPTION, TABLE, TOPIC, WEBSOCKET_API,
    resolve::{is_true, text},
};

pub(super) struct Clients {
    dynamodb: aws_sdk_dynamodb::Client,
    sns: aws_sdk_sns::Client,
    sqs: aws_sdk_sqs::Client,
    secrets: aws_sdk_secretsmanager::Client,
}

impl Clients {
    pub(super) fn new(config: &SdkConfig) -> Self {
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            sns: aws_sdk_sns::Client::new(config),
            sqs: aws_sdk_sqs::Client::new(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
        }
    }

    pub(super) async fn create(
        &self,
        stack: &str,
        logical: &str,
        kind: &str,
        properties: Json,
    ) -> anyhow::Result<Resource> {
        let properties = match properties {
            Json::Object(map) => map,
            Json::Null => serde_json::Map::new(),
            _ => anyhow::bail!("Properties is not a mapping"),
        };
        let (reference, attributes) = match kind {
            TABLE => self.table(stack, logical, properties).await?,
            TOPIC => self.topic(stack, logical, &properties).await?,
            QUEUE => self.queue(stack, logical, &properties).await?,
            SUBSCRIPTION => self.subscription(&properties).await?,
            SECRET => self.secret(stack, logical, &properties).await?,
            WEBSOCKET_API => websocket_api(stack, logical),
            other => anyhow::bail!("the emulator does not create {other}"),
        };
        Ok(Resource {
            kind: kind.to_owned(),
            reference,
            attributes,
        })
    }

    async fn table(
        &self,
        stack: &str,
        logical: &str,
        properties: serde_json::Map<String, Json>,
    ) -> anyhow::Result<(String, BTreeMap<String, String>)> {
        let p: TableProperties = serde_json::from_value(Json::Object(properties))?;
        let name = p.table_name.unwrap_or_else(|| format!("{stack}-{logical}"));
        let mut create = self
            .dynamodb
            .create_table()
            .table_name(&name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_key_schema(Some(key_schema(&p.key_schema)?));
        for a in &p.attribute_definitions {
            create = create.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(&a.attribute_name)
                    .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                    .build()?,
            );
        }
        for index in &p.global_secondary_indexes {
            let projection = Projection::builder()
                .set_projection_type(
                    index
                        .projection
                        .projection_type
                        .as_deref()
                        .map(ProjectionType::from),
                )
                .set_non_key_attributes(
                    Some(index.projection.non_key_attributes.clone()).filter(|a| !a.is_empty()),
                )
                .build();
            create = create.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(&index.index_name)
                    .set_key_schema(Some(key_schema(&index.key_schema)?))
                    .projection(projection)
                    .build()?,
            );
        }
        if let Some(stream) = &p.stream_specification {
            create = create.stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::from(stream.stream_view_type.as_str()))
                    .build()?,
            );
        }
        let description = create
            .send()
            .await?
            .table_description
            .context("CreateTable described no table")?;
        if let Some(ttl) = p.time_to_live_specification {
            let spec = TimeToLiveSpecification::builder()
                .attribute_name(ttl.attribute_name)
                .enabled(ttl.enabled)
                .build()?;
            self.dynamodb
                .update_time_to_live()
                .table_name(&name)
                .time_to_live_specification(spec)
                .send()
                .await?;
        }
        let mut attributes = BTreeMap::new();
        if let Some(arn) = description.table_arn() {
            attributes.insert("Arn".to_owned(), arn.to_owned());
        }
        if let Some(stream) = description.latest_stream_arn() {
            attributes.insert("StreamArn".to_owned(), stream.to_owned());
        }
        Ok((name, attributes))
    }

    async fn topic(
        &self,
        stack: &str,
        logical: &str,
        properties: &serde_json::Map<String, Json>,
    ) -> anyhow::Result<(String, BTreeMap<String, String>)> {
        let fifo = is_true(properties.get("FifoTopic"));
        let name = fifo_name(properties.get("TopicName"), stack, logical, fifo);
        let attributes = attributes_of(
            properties,
            &["FifoTopic", "ContentBasedDeduplication", "DisplayName"],
        );
        let arn = self
            .sns
            .create_topic()
            .name(&name)
            .set_attributes(Some(attributes))
            .send()
            .await?
            .topic_arn
            .context("CreateTopic returned no ARN")?;
        let attributes = BTreeMap::from([
            ("TopicArn".to_owned(), arn.clone()),
            ("TopicName".to_owned(), name),
        ]);
        Ok((arn, attributes))
    }

    async fn queue(
        &self,
        stack: &str,
        logical: &str,
        properties: &serde_json::Map<String, Json>,
    ) -> anyhow::Result<(String, BTreeMap<String, String>)> {
        use aws_sdk_sqs::types::QueueAttributeName;
        let fifo = is_true(properties.get("FifoQueue"));
        let name = fifo_name(properties.get("QueueName"), stack, logical, fifo);
        let names = [
            "FifoQueue",
            "ContentBasedDeduplication",
            "DeduplicationScope",
            "FifoThroughputLimit",
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "MaximumMessageSize",
            "ReceiveMessageWaitTimeSeconds",
            "RedrivePolicy",
            "RedriveAllowPolicy",
        ];
        let attributes = attributes_of(properties, &names)
            .into_iter()
            .map(|(k, v)| (QueueAttributeName::from(k.as_str()), v))
            .collect();
        let url = self
            .sqs
            .create_queue()
            .queue_name(&name)
            .set_attributes(Some(attributes))
            .send()
            .await?
            .queue_url
            .context("CreateQueue returned no URL")?;
        let described = self
            .sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await?;
        let arn = described
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .context("GetQueueAttributes returned no ARN")?;
        let attributes = BTreeMap::from([
            ("Arn".to_owned(), arn),
            ("QueueName".to_owned(), name),
            ("QueueUrl".to_owned(), url.clone()),
        ]);
        Ok((url, attributes))
    }

    async fn subscription(
        &self,
        properties: &serde_json::Map<String, Json>,
    ) -> anyhow::Result<(String, BTreeMap<String, String>)> {
        let required = |name: &str| {
            properties
                .get(name)
                .map(text)
                .with_context(|| format!("a subscription needs {name}"))
        };
        let attributes = attributes_of(
            properties,
            &[
                "RawMessageDelivery",
                "FilterPolicy",
                "FilterPolicyScope",
                "RedrivePolicy",
            ],
        );
        let arn = self
            .sns
            .subscribe()
            .topic_arn(required("TopicArn")?)
            .protocol(required("Protocol")?)
            .endpoint(required("Endpoint")?)
            .set_attributes(Some(attributes))
            .return_subscription_arn(true)
            .send()
            .await?
            .subscription_arn
            .context("Subscribe returned no ARN")?;
        Ok((arn, BTreeMap::new()))
    }
}

impl Clients {
    /// A secret with the template's name and a value generated here, as `GenerateSecretString`
    /// would at deploy time (letters and digits, `PasswordLength` of them).
    async fn secret(
        &self,
        stack: &str,
        logical: &str,
        properties: &serde_json::Map<String, Json>,
    ) -> anyhow::Result<(String, BTreeMap<String, String>)> {
        let name = properties
            .get("Name")
            .map(text)
            .unwrap_or_else(|| format!("{stack}-{logical}"));
        let length = properties
            .get("GenerateSecretString")
            .and_then(|g| g.get("PasswordLength"))
            .and_then(Json::as_u64)
            .unwrap_or(32) as usize;
        let value = match properties.get("SecretString") {
            Some(given) => text(given),
            None => generated(length),
        };
        let arn = self
            .secrets
            .create_secret()
            .name(&name)
            .secret_string(value)
            .send()
            .await?
            .arn
            .context("CreateSecret returned no ARN")?;
        Ok((arn.clone(), BTreeMap::from([("Id".to_owned(), arn)])))
    }
}

/// Letters and digits, from ULIDs (random enough for a test secret).
/// A WebSocket API is only named: moto's Management API never answers `GoneException` and keeps
/// no record of what was posted (ARCHITECTURE.md), so tests post to a local stub of it instead.
/// Its id, ten lowercase characters as API Gateway's, comes from the stack and the logical id.
fn websocket_api(stack: &str, logical: &str) -> (String, BTreeMap<String, String>) {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (stack, logical).hash(&mut hasher);
    let id = format!("{:016x}", hasher.finish())[..10].to_owned();
    let endpoint = format!(
        "wss://{id}.execute-api.{}.amazonaws.com",
        crate::emulator::REGION
    );
    let attributes = [("ApiId", id.clone()), ("ApiEndpoint", endpoint)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    (id, attributes)
}

fn generated(length: usize) -> String {
    let mut out = String::new();
    while out.len() < length {
        out.push_str(&kernel::ids::new_id());
    }
    out.truncate(length);
    out
}

/// The physical name: the template's, or `{stack}-{logical}`; FIFO names end in `.fifo`.
fn fifo_name(given: Option<&Json>, stack: &str, logical: &str, fifo: bool) -> String {
    let name = given
        .map(text)
        .unwrap_or_else(|| format!("{stack}-{logical}"));
    if fifo && !name.ends_with(".fifo") {
        format!("{name}.fifo")
    } else {
        name
    }
}

/// The properties that are also attributes of the created resource, as their text.
fn attributes_of(
    properties: &serde_json::Map<String, Json>,
    names: &[&str],
) -> HashMap<String, String> {
    names
        .iter()
        .filter_map(|n| properties.get(*n).map(|v| ((*n).to_owned(), text(v))))
        .collect()
}

fn key_schema(elements: &[KeyElement]) -> anyhow::Result<Vec<KeySchemaElement>> {
    elements
        .iter()
        .map(|e| {
            Ok(KeySchemaElement::builder()
                .attribute_name(&e.attribute_name)
                .key_type(KeyType::from(e.key_type.as_str()))
                .build()?)
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TableProperties {
    table_name: Option<String>,
    key_schema: Vec<KeyElement>,
    attribute_definitions: Vec<AttributeProperty>,
    #[serde(default)]
    global_secondary_indexes: Vec<IndexProperties>,
    stream_specification: Option<StreamProperties>,
    time_to_live_specification: Option<TtlProperties>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyElement {
    attribute_name: String,
    key_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttributeProperty {
    attribute_name: String,
    attribute_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IndexProperties {
    index_name: String,
    key_schema: Vec<KeyElement>,
    projection: ProjectionProperties,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProjectionProperties {
    projection_type: Option<String>,
    #[serde(default)]
    non_key_attributes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StreamProperties {
    stream_view_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TtlProperties {
    attribute_name: String,
    enabled: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_names_end_in_fifo() {
        assert_eq!(fifo_name(None, "s", "Events", true), "s-Events.fifo");
        assert_eq!(
            fifo_name(Some(&Json::from("x.fifo")), "s", "Events", true),
            "x.fifo"
        );
        assert_eq!(fifo_name(None, "s", "Mail", false), "s-Mail");
    }
}
