//! The baseline: a bare WebSocket echo on the same stack as the engine (actix-web, actix-ws),
//! in a process of its own, driven by the same open-loop schedule. Its round trip (client →
//! server → client) crosses the same hops as a relayed chat message (visitor → engine →
//! agent), so engine results read as multiples of what the machine can do at all.

use std::cell::RefCell;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix_web::{rt, web, App, HttpRequest, HttpResponse, HttpServer};
use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::engine::{self, read_address};
use crate::histogram::Histogram;
use crate::net;
use crate::schedule::Schedule;

/// The child process: serves `/ws`, echoing every text frame, and prints its address.
pub fn serve() -> Result<(), String> {
    rt::System::new().block_on(async {
        let server = HttpServer::new(|| App::new().route("/ws", web::get().to(echo)))
            .workers(1)
            .tcp_nodelay(true)
            .bind(("127.0.0.1", 0))
            .map_err(|e| e.to_string())?;
        let address = server.addrs().first().copied().ok_or("no address")?;
        println!("echo listening on {address}");
        server.run().await.map_err(|e| e.to_string())
    })
}

async fn echo(req: HttpRequest, body: web::Payload) -> actix_web::Result<HttpResponse> {
    let (response, mut session, mut stream) = actix_ws::handle(&req, body)?;
    rt::spawn(async move {
        while let Some(Ok(message)) = stream.next().await {
            let sent = match message {
                actix_ws::Message::Text(text) => session.text(text).await,
                actix_ws::Message::Ping(bytes) => session.pong(&bytes).await,
                actix_ws::Message::Close(_) => break,
                _ => Ok(()),
            };
            if sent.is_err() {
                break;
            }
        }
    });
    Ok(response)
}

/// Starts the echo child, runs `rates` over `sockets` sockets for `duration_ms` each, and
/// reports the round trips.
pub async fn baseline(sockets: usize, rates: &[u32], duration_ms: u64) -> Result<Value, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(me)
        .arg("echo-server")
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let result = drive(&mut child, sockets, rates, duration_ms).await;
    let _ = child.kill();
    let _ = child.wait();
    result
}

async fn drive(
    child: &mut std::process::Child,
    sockets: usize,
    rates: &[u32],
    duration_ms: u64,
) -> Result<Value, String> {
    let address = read_address(child, "echo listening on ", None)?;
    let epoch = Instant::now();
    let round_trips = Rc::new(RefCell::new(Histogram::default()));
    let mut clients = Vec::new();
    for _ in 0..sockets.max(1) {
        let request = net::client().ws(format!("ws://{address}/ws"));
        let seen = round_trips.clone();
        let socket = net::connect(request, move |_| {
            move |frame: Value| {
                if let Some(intended) = frame["t"].as_u64() {
                    let now = epoch.elapsed().as_micros() as u64;
                    seen.borrow_mut().record(now.saturating_sub(intended));
                }
            }
        })
        .await?;
        clients.push(socket);
    }
    let mut runs = Vec::new();
    let pid = child.id();
    for &rate in rates {
        *round_trips.borrow_mut() = Histogram::default();
        let before = engine::sample(pid);
        let total = (u64::from(rate) * duration_ms / 1000).max(1);
        let schedule = Schedule::new(rate);
        for g in 0..total {
            let (intended, _) = schedule.due(g).await;
            let t = intended.saturating_duration_since(epoch).as_micros() as u64;
            clients[(g % clients.len() as u64) as usize].send(&json!({ "t": t }));
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while round_trips.borrow().len() < total && Instant::now() < deadline {
            rt::time::sleep(Duration::from_millis(5)).await;
        }
        let echoed = round_trips.borrow().len();
        // The same measure as the engine's CPU per message: the machine's cost of taking a
        // frame in and writing one out on this stack, the floor under every relayed message.
        let cpu_per_message = match (before, engine::sample(pid)) {
            (Some(b), Some(a)) if echoed > 0 => {
                Some((a.cpu_micros - b.cpu_micros) as f64 / echoed as f64)
            }
            _ => None,
        };
        runs.push(json!({
            "rate_msgs_per_sec": rate,
            "sent": total,
            "echoed": echoed,
            "round_trip": round_trips.borrow().summary(),
            "cpu_us_per_message": cpu_per_message,
        }));
    }
    for client in &clients {
        client.close();
    }
    Ok(Value::Array(runs))
}
