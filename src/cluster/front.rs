//! Every node's public port in cluster mode (issue 11). Health, readiness and the cluster's
//! status are answered here; everything else goes to the leader's engine: on the leader over
//! loopback, on a follower through a NATS tunnel. A client cannot tell which node it reached.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine as _;
use futures_util::StreamExt;

use super::local::{self, Forwarded, MAX_ANSWER_BYTES};
use super::relay::{self, Cut};
use super::wire::{AnswerHead, InOrder, Numbering, Opened, Opening, Piece, TunnelKind};
use super::{Node, Route};
use crate::error::AppError;

/// An HTTP body up to this size travels inside the tunnel's opening; a larger one follows in
/// pieces of this size (NATS's default message limit is 1 MiB).
pub const PIECE_BYTES: usize = 256 * 1024;
/// The largest request body a node forwards: chat files are at most 20 MiB, plus the form.
const MAX_REQUEST_BYTES: usize = 24 * 1024 * 1024;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/cluster/status", web::get().to(status))
        .default_service(web::to(forward));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Ready when this node can serve: it leads and its engine is up, or it knows a leader and
/// reaches NATS. A load balancer takes a node out of rotation while it cannot.
async fn readyz(node: web::Data<Arc<Node>>) -> HttpResponse {
    let leader = node.leader();
    let body = |status: &str| {
        serde_json::json!({
            "status": status,
            "node": node.id(),
            "leader": leader.as_ref().map(|l| l.node.clone()),
            "epoch": leader.as_ref().map(|l| l.epoch),
        })
    };
    match node.route() {
        Route::Local(port) => {
            // The engine itself says whether it is ready (store, migrations, a stop under way).
            let request = Forwarded {
                method: "GET".to_owned(),
                uri: "/readyz".to_owned(),
                headers: Vec::new(),
            };
            match local::call(port, &request, Bytes::new()).await {
                Ok((head, _)) if head.status == 200 => HttpResponse::Ok().json(body("ready")),
                _ => HttpResponse::ServiceUnavailable().json(body("engine_unready")),
            }
        }
        Route::Remote(_) => HttpResponse::Ok().json(body("ready")),
        Route::Nowhere => HttpResponse::ServiceUnavailable().json(body("no_leader")),
    }
}

/// `GET /cluster/status`: which node this is and which one leads.
async fn status(node: web::Data<Arc<Node>>) -> HttpResponse {
    let leader = node.leader();
    HttpResponse::Ok().json(serde_json::json!({
        "node": node.id(),
        "leader": leader.as_ref().map(|l| l.node.clone()),
        "epoch": leader.as_ref().map(|l| l.epoch),
        "is_leader": node.leads(),
        "nats": if node.nats_connected() { "connected" } else { "disconnected" },
    }))
}

fn is_websocket_upgrade(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// The request as the engine should see it: its end-to-end headers, with the client's address
/// added to `X-Forwarded-For` (the leader's engine trusts its loopback front to say it).
fn describe(req: &HttpRequest) -> Forwarded {
    let mut headers = Vec::with_capacity(req.headers().len() + 1);
    let mut forwarded_for = None;
    for (name, value) in req.headers() {
        let Ok(value) = value.to_str() else { continue };
        if name == "x-forwarded-for" {
            forwarded_for = Some(match forwarded_for {
                None => value.to_owned(),
                Some(earlier) => format!("{earlier}, {value}"),
            });
        } else if !local::is_hop_by_hop(name.as_str()) {
            headers.push((name.as_str().to_owned(), value.to_owned()));
        }
    }
    if let Some(peer) = req.peer_addr() {
        let peer = peer.ip().to_string();
        forwarded_for = Some(match forwarded_for {
            None => peer,
            Some(earlier) => format!("{earlier}, {peer}"),
        });
    }
    if let Some(chain) = forwarded_for {
        headers.push(("x-forwarded-for".to_owned(), chain));
    }
    Forwarded {
        method: req.method().as_str().to_owned(),
        uri: req
            .uri()
            .path_and_query()
            .map_or_else(|| req.path().to_owned(), |pq| pq.as_str().to_owned()),
        headers,
    }
}

fn answer(head: &AnswerHead, body: Bytes) -> HttpResponse {
    let status = StatusCode::from_u16(head.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut response = HttpResponse::build(status);
    for (name, value) in &head.headers {
        if !local::is_hop_by_hop(name) {
            response.append_header((name.as_str(), value.as_str()));
        }
    }
    response.body(body)
}

async fn forward(
    req: HttpRequest,
    payload: web::Payload,
    node: web::Data<Arc<Node>>,
) -> Result<HttpResponse, actix_web::Error> {
    let request = describe(&req);
    if is_websocket_upgrade(&req) {
        return forward_socket(req, payload, node.get_ref(), request).await;
    }
    let body = payload
        .to_bytes_limited(MAX_REQUEST_BYTES)
        .await
        .map_err(|_| {
            AppError::InvalidInput(format!(
                "a request body may have at most {MAX_REQUEST_BYTES} bytes"
            ))
        })??;
    let (head, body) = match node.route() {
        Route::Local(port) => local::call(port, &request, body).await.map_err(|e| {
            tracing::warn!(error = %e, "the engine did not answer a request");
            AppError::NoLeader
        })?,
        Route::Remote(epoch) => through_tunnel(node.get_ref(), epoch, request, body).await?,
        Route::Nowhere => return Err(AppError::NoLeader.into()),
    };
    Ok(answer(&head, body))
}

/// A new tunnel's subject for the leader's pieces, listened to before the opening is sent, so
/// that nothing the leader sends first can be missed.
async fn listen_for_leader(node: &Node) -> Result<(String, async_nats::Subscriber), AppError> {
    let down = node.subjects().tunnel(rand::random());
    let pieces = node
        .nats()
        .subscribe(down.clone())
        .await
        .map_err(|_| AppError::NoLeader)?;
    Ok((down, pieces))
}

/// The opening of a tunnel for `request`, without a body.
fn opening(node: &Node, kind: TunnelKind, request: Forwarded, down: String) -> Opening {
    Opening {
        kind,
        node: node.id().to_owned(),
        method: request.method,
        uri: request.uri,
        headers: request.headers,
        down,
        body: None,
        body_follows: false,
    }
}

/// A follower's HTTP request: the opening (with the body, or the body in pieces after it),
/// then the leader's answer in pieces.
async fn through_tunnel(
    node: &Arc<Node>,
    epoch: i64,
    request: Forwarded,
    body: Bytes,
) -> Result<(AnswerHead, Bytes), AppError> {
    let mut teardown = node.teardowns();
    let nats = node.nats();
    let (down, mut answers) = listen_for_leader(node).await?;
    let inline = body.len() <= PIECE_BYTES;
    let opening = Opening {
        body: inline.then(|| base64::engine::general_purpose::STANDARD.encode(&body)),
        body_follows: !inline,
        ..opening(node, TunnelKind::Http, request, down)
    };
    node.open(epoch, &opening).await?;
    if !inline {
        let mut numbers = Numbering::default();
        for part in body.chunks(PIECE_BYTES) {
            let piece = Piece::Data(part.to_vec()).encode(numbers.take());
            nats.publish(opening.up(), piece.into())
                .await
                .map_err(|_| AppError::NoLeader)?;
        }
        let end = Piece::End.encode(numbers.take());
        nats.publish(opening.up(), end.into())
            .await
            .map_err(|_| AppError::NoLeader)?;
    }
    let read = async {
        let mut order = InOrder::default();
        let mut head = None;
        let mut body = web::BytesMut::new();
        while let Some(message) = answers.next().await {
            let (seq, piece) = Piece::decode(&message.payload).map_err(|_| AppError::NoLeader)?;
            order.accept(seq).map_err(|_| AppError::NoLeader)?;
            match piece {
                Piece::Head(json) => {
                    head = Some(
                        serde_json::from_slice::<AnswerHead>(&json)
                            .map_err(|_| AppError::NoLeader)?,
                    );
                }
                Piece::Data(part) if body.len() + part.len() <= MAX_ANSWER_BYTES => {
                    body.extend_from_slice(&part);
                }
                Piece::End => {
                    let head = head.ok_or(AppError::NoLeader)?;
                    return Ok((head, body.freeze()));
                }
                _ => return Err(AppError::NoLeader),
            }
        }
        Err(AppError::NoLeader)
    };
    // The leader may die while it works on the request: a change of leader (or a NATS
    // disconnect) since the opening ends the wait at once instead of at the timeout.
    let answer = tokio::select! {
        answer = tokio::time::timeout(super::local::HTTP_TIMEOUT, read) => {
            answer.map_err(|_| AppError::NoLeader)?
        }
        _ = teardown.changed() => Err(AppError::NoLeader),
    };
    let _ = answers.unsubscribe().await;
    answer
}

fn refused(opened: Opened) -> HttpResponse {
    answer(
        &AnswerHead {
            status: opened.status,
            headers: opened.headers,
        },
        Bytes::from(opened.body),
    )
}

/// What a client whose tunnel was cut hears: the engine's own words for "reconnect", so the
/// widget and the dashboard resume as after a graceful stop.
fn tell_client(_: Cut) -> Vec<Piece> {
    let closing = crate::protocol::ServerFrame::ServerClosing {
        reconnect_after_ms: 250,
    };
    vec![
        Piece::Text(closing.to_text().as_bytes().to_vec()),
        Piece::Close(Some((1012, "server_closing".to_owned()))),
    ]
}

async fn forward_socket(
    req: HttpRequest,
    payload: web::Payload,
    node: &Arc<Node>,
    request: Forwarded,
) -> Result<HttpResponse, actix_web::Error> {
    let max_frame_bytes = node.max_frame_bytes();
    let upstream = match node.route() {
        Route::Local(port) => local::open_socket(port, &request).await,
        Route::Remote(epoch) => {
            let (down, from_leader) = listen_for_leader(node).await?;
            let opening = opening(node, TunnelKind::WebSocket, request, down);
            let opened = node.open(epoch, &opening).await?;
            if opened.status == 101 {
                Ok(relay::tunnel(
                    node.nats(),
                    opening.up(),
                    from_leader,
                    node.teardowns(),
                    tell_client,
                ))
            } else {
                Err(opened)
            }
        }
        Route::Nowhere => return Err(AppError::NoLeader.into()),
    };
    let upstream = match upstream {
        Ok(link) => link,
        Err(opened) => return Ok(refused(opened)),
    };
    let (response, session, stream) = actix_ws::handle(&req, payload)?;
    let stream = stream
        .max_frame_size(max_frame_bytes)
        .aggregate_continuations()
        .max_continuation_size(max_frame_bytes);
    relay::splice(relay::client(session, stream), upstream);
    Ok(response)
}
