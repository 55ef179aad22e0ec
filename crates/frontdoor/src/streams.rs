//! Live streams as Server-Sent Events: each system's notification streams, and the admin's event
//! flow. Every stream holds one of the gateway's stream slots while it is open, so a crowd of
//! listeners cannot exhaust the process.

use std::{convert::Infallible, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{Query, Request},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::get,
};
use embedded::Host;
use futures::Stream;
use kernel::{AppError, LiveStream, System, platform::Notification, validate::Id};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast};

use crate::{Doors, functions::problem};

/// A stream slot, or the 503 that says every slot is taken.
pub fn slot(
    streams: &Arc<Semaphore>,
    instance: &str,
) -> Result<OwnedSemaphorePermit, Box<Response>> {
    streams.clone().try_acquire_owned().map_err(|_| {
        Box::new(problem(
            &AppError::unavailable("live streams (all slots are open)", 5),
            instance,
            "-",
        ))
    })
}

/// Server-Sent Events from `rx`, each item turned into an event by `event` (or skipped), for as
/// long as the client listens; the slot is given back when it goes.
pub fn sse<T, F>(
    rx: broadcast::Receiver<T>,
    slot: OwnedSemaphorePermit,
    event: F,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    T: Clone + Send + 'static,
    F: Fn(T) -> Option<Event> + Send + 'static,
{
    use broadcast::error::RecvError;
    let state = (rx, slot, event);
    let events = futures::stream::unfold(state, |(mut rx, slot, event)| async move {
        loop {
            match rx.recv().await {
                Ok(item) => {
                    if let Some(e) = event(item) {
                        return Some((Ok(e), (rx, slot, event)));
                    }
                }
                // A slow listener misses some; the views and the stores keep everything.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Each system's declared notification streams.
pub fn routes(host: &Arc<Host>, systems: &[System], doors: &Doors) -> Router {
    let mut router = Router::new();
    for system in systems {
        for stream in &system.streams {
            let path = format!("/{}{}", system.name, stream.path);
            let (host, slots, stream) = (host.clone(), doors.streams.clone(), *stream);
            router = router.route(
                &path,
                get(
                    move |query: Query<Vec<(String, String)>>, request: Request| {
                        notifications(host.clone(), slots.clone(), stream, query, request)
                    },
                ),
            );
        }
    }
    router
}

async fn notifications(
    host: Arc<Host>,
    slots: Arc<Semaphore>,
    stream: LiveStream,
    Query(params): Query<Vec<(String, String)>>,
    request: Request,
) -> Response {
    let instance = request.uri().path().to_owned();
    let recipient = match recipient_of(&stream, &params) {
        Ok(r) => r,
        Err(e) => return problem(&e, &instance, "-"),
    };
    let slot = match slot(&slots, &instance) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let rx = host.platform.notifications().subscribe();
    sse(rx, slot, move |n: Notification| {
        (n.channel == stream.channel && n.recipient == recipient)
            .then(|| {
                Event::default()
                    .event(stream.channel)
                    .json_data(&n.data)
                    .ok()
            })
            .flatten()
    })
    .into_response()
}

fn recipient_of(stream: &LiveStream, params: &[(String, String)]) -> Result<String, AppError> {
    if let Some((unknown, _)) = params.iter().find(|(k, _)| k != stream.recipient) {
        return Err(AppError::invalid(format!(
            "unknown query parameter `{unknown}`; this stream takes `{}`",
            stream.recipient
        )));
    }
    let value = params
        .iter()
        .find(|(k, _)| k == stream.recipient)
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| AppError::invalid(format!("`{}` is required", stream.recipient)))?;
    Ok(Id::parse(stream.recipient, value)?.into_string())
}
