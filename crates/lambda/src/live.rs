//! Live streams on AWS (`kernel::LiveStream`): what the local gateway serves as Server-Sent
//! Events, an API Gateway WebSocket API serves here, one per stream.
//!
//! A page connects to `wss://{apiId}.execute-api.{region}.amazonaws.com/live?<recipient>=<id>`.
//! The `$connect` Lambda records the connection under its recipient in the stream's connections
//! table (with a TTL: API Gateway closes a connection after two hours at most) and refuses a
//! connection without a valid recipient; `$disconnect` deletes the row. The context that sends
//! the stream's notifications (`BoundedContext::NOTIFIES`) still publishes each to the system's
//! notification topic, and also posts it to every connection of its recipient through the API
//! Gateway Management API (`PostToConnection`); a connection that is gone (410 `GoneException`)
//! is deleted.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_lambda_events::{
    encodings::Body,
    event::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest},
};
use aws_sdk_dynamodb::{error::DisplayErrorContext, types::AttributeValue};
use kernel::{
    AppError, LiveStream,
    platform::{Notification, Notifier},
    telemetry::{self, LogFormat},
    validate::Id,
};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::platform::Settings;

/// The streams a notifying context posts to: JSON, a list of `LiveEndpoint`.
pub const LIVE_STREAMS: &str = "LIVE_STREAMS";
/// The connections table of a stream's `$connect` and `$disconnect` functions.
pub const CONNECTIONS_TABLE: &str = "CONNECTIONS_TABLE";
/// The WebSocket API's stage.
pub const STAGE: &str = "live";
/// How long a connection row lives (API Gateway's longest connection).
pub const CONNECTION_TTL: Duration = Duration::from_secs(2 * 3600);

/// The connections table's attributes: key (`recipient`, `connectionId`), TTL `expiresAt`
/// (epoch seconds), and the index that finds a connection by its id alone (`$disconnect`).
pub const RECIPIENT: &str = "recipient";
pub const CONNECTION_ID: &str = "connectionId";
pub const EXPIRES_AT: &str = "expiresAt";
pub const BY_CONNECTION: &str = "byConnection";

/// The function name of a stream's `$connect` Lambda: `family-alarm-ws-connect`.
pub fn connect_name(system: &str, stream: &LiveStream) -> String {
    format!("{system}-{}-ws-connect", stream.channel)
}

/// The function name of a stream's `$disconnect` Lambda.
pub fn disconnect_name(system: &str, stream: &LiveStream) -> String {
    format!("{system}-{}-ws-disconnect", stream.channel)
}

/// Where the notifications of one channel are posted: the Management API's endpoint
/// (`https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`) and the connections table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEndpoint {
    pub channel: String,
    pub endpoint: String,
    pub table: String,
}

/// `LIVE_STREAMS` as the template writes it.
pub fn parse(text: &str) -> anyhow::Result<Vec<LiveEndpoint>> {
    serde_json::from_str(text).map_err(|e| anyhow::anyhow!("{LIVE_STREAMS}: {e}"))
}

/// A stream's open connections, by recipient.
#[derive(Clone, Debug)]
pub struct Connections {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn text_of(item: &std::collections::HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(ToOwned::to_owned)
}

impl Connections {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Records `connection_id` as `recipient`'s, until `now` + `CONNECTION_TTL`.
    pub async fn open(
        &self,
        recipient: &str,
        connection_id: &str,
        now: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let expires = now.unix_timestamp() + CONNECTION_TTL.as_secs() as i64;
        self.client
            .put_item()
            .table_name(&self.table)
            .item(RECIPIENT, s(recipient))
            .item(CONNECTION_ID, s(connection_id))
            .item(EXPIRES_AT, AttributeValue::N(expires.to_string()))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{}", DisplayErrorContext(e)))?;
        Ok(())
    }

    /// `recipient`'s connections that have not expired (DynamoDB deletes expired rows late).
    pub async fn of(&self, recipient: &str, now: OffsetDateTime) -> anyhow::Result<Vec<String>> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#r = :r")
                .expression_attribute_names("#r", RECIPIENT)
                .expression_attribute_values(":r", s(recipient))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| anyhow::anyhow!("{}", DisplayErrorContext(e)))?;
            for item in page.items() {
                let expires = item
                    .get(EXPIRES_AT)
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse::<i64>().ok());
                if expires.is_some_and(|e| e <= now.unix_timestamp()) {
                    continue;
                }
                if let Some(id) = text_of(item, CONNECTION_ID) {
                    out.push(id);
                }
            }
            start = page.last_evaluated_key().cloned();
            if start.is_none() {
                return Ok(out);
            }
        }
    }

    /// Deletes one connection of `recipient`.
    pub async fn close(&self, recipient: &str, connection_id: &str) -> anyhow::Result<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(RECIPIENT, s(recipient))
            .key(CONNECTION_ID, s(connection_id))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{}", DisplayErrorContext(e)))?;
        Ok(())
    }

    /// Deletes the connection `connection_id` whoever it belongs to (`$disconnect` knows only
    /// the id); how many rows were deleted.
    pub async fn close_by_id(&self, connection_id: &str) -> anyhow::Result<usize> {
        let found = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_CONNECTION)
            .key_condition_expression("#c = :c")
            .expression_attribute_names("#c", CONNECTION_ID)
            .expression_attribute_values(":c", s(connection_id))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{}", DisplayErrorContext(e)))?;
        let mut closed = 0;
        for item in found.items() {
            if let Some(recipient) = text_of(item, RECIPIENT) {
                self.close(&recipient, connection_id).await?;
                closed += 1;
            }
        }
        Ok(closed)
    }
}

/// What posting one message to a recipient's connections did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Posted {
    pub delivered: usize,
    /// Connections that were gone (410), now deleted.
    pub gone: usize,
    /// Connections the Management API did not take the message for (throttled, 5xx, network).
    pub failed: usize,
}

/// Posts to a stream's connections through the API Gateway Management API.
#[derive(Clone, Debug)]
pub struct Poster {
    client: aws_sdk_apigatewaymanagement::Client,
    connections: Connections,
}

impl Poster {
    /// Posting to the API at `endpoint` (`https://{apiId}.execute-api.{region}.amazonaws.com/live`).
    pub fn new(config: &SdkConfig, endpoint: &str, connections: Connections) -> Self {
        let config = aws_sdk_apigatewaymanagement::config::Builder::from(config)
            .endpoint_url(endpoint)
            .build();
        Self {
            client: aws_sdk_apigatewaymanagement::Client::from_conf(config),
            connections,
        }
    }

    pub fn connections(&self) -> &Connections {
        &self.connections
    }

    /// `message` to every connection of `recipient`; a gone one is deleted. An error only if the
    /// connections could not be read.
    pub async fn post(
        &self,
        recipient: &str,
        message: &[u8],
        now: OffsetDateTime,
    ) -> anyhow::Result<Posted> {
        let mut posted = Posted::default();
        for connection in self.connections.of(recipient, now).await? {
            let sent = self
                .client
                .post_to_connection()
                .connection_id(&connection)
                .data(aws_sdk_apigatewaymanagement::primitives::Blob::new(message))
                .send()
                .await;
            let Err(e) = sent else {
                posted.delivered += 1;
                continue;
            };
            let gone = e.as_service_error().is_some_and(|e| e.is_gone_exception())
                || e.raw_response().is_some_and(|r| r.status().as_u16() == 410);
            if gone {
                posted.gone += 1;
                if let Err(e) = self.connections.close(recipient, &connection).await {
                    tracing::warn!(connection, error = %e, "a gone connection was not deleted");
                }
            } else {
                posted.failed += 1;
                tracing::warn!(connection, error = %DisplayErrorContext(&e), "not posted to the connection");
            }
        }
        Ok(posted)
    }
}

/// What a WebSocket page receives for each notification: the channel (SSE's event name) and
/// the notification's data (SSE's data).
pub fn message(notification: &Notification) -> Vec<u8> {
    serde_json::json!({ "channel": notification.channel, "data": notification.data })
        .to_string()
        .into_bytes()
}

/// The notifier of a context with live streams: the system's topic as before, and each
/// notification of a stream's channel posted to its recipient's connections. Either failing is
/// an error, after both were tried.
pub struct LiveNotifier {
    topic: Arc<dyn Notifier>,
    streams: Vec<(String, Poster)>,
}

impl LiveNotifier {
    pub fn new(topic: Arc<dyn Notifier>, streams: Vec<(String, Poster)>) -> Self {
        Self { topic, streams }
    }
}

#[async_trait]
impl Notifier for LiveNotifier {
    async fn notify(&self, notification: Notification) -> Result<(), AppError> {
        let published = self.topic.notify(notification.clone()).await;
        let mut pushed = Ok(());
        for (channel, poster) in &self.streams {
            if *channel != notification.channel {
                continue;
            }
            let now = OffsetDateTime::now_utc();
            match poster
                .post(&notification.recipient, &message(&notification), now)
                .await
            {
                Ok(p) if p.failed == 0 => {}
                Ok(p) => {
                    tracing::warn!(
                        channel,
                        failed = p.failed,
                        "notification not posted to every connection"
                    );
                    pushed = Err(AppError::unavailable("live stream connections", 1));
                }
                Err(e) => {
                    tracing::warn!(channel, error = %e, "connections not read");
                    pushed = Err(AppError::unavailable("live stream connections", 1));
                }
            }
        }
        published.and(pushed)
    }
}

fn response(status: u16, body: &str) -> ApiGatewayProxyResponse {
    let mut r = ApiGatewayProxyResponse::default();
    r.status_code = i64::from(status);
    r.body = Some(Body::Text(body.to_owned()));
    r
}

/// The recipient a `$connect` names in its query string, as the SSE stream takes it: the one
/// parameter `stream.recipient`, a valid id.
pub fn recipient_of(
    stream: &LiveStream,
    request: &ApiGatewayWebsocketProxyRequest,
) -> Result<String, AppError> {
    let params = &request.query_string_parameters;
    if let Some((unknown, _)) = params.iter().find(|(k, _)| *k != stream.recipient) {
        return Err(AppError::invalid(format!(
            "unknown query parameter `{unknown}`; this stream takes `{}`",
            stream.recipient
        )));
    }
    let value = params
        .first(stream.recipient)
        .ok_or_else(|| AppError::invalid(format!("`{}` is required", stream.recipient)))?;
    Ok(Id::parse(stream.recipient, value)?.into_string())
}

/// `$connect`: 200 records the connection; 400 refuses one without a valid recipient; 500 if
/// it could not be recorded (the page connects again).
pub async fn connect(
    connections: &Connections,
    stream: &LiveStream,
    request: &ApiGatewayWebsocketProxyRequest,
    now: OffsetDateTime,
) -> ApiGatewayProxyResponse {
    let Some(connection_id) = request.request_context.connection_id.as_deref() else {
        return response(400, "no connection id");
    };
    let recipient = match recipient_of(stream, request) {
        Ok(r) => r,
        Err(e) => return response(400, &e.to_string()),
    };
    match connections.open(&recipient, connection_id, now).await {
        Ok(()) => response(200, "connected"),
        Err(e) => {
            tracing::error!(connection_id, error = %e, "connection not recorded");
            response(500, "the connection could not be recorded")
        }
    }
}

/// `$disconnect`: the connection's row deleted (500 if that failed: its TTL removes it later).
pub async fn disconnect(
    connections: &Connections,
    request: &ApiGatewayWebsocketProxyRequest,
) -> ApiGatewayProxyResponse {
    let Some(connection_id) = request.request_context.connection_id.as_deref() else {
        return response(400, "no connection id");
    };
    match connections.close_by_id(connection_id).await {
        Ok(_) => response(200, "disconnected"),
        Err(e) => {
            tracing::error!(connection_id, error = %e, "connection not deleted");
            response(500, "the connection could not be deleted")
        }
    }
}

async fn connections_from_env() -> Result<Connections, Error> {
    let config = crate::AwsPlatform::config_from_env().await;
    let settings = Settings::from_env();
    let table = settings.require(CONNECTIONS_TABLE)?;
    Ok(Connections::new(
        aws_sdk_dynamodb::Client::new(&config),
        table,
    ))
}

/// The `main` of a stream's `$connect` Lambda.
pub async fn run_connect(stream: LiveStream) -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    let connections = connections_from_env().await?;
    let serve = |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| {
        let connections = &connections;
        async move {
            Ok::<_, Error>(
                connect(
                    connections,
                    &stream,
                    &event.payload,
                    OffsetDateTime::now_utc(),
                )
                .await,
            )
        }
    };
    lambda_runtime::run(service_fn(serve)).await
}

/// The `main` of a stream's `$disconnect` Lambda.
pub async fn run_disconnect() -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    let connections = connections_from_env().await?;
    let serve = |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| {
        let connections = &connections;
        async move { Ok::<_, Error>(disconnect(connections, &event.payload).await) }
    };
    lambda_runtime::run(service_fn(serve)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: LiveStream = LiveStream {
        path: "/alarms/stream",
        channel: "alarm",
        recipient: "customerId",
    };

    fn request(query: serde_json::Value) -> ApiGatewayWebsocketProxyRequest {
        serde_json::from_value(serde_json::json!({
            "queryStringParameters": query,
            "requestContext": { "connectionId": "abc=", "routeKey": "$connect", "eventType": "CONNECT", "connectedAt": 0, "requestTimeEpoch": 0 },
            "isBase64Encoded": false,
        }))
        .unwrap()
    }

    #[test]
    fn a_connect_needs_exactly_one_valid_recipient() {
        assert_eq!(
            recipient_of(
                &STREAM,
                &request(serde_json::json!({ "customerId": "son" }))
            )
            .unwrap(),
            "son"
        );
        for bad in [
            serde_json::json!({}),
            serde_json::json!({ "customerId": "a b" }),
            serde_json::json!({ "customerId": "son", "x": "1" }),
        ] {
            assert!(
                recipient_of(&STREAM, &request(bad.clone())).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn names_and_the_variable_round_trip() {
        assert_eq!(connect_name("family", &STREAM), "family-alarm-ws-connect");
        assert_eq!(
            disconnect_name("family", &STREAM),
            "family-alarm-ws-disconnect"
        );
        let streams = parse(
            r#"[{"channel":"alarm","endpoint":"https://a1.execute-api.us-east-1.amazonaws.com/live","table":"t"}]"#,
        )
        .unwrap();
        assert_eq!(streams[0].channel, "alarm");
        assert!(
            parse("nope")
                .unwrap_err()
                .to_string()
                .contains(LIVE_STREAMS)
        );
    }

    #[test]
    fn a_page_receives_the_channel_and_the_data() {
        let n = Notification {
            channel: "alarm".into(),
            recipient: "son".into(),
            text: "hi".into(),
            data: serde_json::json!({ "type": "MOVE_STARTED" }),
        };
        let m: serde_json::Value = serde_json::from_slice(&message(&n)).unwrap();
        assert_eq!(
            m,
            serde_json::json!({ "channel": "alarm", "data": { "type": "MOVE_STARTED" } })
        );
    }
}
