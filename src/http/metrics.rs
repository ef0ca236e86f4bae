//! Issue 10: `GET /metrics`, the Prometheus text format (see `crate::metrics`). Meant to be
//! scraped from inside the network: `metrics.enabled = false` turns it off (404), and a
//! `metrics.token` makes it require `Authorization: Bearer <token>` (401 otherwise).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::actors::Engine;
use crate::clock::now_ms;
use crate::error::AppError;
use crate::metrics::{self, QueueDepth, Snapshot, METRICS};
use crate::store::gauges;

/// The content type of the text exposition format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Compares in time independent of where the first difference is.
fn same_token(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

pub async fn scrape(engine: web::Data<Engine>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let settings = &engine.settings().metrics;
    if !settings.enabled {
        return Err(AppError::EndpointNotFound);
    }
    if !settings.token.is_empty() {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !same_token(given.as_bytes(), settings.token.as_bytes()) {
            return Err(AppError::Unauthorized);
        }
    }
    let (by_state, waiting, outbox_unsent) = engine
        .db()
        .run(|conn| {
            Ok((
                gauges::open_chats_by_state(conn)?,
                gauges::waiting_per_queue(conn)?,
                gauges::unsent_mail(conn)?,
            ))
        })
        .await?;
    let now = now_ms();
    let mut queues: Vec<QueueDepth> = engine
        .queue_list()
        .into_iter()
        .map(|(id, _)| {
            let (waiting, since) = waiting
                .iter()
                .find(|(queue, _, _)| *queue == id.0)
                .map_or((0, None), |(_, n, since)| (*n, *since));
            QueueDepth {
                queue_id: id.0,
                name: engine.queue_name(id).unwrap_or_default(),
                waiting,
                longest_wait_ms: since.map_or(0, |since| (now - since).max(0)),
            }
        })
        .collect();
    queues.sort_by_key(|q| q.queue_id);
    let state_of = |stored: &str| match stored {
        "queued" => Some("queued"),
        "active" => Some("active"),
        _ => None,
    };
    let mut chats_by_state = vec![("queued", 0), ("active", 0)];
    for (stored, count) in by_state {
        if let Some(state) = state_of(&stored) {
            if let Some(slot) = chats_by_state.iter_mut().find(|(s, _)| *s == state) {
                slot.1 = count;
            }
        }
    }
    let snapshot = Snapshot {
        chats_by_state,
        queues,
        outbox_unsent,
        live_chat_actors: engine.live_chats(),
    };
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(metrics::render(&METRICS, &snapshot)))
}

#[cfg(test)]
mod tests {
    use super::same_token;

    #[test]
    fn tokens_must_match_exactly() {
        assert!(same_token(b"abcdefghijklmnop", b"abcdefghijklmnop"));
        assert!(!same_token(b"abcdefghijklmnoq", b"abcdefghijklmnop"));
        assert!(!same_token(b"abc", b"abcdefghijklmnop"));
        assert!(!same_token(b"", b"abcdefghijklmnop"));
    }
}
