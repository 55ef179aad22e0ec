//! The gateway process killed (SIGKILL) between a booking and its confirmation, then restarted on
//! the same data folder: the booking completes, nothing is lost and nothing is applied twice.
#![allow(clippy::unwrap_used)]

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{Value, json};

struct Process {
    child: Child,
    base: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the gateway binary on the data folder, on a port it picks (`--port 0`), and waits
/// until it says where it listens.
async fn spawn(data: &Path) -> Process {
    let ready = data.join(format!("ready-{}", std::process::id()));
    let _ = std::fs::remove_file(&ready);
    let mut child = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .args(["--port", "0", "--data"])
        .arg(data)
        .arg("--ready-file")
        .arg(&ready)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    for _ in 0..400 {
        if let Ok(base) = std::fs::read_to_string(&ready)
            && !base.is_empty()
        {
            return Process { child, base };
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the gateway exited with {status}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the gateway did not come up");
}

async fn get(base: &str, path: &str) -> Value {
    reqwest::get(format!("{base}{path}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn post(base: &str, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap()
}

#[tokio::test]
async fn a_killed_gateway_restarted_on_its_data_completes_every_booking_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = spawn(dir.path()).await;
    let museum = post(
        &first.base,
        "/museum/museums",
        json!({ "hall": "B", "date": "2026-12-24", "capacity": 5 }),
    )
    .await;
    let museum = museum["id"].as_str().unwrap().to_owned();
    post(
        &first.base,
        "/admin/functions/museum-confirm-on-booked/down",
        json!({}),
    )
    .await;
    let mut ids = Vec::new();
    for user in ["kim", "lee"] {
        let b = post(
            &first.base,
            "/museum/books",
            json!({ "museumId": museum, "userId": user }),
        )
        .await;
        ids.push(b["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        get(&first.base, &format!("/museum/books/{}", ids[0])).await["status"],
        "BOOKED"
    );
    drop(first); // SIGKILL: no shutdown of any kind

    let second = spawn(dir.path()).await;
    let mut drained = false;
    for _ in 0..400 {
        if get(&second.base, "/admin/backlog").await["backlog"] == 0 {
            drained = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(drained, "the restarted gateway delivers what was queued");
    for id in &ids {
        assert_eq!(
            get(&second.base, &format!("/museum/books/{id}")).await["status"],
            "COMPLETED"
        );
        assert_eq!(
            get(&second.base, &format!("/museum/confirms/{id}")).await["status"],
            "CONFIRMED"
        );
    }
    assert_eq!(
        get(&second.base, &format!("/museum/museums/{museum}")).await["capacity"],
        3
    );
    let entries = get(
        &second.base,
        "/admin/events?context=museum/confirm&limit=1000",
    )
    .await;
    let confirmed = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == "EntryConfirmed")
        .count();
    assert_eq!(confirmed, 2, "each booking confirmed exactly once");
    let completed = get(&second.base, "/admin/events?context=museum/book&limit=1000").await;
    let completed = completed
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == "BookCompleted")
        .count();
    assert_eq!(completed, 2);
    for user in ["kim", "lee"] {
        let page = get(&second.base, &format!("/museum/myPages?userId={user}")).await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(
            (
                items[0]["bookingStatus"].as_str(),
                items[0]["entryStatus"].as_str()
            ),
            (Some("COMPLETED"), Some("CONFIRMED"))
        );
    }
}

#[tokio::test]
async fn a_second_gateway_on_the_same_data_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _first = spawn(dir.path()).await;
    let out = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .args(["--port", "0", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("in use by another gateway"));
}
