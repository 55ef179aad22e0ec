//! The store of one bounded context on one DynamoDB table: documents, their events (one outbox
//! item per aggregate, one log item per event) and the markers of applied effects, written
//! together by one `TransactWriteItems`.

mod cursor;
mod error;
pub mod item;

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::{
    Client,
    types::{ConditionCheck, Put, TransactWriteItem, Update},
};
use kernel::{
    Lookup, Marker, Page,
    store::{MAX_TRANSACTION_ITEMS, Query, Record, Store, StoreError, Transaction},
};
use time::OffsetDateTime;

use item::{Item, PK};

const ABSENT: &str = "attribute_not_exists(pk)";
const AT_VERSION: &str = "#version = :expected";

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
    context: String,
}

impl DynamoStore {
    /// The store of `context` (`system/name`, the source of the events it records) on `table`.
    pub fn new(client: Client, table: impl Into<String>, context: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            context: context.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    async fn get_item(
        &self,
        key: Item,
        projection: Option<&str>,
    ) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .set_projection_expression(projection.map(str::to_owned))
            .send()
            .await
            .map_err(error::from_sdk)?;
        Ok(output.item)
    }

    /// The transaction's items, the marker last; and the marker's position.
    fn transact_items(
        &self,
        tx: &Transaction,
    ) -> Result<(Vec<TransactWriteItem>, Option<usize>), StoreError> {
        let now = OffsetDateTime::now_utc();
        let mut items = Vec::with_capacity(transaction_size(tx));
        for put in &tx.puts {
            let document = item::encode_record(&put.record)?;
            let put = if put.expected == 0 {
                self.put(document, ABSENT)
            } else {
                self.put(document, AT_VERSION)
                    .expression_attribute_names("#version", item::VERSION)
                    .expression_attribute_values(":expected", item::n(put.expected))
            };
            items.push(
                TransactWriteItem::builder()
                    .put(built(put.build())?)
                    .build(),
            );
        }
        for (kind, id) in &tx.absent {
            let check = ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(item::doc_key(kind, id)))
                .condition_expression(ABSENT)
                .build();
            items.push(
                TransactWriteItem::builder()
                    .condition_check(built(check)?)
                    .build(),
            );
        }
        // DynamoDB takes one operation per item in a transaction: a check on a counter that the
        // transaction also adjusts becomes part of the adjustment's condition.
        let adjusted =
            |kind: &str, id: &str| tx.adjust.iter().any(|a| a.kind == kind && a.id == id);
        for c in tx.checks.iter().filter(|c| !adjusted(&c.kind, &c.id)) {
            let check = ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(item::doc_key(&c.kind, &c.id)))
                .condition_expression("#body.#field = :equals")
                .expression_attribute_names("#body", item::BODY)
                .expression_attribute_names("#field", &c.field)
                .expression_attribute_values(":equals", item::value(&c.equals)?)
                .build();
            items.push(
                TransactWriteItem::builder()
                    .condition_check(built(check)?)
                    .build(),
            );
        }
        for (i, a) in tx.adjust.iter().enumerate() {
            if tx.adjust[..i]
                .iter()
                .any(|b| b.kind == a.kind && b.id == a.id)
            {
                return Err(StoreError::Invalid(format!(
                    "{} {} is adjusted twice in one transaction",
                    a.kind, a.id
                )));
            }
            // No read: the counter moves in place, conditional on what it becomes.
            let mut condition = "attribute_exists(pk) AND #body.#field >= :need".to_owned();
            let mut update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(item::doc_key(&a.kind, &a.id)))
                .update_expression(
                    "SET #body.#field = #body.#field + :by, #version = #version + :one",
                )
                .expression_attribute_names("#body", item::BODY)
                .expression_attribute_names("#field", &a.field)
                .expression_attribute_names("#version", item::VERSION)
                .expression_attribute_values(":by", item::n(a.by))
                .expression_attribute_values(":one", item::n(1))
                .expression_attribute_values(":need", item::n(a.min - a.by));
            for (j, c) in tx
                .checks
                .iter()
                .filter(|c| c.kind == a.kind && c.id == a.id)
                .enumerate()
            {
                condition.push_str(&format!(" AND #body.#check{j} = :check{j}"));
                update = update
                    .expression_attribute_names(format!("#check{j}"), &c.field)
                    .expression_attribute_values(format!(":check{j}"), item::value(&c.equals)?);
            }
            items.push(
                TransactWriteItem::builder()
                    .update(built(update.condition_expression(condition).build())?)
                    .build(),
            );
        }
        for events in by_aggregate(&tx.events) {
            // Overwritten by every commit: the stream's record of this write carries its events.
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item::encode_outbox(&events, now)?));
            items.push(
                TransactWriteItem::builder()
                    .put(built(put.build())?)
                    .build(),
            );
        }
        for envelope in &tx.events {
            let put = self.put(item::encode_event(envelope, now)?, ABSENT);
            items.push(
                TransactWriteItem::builder()
                    .put(built(put.build())?)
                    .build(),
            );
        }
        let marker_index = match &tx.marker {
            Some(marker) => {
                let put = self.put(item::encode_marker(marker, now), ABSENT);
                items.push(
                    TransactWriteItem::builder()
                        .put(built(put.build())?)
                        .build(),
                );
                Some(items.len() - 1)
            }
            None => None,
        };
        Ok((items, marker_index))
    }

    fn put(&self, item: Item, condition: &str) -> aws_sdk_dynamodb::types::builders::PutBuilder {
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
    }
}

/// An SDK builder refuses only a missing required field: a bug here, not a caller's mistake.
fn built<T>(result: Result<T, aws_sdk_dynamodb::error::BuildError>) -> Result<T, StoreError> {
    result.map_err(|e| StoreError::Unavailable(e.into()))
}

/// A transaction's events grouped by aggregate, each group in commit order, the groups in the
/// order their first event was recorded.
fn by_aggregate(events: &[kernel::Envelope]) -> Vec<Vec<&kernel::Envelope>> {
    let mut groups: Vec<Vec<&kernel::Envelope>> = Vec::new();
    for e in events {
        let same = |g: &&mut Vec<&kernel::Envelope>| {
            g[0].aggregate_type == e.aggregate_type && g[0].aggregate_id == e.aggregate_id
        };
        match groups.iter_mut().find(|g| same(g)) {
            Some(group) => group.push(e),
            None => groups.push(vec![e]),
        }
    }
    groups
}

/// The items the transaction writes: documents, conditions, an outbox item per aggregate, a
/// log item per event and the marker.
fn transaction_size(tx: &Transaction) -> usize {
    tx.puts.len()
        + tx.absent.len()
        + tx.adjust.len()
        + tx.checks.len()
        + by_aggregate(&tx.events).len()
        + tx.events.len()
        + usize::from(tx.marker.is_some())
}

#[async_trait]
impl Store for DynamoStore {
    fn context(&self) -> &str {
        &self.context
    }

    async fn get(&self, kind: &str, id: &str) -> Result<Option<Record>, StoreError> {
        match self.get_item(item::doc_key(kind, id), None).await? {
            Some(found) => item::decode_record(&found).map(Some),
            None => Ok(None),
        }
    }

    async fn query(&self, query: Query) -> Result<Page<Record>, StoreError> {
        let (index, hash, value) = match &query.lookup {
            Lookup::All => (item::BY_KIND, item::KIND, query.kind.clone()),
            Lookup::By(slot, key) => {
                let (index, hash) = item::index_of(*slot);
                (index, hash, item::index_value(&query.kind, key))
            }
        };
        if query.limit == 0 {
            return Err(StoreError::Invalid(
                "a list limit must be at least 1".into(),
            ));
        }
        let limit = i32::try_from(query.limit).unwrap_or(i32::MAX);
        let start = query
            .cursor
            .as_deref()
            .map(|c| cursor::decode(c, hash, &value))
            .transpose()?;
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression("#hash = :value")
            .expression_attribute_names("#hash", hash)
            .expression_attribute_values(":value", item::s(value))
            .scan_index_forward(query.order == kernel::Order::Oldest)
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(error::from_sdk)?;
        let items = output
            .items()
            .iter()
            .map(item::decode_record)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = match output.last_evaluated_key() {
            Some(key) if !key.is_empty() => Some(cursor::encode(key)?),
            _ => None,
        };
        Ok(Page { items, next_cursor })
    }

    async fn commit(&self, tx: Transaction) -> Result<(), StoreError> {
        let size = transaction_size(&tx);
        if size == 0 {
            return Ok(());
        }
        if size > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::Invalid(format!(
                "a transaction writes at most {MAX_TRANSACTION_ITEMS} items (documents, conditions, an outbox item per aggregate and a log item per event); this one has {size}"
            )));
        }
        let (items, marker_index) = self.transact_items(&tx)?;
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(|e| error::from_transaction(e, marker_index))?;
        Ok(())
    }

    async fn is_applied(&self, marker: &Marker) -> Result<bool, StoreError> {
        Ok(self
            .get_item(item::marker_key(marker), Some(PK))
            .await?
            .is_some())
    }
}

/// Every event a table recorded (its log), by a scan: for tests and inspection, not for handlers.
pub async fn scan_events(
    client: &Client,
    table: &str,
) -> Result<Vec<kernel::Envelope>, StoreError> {
    let mut events = Vec::new();
    let mut start: Option<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> = None;
    loop {
        let output = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .filter_expression("#type = :event")
            .expression_attribute_names("#type", item::ITEM_TYPE)
            .expression_attribute_values(":event", item::s(item::EVENT_ITEM_TYPE))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(error::from_sdk)?;
        for found in output.items() {
            events.push(item::decode_event(found)?);
        }
        match output.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(events),
        }
    }
}

/// The logged events of one aggregate, in commit order, from `from_event` on (an event id, or
/// a ULID made from a time): what a replay publishes again.
pub async fn logged_events(
    client: &Client,
    table: &str,
    aggregate_type: &str,
    aggregate_id: &str,
    from_event: &str,
) -> Result<Vec<kernel::Envelope>, StoreError> {
    let mut events = Vec::new();
    let mut start: Option<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> = None;
    loop {
        let output = client
            .query()
            .table_name(table)
            .consistent_read(true)
            .key_condition_expression("#pk = :pk AND #sk >= :from")
            .expression_attribute_names("#pk", item::PK)
            .expression_attribute_names("#sk", item::SK)
            .expression_attribute_values(
                ":pk",
                item::s(item::log_partition(aggregate_type, aggregate_id)),
            )
            .expression_attribute_values(":from", item::s(format!("EVENT#{from_event}")))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(error::from_sdk)?;
        for found in output.items() {
            events.push(item::decode_event(found)?);
        }
        match output.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => {
                // Ids made in one millisecond need not sort in order; versions do.
                events.sort_by_key(|e| e.version);
                return Ok(events);
            }
        }
    }
}
