//! The museum's side of the benchmarks: exhibitions and bookings to measure against, the requests
//! the load generator sends, and a MyPage view seeded straight into its store.

use std::{path::Path, sync::Arc};

use anyhow::Context as _;
use futures::{StreamExt, TryStreamExt, stream};
use kernel::{Tx, store::MAX_TRANSACTION_ITEMS, store::Store};
use museum_mypage::view::MyPage;
use serde_json::json;
use time::OffsetDateTime;

use crate::{
    api::Api,
    data::DataFolder,
    load::{self, Requests},
};

/// Seats of an exhibition the benchmarks book: the largest the museum registers.
pub const LARGE_EXHIBITION: u32 = 100_000;

/// Requests in flight while setting up data over HTTP.
const SETUP_CONCURRENCY: usize = 16;

/// Registers an exhibition and returns its id.
pub async fn register(api: &Api, capacity: u32) -> anyhow::Result<String> {
    let created = api
        .post_ok(
            "/museum/museums",
            &json!({ "hall": "Bench Hall", "date": "2026-12-24", "capacity": capacity }),
        )
        .await?;
    id_of(&created)
}

/// Books one seat for `user` and returns the booking's id.
pub async fn book(api: &Api, museum: &str, user: &str) -> anyhow::Result<String> {
    let booking = api
        .post_ok(
            "/museum/books",
            &json!({ "museumId": museum, "userId": user, "seats": 1 }),
        )
        .await?;
    id_of(&booking)
}

fn id_of(resource: &serde_json::Value) -> anyhow::Result<String> {
    resource["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no id in {resource}"))
}

/// The name of the `i`th bench user.
pub fn user(i: u64) -> String {
    format!("user{i:07}")
}

/// Makes `count` bookings of one seat, round-robin over `museums` and over `users` users, over
/// HTTP as a client would.
pub async fn book_many(
    api: &Api,
    museums: &[String],
    users: u64,
    count: u64,
) -> anyhow::Result<()> {
    anyhow::ensure!(!museums.is_empty(), "no exhibition to book");
    stream::iter(0..count)
        .map(|i| async move {
            let museum = &museums[(i % museums.len() as u64) as usize];
            book(api, museum, &user(i % users.max(1))).await
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(())
}

/// `GET /museum/myPages?userId=` for one of `users` users per turn.
pub fn my_pages_query(host: String, users: u64) -> Requests {
    Arc::new(move |turn| {
        let path = format!("/museum/myPages?userId={}", user(turn.spread(users)));
        load::get(&host, &path)
    })
}

/// `POST /museum/books` of one seat, round-robin over `exhibitions`, one user per worker.
pub fn booking_command(host: String, exhibitions: Vec<String>) -> Requests {
    Arc::new(move |turn| {
        let museum = &exhibitions[(turn.worker + turn.n as usize) % exhibitions.len().max(1)];
        let body =
            json!({ "museumId": museum, "userId": format!("load{}", turn.worker), "seats": 1 });
        load::post_json(&host, "/museum/books", &body)
    })
}

/// What seeding a store took.
#[derive(Clone, Debug)]
pub struct Seeded {
    pub rows: u64,
    pub seconds: f64,
    /// The store's files on disk (database and write-ahead log).
    pub bytes: u64,
}

/// Writes `rows` MyPage rows, `per_user` per user, into the mypage store of the data folder at
/// `data`, in transactions of the largest size a store accepts, through the same embedded store
/// the gateway uses.
pub async fn seed_my_pages(data: &Path, rows: u64, per_user: u64) -> anyhow::Result<Seeded> {
    let started = std::time::Instant::now();
    let store = DataFolder::open(data)?.store(museum_events::MYPAGE)?;
    let users = (rows / per_user.max(1)).max(1);
    let now = OffsetDateTime::now_utc();
    let mut next = 0;
    while next < rows {
        let end = (next + MAX_TRANSACTION_ITEMS as u64).min(rows);
        let mut tx = Tx::new();
        for i in next..end {
            tx.put(&completed_row(i, users, now), 0)?;
        }
        store
            .commit(tx.into_inner())
            .await
            .with_context(|| format!("seeding rows {next}..{end}"))?;
        next = end;
    }
    drop(store);
    Ok(Seeded {
        rows,
        seconds: started.elapsed().as_secs_f64(),
        bytes: files_size(&data.join(museum_events::SYSTEM), "mypage.db")?,
    })
}

/// The `i`th row: a completed booking of user `i % users`.
fn completed_row(i: u64, users: u64, at: OffsetDateTime) -> MyPage {
    MyPage {
        id: kernel::ids::new_id(),
        user_id: user(i % users),
        museum_id: Some(format!("museum{:04}", i % 1000)),
        hall: Some("Bench Hall".into()),
        date: Some("2026-12-24".into()),
        seats: Some(1 + (i % 4) as u32),
        booking_status: Some("COMPLETED".into()),
        entry_status: Some("CONFIRMED".into()),
        updated_at: at,
    }
}

/// Bytes of the files in `dir` whose names start with `prefix` (a database and its WAL).
fn files_size(dir: &Path, prefix: &str) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            total += entry.metadata()?.len();
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Turn;

    #[test]
    fn workers_spread_over_users() {
        let users = 100;
        let firsts: std::collections::BTreeSet<u64> = (0..16)
            .map(|worker| Turn { worker, n: 0 }.spread(users))
            .collect();
        assert_eq!(firsts.len(), 16, "every worker starts on its own user");
        assert!((0..10_000).all(|n| Turn { worker: 3, n }.spread(users) < users));
    }

    #[tokio::test]
    async fn seeded_rows_are_readable_per_user() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let seeded = seed_my_pages(dir.path(), 250, 10).await.expect("seeding");
        assert_eq!(seeded.rows, 250);
        assert!(seeded.bytes > 0);
        let store = DataFolder::open(dir.path())
            .and_then(|d| d.store(museum_events::MYPAGE))
            .expect("the store");
        let rows = kernel::Repo::<MyPage>::new(store)
            .list_all(kernel::Lookup::By(museum_mypage::view::BY_USER, user(7)))
            .await
            .expect("a user's rows");
        assert_eq!(rows.len(), 10);
        assert!(rows.iter().all(|r| r.user_id == user(7)));
    }
}
