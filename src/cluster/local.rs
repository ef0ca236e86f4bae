//! The leader's engine as its own front reaches it (issue 11): over loopback HTTP, so that a
//! forwarded request meets exactly the handlers, extractors and checks a direct one meets.

use std::time::Duration;

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::web::Bytes;

use super::relay::{self, Link};
use super::wire::{AnswerHead, Opened};

/// The longest a forwarded HTTP request may take (a chat log export may stream for a while).
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(300);
/// The largest answer a forwarded HTTP request may have: chat files are at most 20 MiB.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// The largest frame the engine's socket may send through a front. `realtime.max_frame_bytes`
/// bounds what clients send; the engine's own frames (a replay page, an `agent_hello` with many
/// chats) may be larger, and a front that refused one would cut the socket at every reconnect.
const MAX_ENGINE_FRAME_BYTES: usize = 16 * 1024 * 1024;

/// A client's request, as the node it reached describes it.
#[derive(Debug, Clone)]
pub struct Forwarded {
    pub method: String,
    pub uri: String,
    pub headers: Vec<(String, String)>,
}

/// Headers that describe one connection, not the request: never forwarded, either way.
pub fn is_hop_by_hop(name: &str) -> bool {
    const HOP_BY_HOP: [&str; 13] = [
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-accept",
    ];
    HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h))
}

thread_local! {
    /// awc clients are per thread; one keeps its loopback connections for the next request.
    /// No limit on connections: every client's WebSocket holds one of them for its whole life,
    /// and awc's default limit (100 per client) would leave the 101st socket and every request
    /// after it waiting for a connection that never frees.
    static CLIENT: awc::Client = awc::Client::builder()
        .connector(awc::Connector::new().limit(0))
        .timeout(HTTP_TIMEOUT)
        .disable_redirects()
        .finish();
}

fn with_headers<R>(
    mut request: R,
    headers: &[(String, String)],
    insert: fn(R, HeaderName, HeaderValue) -> R,
) -> R {
    for (name, value) in headers {
        if is_hop_by_hop(name) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            request = insert(request, name, value);
        }
    }
    request
}

/// Sends `request` to the engine on `port` and reads its whole answer.
pub async fn call(
    port: u16,
    request: &Forwarded,
    body: Bytes,
) -> Result<(AnswerHead, Bytes), String> {
    let method = Method::from_bytes(request.method.as_bytes()).map_err(|e| e.to_string())?;
    let url = format!("http://127.0.0.1:{port}{}", request.uri);
    let outgoing = CLIENT.with(|client| client.request(method, url));
    let outgoing = with_headers(outgoing, &request.headers, |r, name, value| {
        r.append_header((name, value))
    });
    let mut answer = outgoing
        .send_body(body)
        .await
        .map_err(|e| format!("the engine did not answer: {e}"))?;
    let body = answer
        .body()
        .limit(MAX_ANSWER_BYTES)
        .await
        .map_err(|e| format!("the engine's answer could not be read: {e}"))?;
    let head = AnswerHead {
        status: answer.status().as_u16(),
        headers: answer
            .headers()
            .iter()
            .filter(|(name, _)| !is_hop_by_hop(name.as_str()))
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect(),
    };
    Ok((head, body))
}

/// Opens the engine's WebSocket for `request`: a link to it, or the refusal the client gets
/// (the engine's own status and error body).
pub async fn open_socket(port: u16, request: &Forwarded) -> Result<Link, Opened> {
    let url = format!("http://127.0.0.1:{port}{}", request.uri);
    let outgoing = CLIENT
        .with(|client| client.ws(url.as_str()))
        .max_frame_size(MAX_ENGINE_FRAME_BYTES);
    let outgoing = with_headers(outgoing, &request.headers, |r, name, value| {
        r.header(name, value)
    });
    match outgoing.connect().await {
        Ok((_, socket)) => Ok(relay::engine(socket)),
        Err(awc::error::WsClientError::InvalidResponseStatus(status)) => {
            Err(refusal(port, request, status.as_u16()).await)
        }
        Err(e) => {
            tracing::warn!(error = %e, "the engine's socket could not be opened");
            Err(Opened {
                status: 502,
                headers: json_type(),
                body: crate::error::AppError::NoLeader.body_text(),
            })
        }
    }
}

/// awc does not keep the body of a refused upgrade, and the client should see the engine's
/// error (`unauthorized`, `origin_not_allowed`…), not a bare status. The same request without
/// the upgrade runs the same checks, which refuse before anything is done; its body is used
/// when its status is the same.
async fn refusal(port: u16, request: &Forwarded, status: u16) -> Opened {
    if let Ok((head, body)) = call(port, request, Bytes::new()).await {
        if head.status == status {
            return Opened {
                status,
                headers: head.headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            };
        }
    }
    Opened {
        status,
        headers: json_type(),
        body: serde_json::json!({
            "error": "upgrade_refused",
            "message": "the engine refused to open the socket",
        })
        .to_string(),
    }
}

fn json_type() -> Vec<(String, String)> {
    vec![(
        header::CONTENT_TYPE.as_str().to_owned(),
        "application/json".to_owned(),
    )]
}
