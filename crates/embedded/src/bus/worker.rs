//! The worker of one subscription. It keeps a window of its queue in memory — every row up to
//! `read_to`, in id order, grouped by message group — and reads the queue only to extend the
//! window, in pages, never to find out what to deliver next. It delivers the head of each group
//! (so one aggregate's events arrive in order) for up to `concurrency` groups at once, and a
//! group's next message only after its head's outcome is committed.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, VecDeque},
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use kernel::Envelope;
use rusqlite::params;
use tokio::sync::{mpsc, watch};
use tracing::Instrument;

use super::{Bus, Subscription, now_ms, settle::Outcome};

/// Messages a subscription holds in memory at most; the rest wait in its queue table.
pub const BUFFERED: usize = 4096;
/// The window is extended once this many messages fit, so that a long queue is read in pages
/// rather than a row per delivery.
const READ_AT_LEAST: usize = 256;
/// How long an idle worker waits before it looks at its queue anyway (a missed wake-up costs
/// no more than this).
const IDLE_POLL: Duration = Duration::from_secs(1);
/// A message whose outcome could not be committed is delivered again after this.
const UNSETTLED_PAUSE: Duration = Duration::from_secs(1);
/// First and longest pause between looks past a full window that holds nothing deliverable.
const LOOK_PAST_FIRST: Duration = Duration::from_millis(50);
const LOOK_PAST_MAX: Duration = Duration::from_secs(5);

#[derive(Clone)]
struct Message {
    id: i64,
    group: Arc<str>,
    envelope: Arc<str>,
    attempts: u32,
    /// Not to be delivered before this (unix ms): the retry backoff.
    next_at: i64,
}

/// What became of a delivery, as far as the window is concerned.
enum Settled {
    /// Its row is gone (delivered, or a dead letter).
    Gone,
    /// Its row stays for another attempt at `next_at`.
    Retry { attempts: u32, next_at: i64 },
    /// Its outcome was not recorded: the row is as it was.
    Unsettled,
}

struct Done {
    group: Arc<str>,
    settled: Settled,
}

#[derive(Default)]
struct Window {
    groups: HashMap<Arc<str>, VecDeque<Message>>,
    /// Heads of groups not in flight that may be delivered now, by queue id (oldest first).
    due: BTreeMap<i64, Arc<str>>,
    /// Heads of groups not in flight waiting for a retry, by when.
    later: BTreeMap<(i64, i64), Arc<str>>,
    in_flight: usize,
    len: usize,
    /// Every row of the subscription's queue with an id up to here is in the window (or was
    /// settled): AUTOINCREMENT ids are given in commit order and never reused.
    read_to: i64,
    /// Rows past `read_to` already in the window, taken by `look_past`.
    ahead: BTreeSet<i64>,
}

impl Window {
    fn add(&mut self, message: Message, now: i64) {
        let group = message.group.clone();
        let queue = self.groups.entry(group.clone()).or_default();
        queue.push_back(message);
        self.len += 1;
        if queue.len() == 1 {
            self.idle(group, now);
        }
    }

    /// Puts the group's head where the next delivery is picked from.
    fn idle(&mut self, group: Arc<str>, now: i64) {
        let Some(head) = self.groups.get(&group).and_then(VecDeque::front) else {
            return;
        };
        if head.next_at <= now {
            self.due.insert(head.id, group);
        } else {
            self.later.insert((head.next_at, head.id), group);
        }
    }

    /// The oldest head that may be delivered now; its group is in flight until `finish`.
    fn take(&mut self, now: i64) -> Option<Message> {
        while let Some(entry) = self.later.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((_, id), group) = entry.remove_entry();
            self.due.insert(id, group);
        }
        let (_, group) = self.due.pop_first()?;
        let head = self.groups.get(&group).and_then(VecDeque::front)?.clone();
        self.in_flight += 1;
        Some(head)
    }

    fn finish(&mut self, done: Done, now: i64) {
        self.in_flight -= 1;
        let Some(queue) = self.groups.get_mut(&done.group) else {
            return;
        };
        match done.settled {
            Settled::Gone => {
                queue.pop_front();
                self.len -= 1;
                if queue.is_empty() {
                    self.groups.remove(&done.group);
                    return;
                }
            }
            Settled::Retry { attempts, next_at } => {
                if let Some(head) = queue.front_mut() {
                    head.attempts = attempts;
                    head.next_at = next_at;
                }
            }
            Settled::Unsettled => {
                if let Some(head) = queue.front_mut() {
                    head.next_at = now + UNSETTLED_PAUSE.as_millis() as i64;
                }
            }
        }
        self.idle(done.group, now);
    }

    /// Whether a head may be delivered at `now`.
    fn has_due(&self, now: i64) -> bool {
        !self.due.is_empty() || self.next_retry().is_some_and(|at| at <= now)
    }

    /// When the earliest waiting retry falls due.
    fn next_retry(&self) -> Option<i64> {
        self.later.first_key_value().map(|((at, _), _)| *at)
    }

    /// Adds a page of rows read past `read_to`; returns whether the page was full.
    fn extend(&mut self, page: Vec<Message>, limit: usize, now: i64) -> bool {
        let full = page.len() == limit;
        if let Some(last) = page.last() {
            self.read_to = last.id;
        }
        for message in page {
            if !self.ahead.contains(&message.id) {
                self.add(message, now);
            }
        }
        // Rows taken ahead are now behind `read_to`: in the window, or settled and gone.
        self.ahead = self.ahead.split_off(&(self.read_to + 1));
        full
    }
}

fn read_message(r: &rusqlite::Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        group: Arc::from(r.get::<_, String>(1)?),
        envelope: Arc::from(r.get::<_, String>(2)?),
        attempts: r.get(3)?,
        next_at: r.get(4)?,
    })
}

/// The subscription's rows after `after`, oldest first.
async fn read_after(
    bus: &Bus,
    sub: &str,
    after: i64,
    limit: usize,
) -> anyhow::Result<Vec<Message>> {
    let sub = sub.to_owned();
    bus.pool
        .read(move |c| {
            Ok(c.prepare_cached(
                "SELECT id, group_id, envelope, attempts, next_at FROM queue
                 WHERE sub = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
            )?
            .query_map(params![sub, after, limit as i64], read_message)?
            .collect::<rusqlite::Result<_>>()?)
        })
        .await
}

/// Heads of groups that have no row up to `after`: when the window is full of groups that
/// cannot move (in flight, backing off), these can, and must not wait behind them.
async fn heads_after(
    bus: &Bus,
    sub: &str,
    after: i64,
    limit: usize,
) -> anyhow::Result<Vec<Message>> {
    let sub = sub.to_owned();
    bus.pool
        .read(move |c| {
            Ok(c.prepare_cached(
                "SELECT q.id, q.group_id, q.envelope, q.attempts, q.next_at FROM queue q
                 WHERE q.sub = ?1 AND q.id > ?2
                   AND NOT EXISTS (SELECT 1 FROM queue p WHERE p.sub = ?1 AND p.group_id = q.group_id AND p.id < q.id)
                 ORDER BY q.id LIMIT ?3",
            )?
            .query_map(params![sub, after, limit as i64], read_message)?
            .collect::<rusqlite::Result<_>>()?)
        })
        .await
}

pub(super) async fn run(
    bus: Arc<Bus>,
    sub: Arc<Subscription>,
    mut shutdown: watch::Receiver<bool>,
) {
    let function = sub.subscriber.function.clone();
    let Some(mut switch) = bus.switches.watch(&function) else {
        tracing::error!(function, "event handler has no switch; not delivering");
        return;
    };
    let concurrency = bus.config.concurrency.max(1);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let mut window = Window::default();
    // The queue may hold rows past the window.
    let mut unread = true;
    let mut look_past_pause = LOOK_PAST_FIRST;
    let mut look_past_at = tokio::time::Instant::now();
    let mut pause_reads_until = tokio::time::Instant::now();
    loop {
        if *shutdown.borrow() {
            break;
        }
        while let Ok(done) = done_rx.try_recv() {
            window.finish(done, now_ms());
        }
        let up = *switch.borrow_and_update();
        if up {
            let room = BUFFERED.saturating_sub(window.len);
            let now = tokio::time::Instant::now();
            if unread && now >= pause_reads_until && (room >= READ_AT_LEAST || window.len == 0) {
                match read_after(&bus, &function, window.read_to, room).await {
                    Ok(page) => unread = window.extend(page, room, now_ms()),
                    Err(e) => {
                        tracing::error!(function, error = %e, "queue read failed; retrying");
                        pause_reads_until = now + IDLE_POLL;
                    }
                }
            }
            // A full window with nothing to deliver while slots are free: what waits behind it
            // must not wait for the groups that hold it.
            let full = BUFFERED.saturating_sub(window.len) < READ_AT_LEAST;
            let stuck =
                unread && full && !window.has_due(now_ms()) && window.in_flight < concurrency;
            if stuck && now >= look_past_at && now >= pause_reads_until {
                let free = concurrency - window.in_flight;
                match heads_after(&bus, &function, window.read_to, free).await {
                    Ok(heads) => {
                        let now_ms = now_ms();
                        let mut found = false;
                        for head in heads {
                            if !window.ahead.contains(&head.id)
                                && !window.groups.contains_key(&head.group)
                            {
                                window.ahead.insert(head.id);
                                window.add(head, now_ms);
                                found = true;
                            }
                        }
                        look_past_pause = if found {
                            LOOK_PAST_FIRST
                        } else {
                            (look_past_pause * 2).min(LOOK_PAST_MAX)
                        };
                    }
                    Err(e) => tracing::error!(function, error = %e, "queue read failed; retrying"),
                }
                look_past_at = tokio::time::Instant::now() + look_past_pause;
            }
            let now = now_ms();
            while window.in_flight < concurrency {
                let Some(message) = window.take(now) else {
                    break;
                };
                tokio::spawn(deliver(bus.clone(), sub.clone(), message, done_tx.clone()));
            }
        }
        let wait = match window.next_retry() {
            Some(at) if up => Duration::from_millis((at - now_ms()).clamp(1, 1000) as u64),
            _ => IDLE_POLL,
        };
        tokio::select! {
            Some(done) = done_rx.recv() => window.finish(done, now_ms()),
            _ = sub.wake.notified() => unread = true,
            _ = tokio::time::sleep(wait) => unread = true,
            _ = switch.changed() => {}
            _ = shutdown.changed() => {}
        }
    }
    // Stopping: the deliveries under way finish and record their outcome.
    while window.in_flight > 0 {
        match done_rx.recv().await {
            Some(done) => window.finish(done, now_ms()),
            None => break,
        }
    }
}

async fn deliver(
    bus: Arc<Bus>,
    sub: Arc<Subscription>,
    message: Message,
    done: mpsc::UnboundedSender<Done>,
) {
    let function = &sub.subscriber.function;
    let outcome = match serde_json::from_str::<Envelope>(&message.envelope) {
        Err(e) => Err(format!("undecodable envelope: {e}")),
        Ok(event) => {
            let span = tracing::info_span!("event", function = %function, eventId = %event.event_id,
                eventType = %event.event_type, correlationId = %event.correlation_id, attempt = message.attempts + 1);
            let invoke = sub.subscriber.invoke.clone();
            let timeout = bus.config.handler_timeout;
            // Its own task, so that a panicking handler is a failed delivery, not a dead worker.
            let run = tokio::spawn(
                async move { tokio::time::timeout(timeout, invoke(event)).await }
                    .instrument(span.clone()),
            );
            let result = match run.await {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(e))) => Err(e.to_string()),
                Ok(Err(_)) => Err(format!("timed out after {timeout:?}")),
                Err(e) => Err(format!("handler panicked: {e}")),
            };
            if let Err(e) = &result {
                span.in_scope(|| tracing::warn!(error = %e, "delivery failed"));
            }
            result
        }
    };
    let settled = settle(&bus, &sub, &message, outcome).await;
    let _ = done.send(Done {
        group: message.group,
        settled,
    });
}

async fn settle(
    bus: &Bus,
    sub: &Subscription,
    message: &Message,
    outcome: Result<(), String>,
) -> Settled {
    let function = &sub.subscriber.function;
    let Err(error) = outcome else {
        if !bus.settle.settle(message.id, Outcome::Delivered).await {
            return Settled::Unsettled;
        }
        sub.delivered.fetch_add(1, Ordering::Relaxed);
        return Settled::Gone;
    };
    let attempts = message.attempts + 1;
    if attempts >= bus.config.max_attempts {
        if !bus
            .settle
            .settle(message.id, Outcome::Dead { attempts, error })
            .await
        {
            return Settled::Unsettled;
        }
        sub.dead.fetch_add(1, Ordering::Relaxed);
        tracing::error!(function = %function, attempts, "moved to the dead letters");
        return Settled::Gone;
    }
    let next_at = now_ms() + bus.retry_delay(attempts).as_millis() as i64;
    let retry = Outcome::Retry {
        attempts,
        next_at,
        error,
    };
    if !bus.settle.settle(message.id, retry).await {
        return Settled::Unsettled;
    }
    sub.retried.fetch_add(1, Ordering::Relaxed);
    Settled::Retry { attempts, next_at }
}
