//! Cluster mode (issue 11): several nodes on one PostgreSQL database and one NATS server.
//!
//! One node at a time *leads*: it holds the lease (`lease`), runs the whole engine (every
//! website, queue, agent and chat actor, as a single node does) on a loopback port, and so is
//! the one owner of every queue's routing and every chat's sequence. Every node, the leader
//! too, serves clients on its public port (`front`): a follower carries each request and each
//! socket to the leader through a NATS tunnel (`wire`, `relay`), and the leader replays it
//! against its engine (`local`). When the leader dies its lease expires and a follower takes
//! over, rebuilding queues, waiting chats and hunts from the store as after a restart; clients
//! whose tunnels were cut reconnect and resume. docs/architecture.md §4.35 has the picture.

pub mod front;
mod keeper;
pub mod lease;
pub mod local;
pub mod relay;
pub mod wire;

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpServer};
use base64::Engine as _;
use diesel::pg::PgConnection;
use diesel::Connection;
use futures_util::StreamExt;
use tokio::sync::{watch, Notify};

use crate::error::AppError;
use crate::settings::Settings;
use crate::startup::Application;
use lease::Leader;
use relay::Cut;
use wire::{AnswerHead, InOrder, Numbering, Opened, Opening, Piece, Subjects, TunnelKind};

pub use keeper::EXIT_LEASE_LOST;

/// Where a request goes from this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// This node leads: its engine listens on this loopback port.
    Local(u16),
    /// Another node leads, with this epoch, and NATS is reachable.
    Remote(i64),
    /// No leader is known, or it cannot be reached.
    Nowhere,
}

/// This node: who it is, what it knows of the leader, and its NATS connection.
pub struct Node {
    id: String,
    settings: Settings,
    subjects: Subjects,
    nats: async_nats::Client,
    nats_connected: watch::Receiver<bool>,
    leader: watch::Sender<Option<Leader>>,
    /// The loopback port of this node's engine, while it leads and the engine serves.
    engine_port: watch::Sender<Option<u16>>,
    /// Bumped when every tunnel must be cut (the leader changed, or NATS dropped).
    teardown: watch::Sender<u64>,
    /// Wakes the lease loop before its next turn (a leader announced itself, or vanished).
    look_again: Notify,
    /// On the leader: the nodes whose clients it serves through tunnels, when each was last
    /// heard, and the switch that cuts its tunnels. A node that dies says nothing; its sockets
    /// must close here so that their agents and visitors are seen to be gone at once.
    followers: std::sync::Mutex<HashMap<String, Follower>>,
}

struct Follower {
    last_heard: Instant,
    cut: watch::Sender<u64>,
}

impl Node {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn subjects(&self) -> &Subjects {
        &self.subjects
    }

    pub fn nats(&self) -> async_nats::Client {
        self.nats.clone()
    }

    pub fn nats_connected(&self) -> bool {
        *self.nats_connected.borrow()
    }

    pub fn leader(&self) -> Option<Leader> {
        self.leader.borrow().clone()
    }

    pub fn leads(&self) -> bool {
        self.engine_port.borrow().is_some()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn max_frame_bytes(&self) -> usize {
        self.settings.realtime.max_frame_bytes
    }

    pub fn teardowns(&self) -> watch::Receiver<u64> {
        self.teardown.subscribe()
    }

    fn cut_tunnels(&self) {
        self.teardown.send_modify(|generation| *generation += 1);
        for follower in self.followers().values() {
            follower.cut.send_modify(|generation| *generation += 1);
        }
    }

    fn followers(&self) -> std::sync::MutexGuard<'_, HashMap<String, Follower>> {
        self.followers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// On the leader: the switch that cuts the tunnels of `node`'s clients.
    fn tunnels_of(&self, node: &str) -> watch::Receiver<u64> {
        self.followers()
            .entry(node.to_owned())
            .or_insert_with(|| Follower {
                last_heard: Instant::now(),
                cut: watch::channel(0).0,
            })
            .cut
            .subscribe()
    }

    fn heard_from(&self, node: &str) {
        if let Some(follower) = self.followers().get_mut(node) {
            follower.last_heard = Instant::now();
        }
    }

    /// On the leader: cuts the tunnels of every node not heard from within `silence`.
    fn drop_silent_followers(&self, silence: Duration) {
        self.followers().retain(|node, follower| {
            let alive = follower.last_heard.elapsed() < silence;
            if !alive {
                tracing::warn!(node = %node, "a node fell silent; closing its clients' sockets");
                follower.cut.send_modify(|generation| *generation += 1);
            }
            alive
        });
    }

    pub fn route(&self) -> Route {
        if let Some(port) = *self.engine_port.borrow() {
            return Route::Local(port);
        }
        match self.leader.borrow().as_ref() {
            Some(leader) if leader.node != self.id && self.nats_connected() => {
                Route::Remote(leader.epoch)
            }
            _ => Route::Nowhere,
        }
    }

    /// Learns who leads; a change cuts the tunnels to the old leader.
    fn set_leader(&self, leader: Option<Leader>) {
        let changed = self.leader.send_if_modified(|known| {
            if *known == leader {
                return false;
            }
            *known = leader.clone();
            true
        });
        if changed {
            match &leader {
                Some(leader) => {
                    tracing::info!(leader = %leader.node, epoch = leader.epoch, "the cluster's leader")
                }
                None => tracing::info!("no node leads the cluster"),
            }
            self.cut_tunnels();
        }
    }

    /// Sends a tunnel's opening to the leader of `epoch` and waits for its answer.
    pub async fn open(&self, epoch: i64, opening: &Opening) -> Result<Opened, AppError> {
        let payload = serde_json::to_vec(opening).map_err(|e| AppError::Internal(e.to_string()))?;
        match self
            .nats
            .request(self.subjects.openings(epoch), payload.into())
            .await
        {
            Ok(reply) => {
                serde_json::from_slice::<Opened>(&reply.payload).map_err(|_| AppError::NoLeader)
            }
            Err(error) => {
                tracing::debug!(%error, epoch, "the leader did not take a tunnel");
                // Nobody listens for that epoch any more: look at the lease now.
                self.look_again.notify_one();
                Err(AppError::NoLeader)
            }
        }
    }
}

/// This node's name: the setting, or `<hostname>-<pid>`.
fn node_id(settings: &Settings) -> String {
    if !settings.cluster.node_id.is_empty() {
        return settings.cluster.node_id.clone();
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".to_owned());
    let host: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{host}-{}", std::process::id())
}

/// `parley serve` in cluster mode: serves the public port, and leads when it can.
pub async fn serve(settings: Settings) -> Result<(), String> {
    let id = node_id(&settings);
    let subjects = Subjects::new(&settings.cluster.name);
    let (connected_tx, nats_connected) = watch::channel(false);
    let (teardown, _) = watch::channel(0u64);
    let nats = connect_nats(&settings, &id, connected_tx, teardown.clone()).await?;
    let node = Arc::new(Node {
        id: id.clone(),
        settings: settings.clone(),
        subjects,
        nats,
        nats_connected,
        leader: watch::channel(None).0,
        engine_port: watch::channel(None).0,
        teardown,
        look_again: Notify::new(),
        followers: std::sync::Mutex::new(HashMap::new()),
    });
    {
        // The database must answer before the node says it listens (a wrong URL is an error
        // at start, not a node that never leads).
        let url = settings.database.url.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = PgConnection::establish(&url).map_err(|e| e.to_string())?;
            lease::prepare(&mut conn).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("database: {e}"))?;
    }

    let address = format!("{}:{}", settings.server.host, settings.server.port);
    let listener =
        TcpListener::bind(&address).map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let front_node = node.clone();
    let mut front = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(front_node.clone()))
            .configure(front::routes)
    });
    if settings.server.workers > 0 {
        front = front.workers(settings.server.workers);
    }
    let front = front
        .disable_signals()
        .shutdown_timeout(settings.server.shutdown_timeout_ms.div_ceil(1000))
        .tcp_nodelay(true)
        .listen(listener)
        .map_err(|e| format!("cannot listen on {address}: {e}"))?
        .run();
    let front_handle = front.handle();
    let serving = actix_web::rt::spawn(front);
    tracing::info!(node = %id, "cluster node started; looking for the leader");
    println!(
        "parley listening on http://{}:{port} (cluster node {id})",
        settings.server.host
    );

    actix_web::rt::spawn(listen_for_leaders(node.clone()));
    actix_web::rt::spawn(listen_for_heartbeats(node.clone()));
    actix_web::rt::spawn(send_heartbeats(node.clone()));
    let (elected, elections) = tokio::sync::mpsc::unbounded_channel();
    let keeper = keeper::Keeper::start(node.clone(), settings.database.url.clone(), elected);
    let outcome = lead_when_elected(node.clone(), keeper, elections).await;
    node.cut_tunnels();
    front_handle.stop(true).await;
    let _ = serving.await;
    outcome
}

async fn connect_nats(
    settings: &Settings,
    id: &str,
    connected: watch::Sender<bool>,
    teardown: watch::Sender<u64>,
) -> Result<async_nats::Client, String> {
    let options = async_nats::ConnectOptions::new()
        .name(format!("parley-{id}"))
        .retry_on_initial_connect()
        .connection_timeout(Duration::from_secs(2))
        .request_timeout(Some(Duration::from_secs(5)))
        .reconnect_delay_callback(|attempts| {
            Duration::from_millis((100 * attempts as u64).clamp(100, 1000))
        })
        .event_callback(move |event| {
            let connected = connected.clone();
            let teardown = teardown.clone();
            async move {
                match event {
                    async_nats::Event::Connected => {
                        tracing::info!("NATS connected");
                        connected.send_replace(true);
                    }
                    async_nats::Event::Disconnected => {
                        // Core NATS may have dropped pieces in flight: every tunnel closes,
                        // and its clients resume through a working path.
                        tracing::warn!("NATS disconnected; cutting every tunnel");
                        connected.send_replace(false);
                        teardown.send_modify(|generation| *generation += 1);
                    }
                    other => tracing::debug!(event = %other, "NATS"),
                }
            }
        });
    options
        .connect(settings.cluster.nats_url.as_str())
        .await
        .map_err(|e| format!("NATS at {}: {e}", settings.cluster.nats_url))
}

/// A node that takes the lease says so; the others look at the lease at once.
async fn listen_for_leaders(node: Arc<Node>) {
    let Ok(mut announcements) = node.nats.subscribe(node.subjects.leader_changes()).await else {
        return;
    };
    while announcements.next().await.is_some() {
        node.look_again.notify_one();
    }
}

/// The leader hears every node's heartbeat (the followers' lease loops send one each turn).
async fn listen_for_heartbeats(node: Arc<Node>) {
    let Ok(mut heartbeats) = node.nats.subscribe(node.subjects.heartbeats()).await else {
        return;
    };
    while let Some(heartbeat) = heartbeats.next().await {
        if let Ok(from) = std::str::from_utf8(&heartbeat.payload) {
            node.heard_from(from);
        }
    }
}

/// Every node says it is alive each `lease_renew_ms`; the leader cuts the tunnels of a node it
/// has not heard within `lease_ttl_ms`.
async fn send_heartbeats(node: Arc<Node>) {
    let every = Duration::from_millis(node.settings.cluster.lease_renew_ms);
    loop {
        tokio::time::sleep(every).await;
        if !node.leads() {
            let _ = node
                .nats
                .publish(node.subjects.heartbeats(), node.id.clone().into())
                .await;
        } else {
            node.drop_silent_followers(Duration::from_millis(node.settings.cluster.lease_ttl_ms));
        }
    }
}

/// Starts the engine each time the keeper says this node took the lease, and stops on a stop
/// signal: a leader lets its engine drain (it heard the signal too), then gives the lease up so
/// that a follower leads at once. An engine that stops by itself (it failed to start) gives
/// the lease up too, and the node exits with its error.
async fn lead_when_elected(
    node: Arc<Node>,
    keeper: keeper::Keeper,
    mut elections: tokio::sync::mpsc::UnboundedReceiver<i64>,
) -> Result<(), String> {
    let mut stop = crate::shutdown::StopSignals::listen();
    let mut engine: Option<actix_web::rt::task::JoinHandle<Result<(), String>>> = None;
    loop {
        tokio::select! {
            Some(epoch) = elections.recv(), if engine.is_none() => {
                engine = Some(actix_web::rt::spawn(lead(node.clone(), epoch)));
            }
            ended = async {
                match engine.as_mut() {
                    Some(running) => running.await,
                    None => std::future::pending().await,
                }
            }, if engine.is_some() => {
                keeper.release().await;
                return ended.map_err(|e| e.to_string()).and_then(|outcome| outcome);
            }
            () = node.look_again.notified() => keeper.look_again(),
            () = stop.received() => break,
        }
    }
    let outcome = match engine {
        Some(engine) => engine.await.map_err(|e| e.to_string()).and_then(|o| o),
        None => Ok(()),
    };
    keeper.release().await;
    outcome
}

/// This node took the lease at `epoch`: migrate, fence, start the engine on loopback, take
/// tunnels, tell the others, and serve until the engine stops.
async fn lead(node: Arc<Node>, epoch: i64) -> Result<(), String> {
    let mut settings = node.settings.clone();
    {
        let database = settings.database.clone();
        tokio::task::spawn_blocking(move || prepare_store(&database))
            .await
            .map_err(|e| e.to_string())??;
    }
    settings.database.fence_epoch = Some(epoch);
    settings.server.host = "127.0.0.1".to_owned();
    settings.server.port = 0;
    // Only this node's front reaches the engine; it names the client in X-Forwarded-For.
    for loopback in [
        std::net::IpAddr::from([127, 0, 0, 1]),
        std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
    ] {
        if !settings.server.trusted_proxies.contains(&loopback) {
            settings.server.trusted_proxies.push(loopback);
        }
    }
    let app = Application::build(settings)
        .await
        .map_err(|e| format!("the engine did not start: {e}"))?;
    if let Some(demo) = app.demo_accounts() {
        println!(
            "\nDemo data created: website key \"demo\", queue \"Support\".\n  \
             agent:      username \"agent\"       password \"{}\"\n  \
             supervisor: username \"supervisor\"  password \"{}\"\n  \
             admin:      username \"admin\"       password \"{}\"\n",
            demo.agent_password, demo.supervisor_password, demo.admin_password,
        );
    }
    let port = app.port();
    let openings = node
        .nats
        .subscribe(node.subjects.openings(epoch))
        .await
        .map_err(|e| format!("NATS: {e}"))?;
    actix_web::rt::spawn(take_tunnels(node.clone(), port, openings));
    node.engine_port.send_replace(Some(port));
    node.set_leader(Some(Leader {
        node: node.id.clone(),
        epoch,
    }));
    let announcement = serde_json::json!({ "node": node.id, "epoch": epoch }).to_string();
    let _ = node
        .nats
        .publish(node.subjects.leader_changes(), announcement.into())
        .await;
    tracing::info!(epoch, engine_port = port, "the engine runs on this node");
    let outcome = app.run_until_stopped().await.map_err(|e| e.to_string());
    node.engine_port.send_replace(None);
    outcome
}

/// Migrates the store and puts the fencing trigger on every table (a new table from this
/// version's migrations gets it too).
fn prepare_store(database: &crate::settings::DatabaseSettings) -> Result<(), String> {
    let db = crate::store::Db::connect(database).map_err(|e| e.to_string())?;
    let applied = db.migrate().map_err(|e| e.to_string())?;
    if applied > 0 {
        tracing::info!(migrations = applied, "database migrated");
    }
    let mut conn = PgConnection::establish(&database.url).map_err(|e| e.to_string())?;
    lease::prepare(&mut conn).map_err(|e| e.to_string())?;
    lease::install_fence(&mut conn).map_err(|e| e.to_string())
}

/// The leader's side of the tunnels: each opening is a follower's client request or socket.
async fn take_tunnels(node: Arc<Node>, port: u16, mut openings: async_nats::Subscriber) {
    while let Some(message) = openings.next().await {
        let Some(reply) = message.reply else {
            continue;
        };
        let Ok(opening) = serde_json::from_slice::<Opening>(&message.payload) else {
            tracing::warn!("a tunnel opening could not be read");
            continue;
        };
        let node = node.clone();
        actix_web::rt::spawn(async move {
            match opening.kind {
                TunnelKind::Http => answer_request(&node, port, opening, reply).await,
                TunnelKind::WebSocket => open_socket(&node, port, opening, reply).await,
            }
        });
    }
}

fn reply_body(opened: &Opened) -> actix_web::web::Bytes {
    serde_json::to_vec(opened).unwrap_or_default().into()
}

fn forwarded(opening: &Opening) -> local::Forwarded {
    local::Forwarded {
        method: opening.method.clone(),
        uri: opening.uri.clone(),
        headers: opening.headers.clone(),
    }
}

async fn answer_request(node: &Node, port: u16, opening: Opening, reply: async_nats::Subject) {
    let nats = &node.nats;
    let accepted = Opened {
        status: 100,
        headers: Vec::new(),
        body: String::new(),
    };
    let body = if opening.body_follows {
        let Ok(mut pieces) = nats.subscribe(opening.up()).await else {
            return;
        };
        if nats.publish(reply, reply_body(&accepted)).await.is_err() {
            return;
        }
        let mut order = InOrder::default();
        let mut body = Vec::new();
        let read = async {
            while let Some(message) = pieces.next().await {
                let (seq, piece) = Piece::decode(&message.payload).ok()?;
                order.accept(seq).ok()?;
                match piece {
                    Piece::Data(part) => body.extend_from_slice(&part),
                    Piece::End => return Some(()),
                    _ => return None,
                }
            }
            None
        };
        let complete = tokio::time::timeout(local::HTTP_TIMEOUT, read).await;
        let _ = pieces.unsubscribe().await;
        if !matches!(complete, Ok(Some(()))) {
            return;
        }
        body
    } else {
        if nats.publish(reply, reply_body(&accepted)).await.is_err() {
            return;
        }
        match &opening.body {
            Some(encoded) => base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap_or_default(),
            None => Vec::new(),
        }
    };
    let (head, body) = match local::call(port, &forwarded(&opening), body.into()).await {
        Ok(answer) => answer,
        Err(error) => {
            tracing::warn!(%error, "a forwarded request failed");
            let head = AnswerHead {
                status: 503,
                headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            };
            (head, AppError::NoLeader.body_text().into())
        }
    };
    let mut numbers = Numbering::default();
    let head = serde_json::to_vec(&head).unwrap_or_default();
    let mut pieces = vec![Piece::Head(head)];
    pieces.extend(
        body.chunks(front::PIECE_BYTES)
            .map(|part| Piece::Data(part.to_vec())),
    );
    pieces.push(Piece::End);
    for piece in pieces {
        let message = piece.encode(numbers.take());
        if nats
            .publish(opening.down.clone(), message.into())
            .await
            .is_err()
        {
            return;
        }
    }
}

/// The engine's end of a cut tunnel: the socket closes, as when a client goes away.
fn tell_engine(_: Cut) -> Vec<Piece> {
    vec![Piece::Close(None)]
}

async fn open_socket(node: &Node, port: u16, opening: Opening, reply: async_nats::Subject) {
    let nats = node.nats();
    match local::open_socket(port, &forwarded(&opening)).await {
        Ok(engine) => {
            let Ok(from_client) = nats.subscribe(opening.up()).await else {
                return;
            };
            let opened = Opened {
                status: 101,
                headers: Vec::new(),
                body: String::new(),
            };
            if nats.publish(reply, reply_body(&opened)).await.is_err() {
                return;
            }
            let tunnel = relay::tunnel(
                nats,
                opening.down.clone(),
                from_client,
                node.tunnels_of(&opening.node),
                tell_engine,
            );
            relay::splice(tunnel, engine);
        }
        Err(refused) => {
            let _ = nats.publish(reply, reply_body(&refused)).await;
        }
    }
}
