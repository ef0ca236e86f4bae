//! Real WebSocket and HTTP clients (awc): each socket has a reader task that hands every JSON
//! frame to a handler and answers pings, and a writer task fed by a channel, so that any task
//! can send on it without waiting.

use actix_service::Service as _;
use actix_web::rt;
use awc::ws::{Frame, Message};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;

/// The `type` of the frame a handler gets when its socket has closed, for whatever reason.
pub const CLOSED: &str = "loadgen_socket_closed";

/// The sending half of a socket; cheap to clone.
#[derive(Clone)]
pub struct Socket {
    out: mpsc::UnboundedSender<Message>,
}

impl Socket {
    /// Queues a frame; false once the socket has closed.
    pub fn send_text(&self, text: String) -> bool {
        self.out.send(Message::Text(text.into())).is_ok()
    }

    pub fn send(&self, frame: &Value) -> bool {
        self.send_text(frame.to_string())
    }

    pub fn close(&self) {
        let _ = self.out.send(Message::Close(None));
    }
}

pub fn client() -> awc::Client {
    // Browsers set TCP_NODELAY; a client that leaves Nagle's algorithm on waits up to 40 ms
    // (the peer's delayed ACK) whenever it sends two frames in a row, and would measure that.
    let connector = awc::Connector::new().connector(actix_service::fn_service(
        |request: actix_tls::connect::ConnectInfo<awc::http::Uri>| async move {
            let connection = actix_tls::connect::ConnectorService::default()
                .call(request)
                .await?;
            let _ = connection.io_ref().set_nodelay(true);
            Ok::<_, actix_tls::connect::ConnectError>(connection)
        },
    ));
    awc::Client::builder()
        .connector(connector)
        .timeout(std::time::Duration::from_secs(30))
        .finish()
}

/// Opens the socket; `handler` is made with the socket's sending half and then called with
/// every JSON text frame, in order, until the socket closes.
pub async fn connect<H>(
    request: awc::ws::WebsocketsRequest,
    handler: impl FnOnce(Socket) -> H,
) -> Result<Socket, String>
where
    H: FnMut(Value) + 'static,
{
    let (_, framed) = request
        .max_frame_size(1 << 20)
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    let (mut sink, mut stream) = framed.split();
    let (out, mut queued) = mpsc::unbounded_channel::<Message>();
    let socket = Socket { out };
    rt::spawn(async move {
        while let Some(message) = queued.recv().await {
            let closing = matches!(message, Message::Close(_));
            if sink.send(message).await.is_err() || closing {
                break;
            }
        }
    });
    let mut handler = handler(socket.clone());
    let pong = socket.clone();
    rt::spawn(async move {
        while let Some(Ok(frame)) = stream.next().await {
            match frame {
                Frame::Text(bytes) => {
                    if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
                        handler(value);
                    }
                }
                Frame::Ping(bytes) => {
                    let _ = pong.out.send(Message::Pong(bytes));
                }
                Frame::Close(_) => break,
                _ => {}
            }
        }
        // The handler hears of the end as a frame of its own (never sent by the engine).
        handler(serde_json::json!({ "type": CLOSED }));
    });
    Ok(socket)
}

/// A JSON request; the status and the JSON body (null when there is none).
pub async fn call(
    request: awc::ClientRequest,
    body: Option<&Value>,
) -> Result<(u16, Value), String> {
    // Which request failed, for the report: with several nodes, which node too.
    let what = format!("{} {}", request.get_method(), request.get_uri());
    let sent = match body {
        Some(body) => request.send_json(body).await,
        None => request.send().await,
    };
    let mut response = sent.map_err(|e| format!("{what}: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .body()
        .limit(64 << 20)
        .await
        .map_err(|e| format!("{what}: {e}"))?;
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Ok((status, value))
}
