//! Physical names: every resource a limit applies to is named from the deployment's short
//! `Prefix` parameter, so that no generated name passes AWS's limits (a nested stack's own
//! generated names do: `<stack>-<nested>-<logical>-<hash>.fifo` is over SQS's 80).

use kernel::ContextId;

use crate::yaml::{Y, sub};

/// The parameter every name starts with.
pub const PREFIX: &str = "Prefix";
/// Its longest allowed value, and the pattern CloudFormation checks it against.
pub const PREFIX_MAX: usize = 16;
pub const PREFIX_PATTERN: &str = "^[a-z][a-z0-9-]{0,15}$";

/// `${Prefix}-<rest>`, for a `!Sub`.
fn prefixed(rest: &str) -> String {
    format!("${{{PREFIX}}}-{rest}")
}

/// A Lambda function (64), and its role (64): `<prefix>-<function>`.
pub fn function(name: &str) -> Y {
    sub(prefixed(name))
}

pub fn role(name: &str) -> Y {
    function(name)
}

pub fn log_group(name: &str) -> Y {
    sub(format!("/aws/lambda/{}", prefixed(name)))
}

/// A function's FIFO queue (80 with `.fifo`) and its dead-letter queue.
pub fn queue(name: &str) -> Y {
    sub(format!("{}.fifo", prefixed(name)))
}

pub fn dead_letters(name: &str) -> Y {
    sub(format!("{}-dlq.fifo", prefixed(name)))
}

/// Where a publisher's stream records go when they cannot be published.
pub fn failed_records(publisher: &str) -> Y {
    sub(prefixed(&format!("{publisher}-failed")))
}

pub fn topic(context: ContextId) -> Y {
    sub(format!(
        "{}.fifo",
        prefixed(&format!("{}-{}", context.system, context.name))
    ))
}

/// A system's notification topic (a standard topic: messages to people need no order).
pub fn notifications(system: &str) -> Y {
    sub(prefixed(&format!("{system}-notifications")))
}

pub fn table(context: ContextId) -> Y {
    sub(prefixed(&format!("{}-{}", context.system, context.name)))
}

/// An alarm about `subject` (a function or a queue): `<prefix>-<subject>-<what>`.
pub fn alarm(subject: &str, what: &str) -> Y {
    sub(prefixed(&format!("{subject}-{what}")))
}

/// A live stream's WebSocket API (128) and its connections table (255).
pub fn websocket_api(system: &str, channel: &str) -> Y {
    sub(prefixed(&format!("{system}-{channel}-stream")))
}

pub fn connections(system: &str, channel: &str) -> Y {
    sub(prefixed(&format!("{system}-{channel}-connections")))
}

pub fn authorizer(system: &str) -> Y {
    sub(prefixed(&format!("{system}-authorizer")))
}

pub fn secret(system: &str, name: &str) -> Y {
    sub(format!("${{{PREFIX}}}/{system}/{name}"))
}

/// The `live` alias of a function, as `lambda:Invoke` and IAM name it.
pub fn alias_arn(name: &str) -> String {
    format!(
        "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{}:live",
        prefixed(name)
    )
}

/// The `Prefix` parameter's declaration.
pub fn parameter() -> (&'static str, Y) {
    use crate::yaml::{int, map, s};
    (
        PREFIX,
        map([
            ("Type", s("String")),
            (
                "Description",
                s(
                    "Starts every name (functions, roles, queues, topics, tables, alarms, secrets): short, so that no name passes its limit",
                ),
            ),
            ("AllowedPattern", s(PREFIX_PATTERN)),
            ("MaxLength", int(PREFIX_MAX as i64)),
        ]),
    )
}
