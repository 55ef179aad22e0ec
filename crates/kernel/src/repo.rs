//! Typed access to a context's store: documents of a kind, read with their version and written
//! in transactions built from them; and a list request's paging.

use std::{marker::PhantomData, sync::Arc};

use serde::{Serialize, de::DeserializeOwned};

use crate::{
    envelope::Envelope,
    error::AppError,
    store::{
        Keys, Lookup, Marker, Order, Page, Put, Query, Record, Store, StoreError, Transaction,
    },
};

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => Self::conflict("the resource was changed concurrently; retry"),
            StoreError::Duplicate => Self::conflict("already applied"),
            StoreError::Invalid(detail) => Self::Invalid(detail),
            StoreError::Unavailable(cause) => {
                tracing::error!(error = ?cause, "store unavailable");
                Self::unavailable("storage", 1)
            }
        }
    }
}

/// A document type: how it is named, identified and indexed in its context's store.
pub trait Document: Serialize + DeserializeOwned + Send + Sync + 'static {
    const KIND: &'static str;
    fn id(&self) -> &str;
    fn keys(&self) -> Keys {
        Keys::default()
    }
}

/// A document with the version it was read at.
#[derive(Clone, Debug, PartialEq)]
pub struct Versioned<T> {
    pub doc: T,
    pub version: u64,
}

/// Typed access to one kind of document.
pub struct Repo<T> {
    store: Arc<dyn Store>,
    _kind: PhantomData<fn() -> T>,
}

impl<T> Clone for Repo<T> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            _kind: PhantomData,
        }
    }
}

impl<T: Document> Repo<T> {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            _kind: PhantomData,
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub async fn get(&self, id: &str) -> Result<Option<Versioned<T>>, AppError> {
        match self.store.get(T::KIND, id).await? {
            Some(r) => Ok(Some(decode(r)?)),
            None => Ok(None),
        }
    }

    /// The document, or 404.
    pub async fn find(&self, id: &str) -> Result<Versioned<T>, AppError> {
        self.get(id)
            .await?
            .ok_or_else(|| AppError::not_found(T::KIND, id))
    }

    pub async fn list(
        &self,
        lookup: Lookup,
        order: Order,
        page: &PageRequest,
    ) -> Result<Page<T>, AppError> {
        let query = Query {
            kind: T::KIND.to_owned(),
            lookup,
            order,
            limit: page.limit,
            cursor: page.cursor.clone(),
        };
        let records = self.store.query(query).await?;
        let mut items = Vec::with_capacity(records.items.len());
        for r in records.items {
            items.push(decode::<T>(r)?.doc);
        }
        Ok(Page {
            items,
            next_cursor: records.next_cursor,
        })
    }

    /// Every document of the lookup, page by page (for policies that fan out).
    pub async fn list_all(&self, lookup: Lookup) -> Result<Vec<T>, AppError> {
        let mut all = Vec::new();
        let mut page = PageRequest {
            limit: 500,
            cursor: None,
        };
        loop {
            let p = self.list(lookup.clone(), Order::Oldest, &page).await?;
            all.extend(p.items);
            match p.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => return Ok(all),
            }
        }
    }

    pub async fn is_applied(&self, marker: &Marker) -> Result<bool, AppError> {
        Ok(self.store.is_applied(marker).await?)
    }
}

fn decode<T: Document>(r: Record) -> Result<Versioned<T>, AppError> {
    let doc = serde_json::from_value(r.body).map_err(|e| {
        AppError::internal(anyhow::anyhow!(
            "stored {} {} does not decode: {e}",
            r.kind,
            r.id
        ))
    })?;
    Ok(Versioned {
        doc,
        version: r.version,
    })
}

/// Builds a transaction from typed documents.
#[derive(Default)]
pub struct Tx(Transaction);

impl Tx {
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `doc` as version `expected + 1`, only if it is still at `expected`.
    pub fn put<T: Document>(&mut self, doc: &T, expected: u64) -> Result<u64, AppError> {
        self.put_version(doc, expected, expected + 1)
    }

    /// Writes `doc` at `version`, only if it is still at `expected` (an aggregate whose events
    /// advanced it by more than one).
    pub fn put_version<T: Document>(
        &mut self,
        doc: &T,
        expected: u64,
        version: u64,
    ) -> Result<u64, AppError> {
        self.0.puts.push(Put {
            record: Record {
                kind: T::KIND.to_owned(),
                id: doc.id().to_owned(),
                version,
                body: serde_json::to_value(doc)?,
                keys: doc.keys(),
            },
            expected,
        });
        Ok(version)
    }

    /// Changes `T` `id`'s integer `field` by `by` without reading it, only if the result stays at
    /// least `min` (see `store::Adjust`).
    pub fn adjust<T: Document>(&mut self, id: &str, field: &str, by: i64, min: i64) -> &mut Self {
        self.0.adjust.push(crate::store::Adjust {
            kind: T::KIND.to_owned(),
            id: id.to_owned(),
            field: field.to_owned(),
            by,
            min,
        });
        self
    }

    /// Writes only if `T` `id` exists with `field` equal to `equals`.
    pub fn check<T: Document>(
        &mut self,
        id: &str,
        field: &str,
        equals: impl Into<serde_json::Value>,
    ) -> &mut Self {
        self.0.checks.push(crate::store::Check {
            kind: T::KIND.to_owned(),
            id: id.to_owned(),
            field: field.to_owned(),
            equals: equals.into(),
        });
        self
    }

    pub fn require_absent<T: Document>(&mut self, id: &str) -> &mut Self {
        self.0.absent.push((T::KIND.to_owned(), id.to_owned()));
        self
    }

    pub fn events(&mut self, events: impl IntoIterator<Item = Envelope>) -> &mut Self {
        self.0.events.extend(events);
        self
    }

    pub fn marker(&mut self, marker: Option<Marker>) -> &mut Self {
        self.0.marker = marker;
        self
    }

    pub fn into_inner(self) -> Transaction {
        self.0
    }
}

/// A list request's paging, parsed from `?limit=&cursor=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: usize,
    pub cursor: Option<String>,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: usize = 50;
    pub const MAX_LIMIT: usize = 500;

    pub fn new(limit: Option<i64>, cursor: Option<String>) -> Result<Self, AppError> {
        let limit = match limit {
            None => Self::DEFAULT_LIMIT,
            Some(n) if (1..=Self::MAX_LIMIT as i64).contains(&n) => n as usize,
            Some(n) => {
                return Err(AppError::invalid(format!(
                    "limit must be 1..={}, got {n}",
                    Self::MAX_LIMIT
                )));
            }
        };
        if cursor.as_deref() == Some("") {
            return Err(AppError::invalid(
                "cursor must not be empty; leave it out for the first page",
            ));
        }
        Ok(Self { limit, cursor })
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: Self::DEFAULT_LIMIT,
            cursor: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_and_bounds() {
        assert_eq!(PageRequest::new(None, None).unwrap().limit, 50);
        assert_eq!(
            PageRequest::new(Some(500), Some("abc".into())).unwrap(),
            PageRequest {
                limit: 500,
                cursor: Some("abc".into())
            }
        );
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(501), None).is_err());
        assert!(PageRequest::new(Some(-3), None).is_err());
    }

    #[test]
    fn an_empty_cursor_is_refused_not_read_as_the_first_page() {
        // A client that sends back `nextCursor: null` as `?cursor=` would otherwise loop over
        // the first page forever.
        let err = PageRequest::new(None, Some(String::new())).unwrap_err();
        assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
    }
}
