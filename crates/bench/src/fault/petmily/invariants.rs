//! petmily's invariants after a fault run, read back through the API as each person.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use serde_json::Value;

use super::{Ledger, Outcome, person};
use crate::fault::Check;

/// What the system holds once the bus has drained.
#[derive(Debug, Default)]
pub struct State {
    /// Every match, as its member lists it.
    pub matches: BTreeMap<String, Value>,
    /// Every care-status row, by match.
    pub status: BTreeMap<String, Value>,
    /// Every application, by id.
    pub applications: BTreeMap<String, Value>,
    /// The diary entries listed per match (member's view); `None`: no diary (404).
    pub diaries: BTreeMap<String, Option<Vec<Value>>>,
    /// Approved sitters: login → (averageRating, ratingCount).
    pub sitters: BTreeMap<String, (Value, u64)>,
}

async fn all_pages(p: &super::Person, path: &str) -> anyhow::Result<Vec<Value>> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let page = match &cursor {
            Some(c) => format!("{path}{sep}limit=500&cursor={c}"),
            None => format!("{path}{sep}limit=500"),
        };
        let Outcome::Done(body) = p.get(&page).await else {
            anyhow::bail!("GET {page} as {} failed", p.login);
        };
        items.extend(body["items"].as_array().cloned().unwrap_or_default());
        match body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return Ok(items),
        }
    }
}

impl State {
    pub async fn read(base: &str, ledger: &Ledger, password: &str) -> anyhow::Result<Self> {
        let mut state = Self::default();
        for login in &ledger.members {
            let me = person(base, login, password, false).await?;
            for m in all_pages(&me, "/match?as=MEMBER").await? {
                let id = m["id"].as_str().context("a match without id")?.to_owned();
                let diary = match me.get(&format!("/diary?matchId={id}&limit=500")).await {
                    Outcome::Done(d) => Some(d["items"].as_array().cloned().unwrap_or_default()),
                    _ => None,
                };
                state.diaries.insert(id.clone(), diary);
                state.matches.insert(id, m);
            }
            for row in all_pages(&me, "/match/status").await? {
                let id = row["id"].as_str().unwrap_or_default().to_owned();
                state.status.insert(id, row);
            }
            for a in all_pages(&me, &format!("/match/application?memberId={login}")).await? {
                let id = a["id"].as_str().unwrap_or_default().to_owned();
                state.applications.insert(id, a);
            }
        }
        if let Some(login) = ledger.members.iter().next() {
            let me = person(base, login, password, false).await?;
            for s in all_pages(&me, "/user/sitter/available").await? {
                let login = s["sitterId"].as_str().unwrap_or_default().to_owned();
                let count = s["ratingCount"].as_u64().unwrap_or(0);
                state
                    .sitters
                    .insert(login, (s["averageRating"].clone(), count));
            }
        }
        Ok(state)
    }
}

pub fn all(state: &State, ledger: &Ledger) -> Vec<Check> {
    let mut checks = Vec::new();

    let mut c = Check::new("no request answered a 5xx other than 503");
    c.expect(ledger.server_errors.is_empty(), || {
        ledger.server_errors.join("; ")
    });
    checks.push(c);

    let mut c = Check::new("every match created (201) exists with its member and sitter");
    for (id, (member, sitter)) in &ledger.matches {
        let m = state.matches.get(id);
        c.expect(
            m.is_some_and(|m| m["memberId"] == member.as_str() && m["sitterId"] == sitter.as_str()),
            || format!("match {id}: {m:?}"),
        );
    }
    checks.push(c);

    let mut c = Check::new("an accepted match started care; an ended one is CARE_ENDED");
    for id in &ledger.started {
        let status = state.matches.get(id).map(|m| m["status"].clone());
        c.expect(
            matches!(
                status.as_ref().and_then(Value::as_str),
                Some("CARE_STARTED" | "CARE_ENDED")
            ),
            || format!("match {id} accepted but {status:?}"),
        );
    }
    for id in &ledger.ended {
        let status = state.matches.get(id).map(|m| m["status"].clone());
        c.expect(
            status.as_ref().and_then(Value::as_str) == Some("CARE_ENDED"),
            || format!("match {id} ended but {status:?}"),
        );
    }
    checks.push(c);

    let mut c = Check::new("an application starts care on at most one match, and is then MATCHED");
    let mut cared: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, m) in &state.matches {
        if matches!(m["status"].as_str(), Some("CARE_STARTED" | "CARE_ENDED")) {
            cared
                .entry(m["applicationId"].as_str().unwrap_or_default())
                .or_default()
                .push(id);
        }
    }
    for (app, a) in &state.applications {
        let started = cared.get(app.as_str()).map_or(0, Vec::len);
        c.expect(started <= 1, || {
            format!("application {app}: care on {:?}", cared.get(app.as_str()))
        });
        let matched = a["status"] == "MATCHED";
        c.expect(matched == (started == 1), || {
            format!(
                "application {app} is {} with {started} started matches",
                a["status"]
            )
        });
    }
    checks.push(c);

    let mut c = Check::new("the care-status view (CQRS) shows every match as match has it");
    for (id, m) in &state.matches {
        let row = state.status.get(id);
        c.expect(
            row.is_some_and(|r| r["status"] == m["status"] && r["sitterId"] == m["sitterId"]),
            || format!("match {id} is {} but the view shows {row:?}", m["status"]),
        );
    }
    c.expect(state.status.len() == state.matches.len(), || {
        format!(
            "{} rows for {} matches",
            state.status.len(),
            state.matches.len()
        )
    });
    checks.push(c);

    let mut c = Check::new(
        "a diary exists exactly for the matches whose care started, with every entry written",
    );
    for (id, m) in &state.matches {
        let started = matches!(m["status"].as_str(), Some("CARE_STARTED" | "CARE_ENDED"));
        let diary = state.diaries.get(id).cloned().flatten();
        c.expect(diary.is_some() == started, || {
            format!("match {id} is {} and its diary is {diary:?}", m["status"])
        });
    }
    for (entry, match_id) in &ledger.entries {
        let listed = state
            .diaries
            .get(match_id)
            .cloned()
            .flatten()
            .is_some_and(|items| items.iter().any(|e| e["id"] == entry.as_str()));
        c.expect(listed, || {
            format!("entry {entry} of {match_id} is not in its diary")
        });
        let status = state.matches.get(match_id).map(|m| m["status"].clone());
        c.expect(
            matches!(
                status.as_ref().and_then(Value::as_str),
                Some("CARE_STARTED" | "CARE_ENDED")
            ),
            || format!("entry {entry} written for match {match_id} that is {status:?}"),
        );
    }
    checks.push(c);

    let mut c = Check::new(
        "each sitter's rating count and average are those of the ratings accepted, once each",
    );
    let mut accepted: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (id, (sitter, score)) in &ledger.ratings {
        c.expect(
            ledger.ended.contains(id)
                || state
                    .matches
                    .get(id)
                    .is_some_and(|m| m["status"] == "CARE_ENDED"),
            || format!("match {id} was rated before its care ended"),
        );
        accepted.entry(sitter).or_default().push(*score);
    }
    let mut unknown: BTreeMap<&str, u64> = BTreeMap::new();
    for (sitter, _) in ledger.ratings_lost.values() {
        *unknown.entry(sitter).or_default() += 1;
    }
    for sitter in &ledger.sitters {
        let scores = accepted.get(sitter.as_str()).cloned().unwrap_or_default();
        let lost = unknown.get(sitter.as_str()).copied().unwrap_or(0);
        let (average, count) = state
            .sitters
            .get(sitter)
            .cloned()
            .unwrap_or((Value::Null, 0));
        let n = scores.len() as u64;
        c.expect(count >= n && count <= n + lost, || {
            format!("{sitter}: {count} ratings counted, {n} accepted (+{lost} unanswered)")
        });
        if lost == 0 && n > 0 {
            let mean = f64::from(scores.iter().sum::<u32>()) / n as f64;
            let mean = (mean * 100.0).round() / 100.0;
            c.expect(average.as_f64() == Some(mean), || {
                format!(
                    "{sitter}: average {average} but the accepted scores {scores:?} give {mean}"
                )
            });
        }
    }
    checks.push(c);

    let mut c = Check::new(
        "minimum activity: matches asked, care started and ended, diaries written, sitters rated",
    );
    let activity = [
        ("matches", ledger.matches.len()),
        ("care started", ledger.started.len()),
        ("care ended", ledger.ended.len()),
        ("diary entries", ledger.entries.len()),
        ("sitter ratings", ledger.ratings.len()),
    ];
    for (what, n) in activity {
        c.expect(n >= 3, || {
            format!("only {n} {what}: the run did too little to prove anything")
        });
    }
    let distinct: BTreeSet<&String> = ledger.members.iter().collect();
    c.expect(distinct.len() >= 2, || "fewer than two members".into());
    checks.push(c);

    checks
}
