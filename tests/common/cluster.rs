//! Issue 11: several engine processes on one PostgreSQL database and one NATS server, the way
//! operators run them behind a load balancer. Each test gets its own NATS server (on a free
//! loopback port, with JetStream and a store in a temporary folder), its own database and its
//! own cluster name, so tests never hear each other.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::process::{Clients, EngineProcess};
use super::{
    credentials, Backend, Closed, TestDatabase, VisitorChat, WsClient, ADMIN_PASSWORD,
    AGENT_PASSWORD, PATIENCE,
};

/// How long a test waits for the cluster to settle (a leader elected, a failover done, a node
/// back on NATS): a guard against hanging, not a timing assertion. Generous, because a failover
/// waits out a lease and the machine is shared.
pub const CLUSTER_PATIENCE: Duration = Duration::from_secs(30);

/// Pause between two looks at something that is not there yet.
const POLL: Duration = Duration::from_millis(50);

/// The lease settings of every test cluster: short, so a failover takes two to three seconds,
/// but with room for a slow renewal: a leader stops when a renewal has not answered within
/// the TTL, and on a busy shared machine a PostgreSQL commit now and then takes more than a
/// second (a TTL of 1500 ms made leaders stop in about one run in ten).
const LEASE_TTL_MS: &str = "2000";
const LEASE_RENEW_MS: &str = "250";

/// A private `nats-server` with JetStream, on a loopback port that stays the same across
/// `stop` and `start` (the NATS restart test). Killed when dropped.
pub struct NatsServer {
    port: u16,
    store: tempfile::TempDir,
    child: Option<Child>,
}

impl NatsServer {
    /// Starts a server on a free port and waits until it accepts connections.
    pub fn start() -> NatsServer {
        let mut server = NatsServer {
            port: free_port(),
            store: tempfile::tempdir().expect("a folder for JetStream"),
            child: None,
        };
        server.start_again();
        server
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Starts the server again on the same port and store (after `stop`).
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "the NATS server is already running");
        let child = Command::new(nats_server_binary())
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + PATIENCE;
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nats-server accepts on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then waits for the server to exit: its clients see their connection close.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM sent to nats-server");
        let deadline = Instant::now() + PATIENCE;
        while child.try_wait().expect("wait for nats-server").is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("nats-server did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `nats-server` from `PATH`, else where the Debian package puts it.
fn nats_server_binary() -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("nats-server"))
                .find(|candidate| candidate.is_file())
        })
        .unwrap_or_else(|| PathBuf::from("/usr/sbin/nats-server"))
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Engine nodes `n1`, `n2`, … in cluster mode on one fresh PostgreSQL database and one NATS
/// server. Node `i` (from 0) has the node id `n{i+1}`. Dropping it kills every node, then the
/// NATS server, then drops the database; after a failed assertion it prints every node's log.
pub struct Cluster {
    /// `None` once killed.
    nodes: Vec<Option<EngineProcess>>,
    pub nats: NatsServer,
    database_url: String,
    /// The cluster's name: the NATS subject prefix, unique per test.
    pub name: String,
    extra: Vec<(String, String)>,
    _database: TestDatabase,
}

impl Cluster {
    /// `count` nodes with the harness's settings; `None` (the test skips) without PostgreSQL.
    pub async fn start(count: usize) -> Option<Cluster> {
        Self::start_with(count, &[]).await
    }

    /// `count` nodes with `settings` (`CHAT__…` variables) on top of the harness's. The first
    /// node starts alone and becomes the leader (it migrates the database and seeds the demo
    /// data); the others start once it leads, and this returns once every node names it.
    pub async fn start_with(count: usize, settings: &[(&str, &str)]) -> Option<Cluster> {
        let mut cluster = Cluster::without_nodes(settings)?;
        let first = cluster.spawn_node(0);
        cluster.nodes.push(Some(first));
        let leader = cluster.wait_for_leader().await;
        assert_eq!(leader, 0, "the only node leads");
        for index in 1..count {
            let node = cluster.spawn_node(index);
            cluster.nodes.push(Some(node));
        }
        let leader = cluster.wait_for_leader().await;
        assert_eq!(leader, 0, "the first node keeps the lead");
        Some(cluster)
    }

    /// `count` nodes started at the same moment on an empty database, as machines that boot
    /// together start them; returns once every node names one leader (whichever won).
    pub async fn start_together(count: usize) -> Option<Cluster> {
        let mut cluster = Cluster::without_nodes(&[])?;
        let nodes: Vec<EngineProcess> = std::thread::scope(|scope| {
            let starting: Vec<_> = (0..count)
                .map(|index| {
                    let cluster = &cluster;
                    scope.spawn(move || cluster.spawn_node(index))
                })
                .collect();
            starting
                .into_iter()
                .map(|node| node.join().expect("every node starts and serves"))
                .collect()
        });
        cluster.nodes = nodes.into_iter().map(Some).collect();
        cluster.wait_for_leader().await;
        Some(cluster)
    }

    /// A fresh database, NATS server and cluster name, no node yet.
    fn without_nodes(settings: &[(&str, &str)]) -> Option<Cluster> {
        let (database, database_url) = TestDatabase::create(Backend::Postgres)?;
        Some(Cluster {
            nodes: Vec::new(),
            nats: NatsServer::start(),
            database_url,
            name: format!("t{}", &credentials::new_token()[..12]),
            extra: settings
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
            _database: database,
        })
    }

    fn spawn_node(&self, index: usize) -> EngineProcess {
        let mut settings: Vec<(String, String)> = [
            ("CHAT__CLUSTER__ENABLED", "true".to_owned()),
            ("CHAT__CLUSTER__NODE_ID", node_id(index)),
            ("CHAT__CLUSTER__NAME", self.name.clone()),
            ("CHAT__CLUSTER__NATS_URL", self.nats.url()),
            ("CHAT__CLUSTER__LEASE_TTL_MS", LEASE_TTL_MS.to_owned()),
            ("CHAT__CLUSTER__LEASE_RENEW_MS", LEASE_RENEW_MS.to_owned()),
            ("CHAT__DEMO__ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
            // As the in-process harness: an ended chat's slot is free at once.
            ("CHAT__WRAP_UP__HOLDS_CAPACITY", "false".to_owned()),
            // Every client is on loopback, and a burst starts more chats than the per-IP limit.
            ("CHAT__LIMITS__EXEMPT_LOOPBACK", "true".to_owned()),
            ("CHAT__DATABASE__POOL_SIZE", "4".to_owned()),
            ("CHAT__SERVER__WORKERS", "2".to_owned()),
            ("CHAT__ENGINE__ARBITERS", "2".to_owned()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect();
        settings.extend(self.extra.iter().cloned());
        let settings: Vec<(&str, &str)> = settings
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect();
        EngineProcess::start(&self.database_url, &settings)
    }

    /// Node `index`, which must be alive.
    pub fn node(&self, index: usize) -> &EngineProcess {
        self.nodes[index]
            .as_ref()
            .unwrap_or_else(|| panic!("node {} was killed", node_id(index)))
    }

    /// The harness's clients against node `index`.
    pub fn clients(&self, index: usize) -> Clients {
        self.node(index).clients()
    }

    /// The nodes not killed, by index.
    pub fn alive(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|index| self.nodes[*index].is_some())
            .collect()
    }

    /// The live nodes other than `index`.
    pub fn others(&self, index: usize) -> Vec<usize> {
        self.alive().into_iter().filter(|i| *i != index).collect()
    }

    /// SIGKILL of node `index`: no drain, no goodbye, its lease left to expire.
    pub fn kill(&mut self, index: usize) {
        let node = self.nodes[index].take().expect("a live node");
        node.kill();
    }

    /// `GET /cluster/status` of node `index`; `None` when it does not answer.
    pub async fn status(&self, index: usize) -> Option<Value> {
        let clients = self.clients(index);
        let mut response = super::TestApp::client()
            .get(format!("{}/cluster/status", clients.base))
            .send()
            .await
            .ok()?;
        if response.status().as_u16() != 200 {
            return None;
        }
        response.json::<Value>().await.ok()
    }

    /// Waits until every live node names the same leader, which says it leads, and every
    /// live node is ready (`/readyz` 200: the leader's engine is up, a follower reaches it
    /// over NATS), as a load balancer would before sending it clients; the leader's index.
    pub async fn wait_for_leader(&self) -> usize {
        let deadline = Instant::now() + CLUSTER_PATIENCE;
        let mut last = Vec::new();
        loop {
            last.clear();
            let mut all_ready = true;
            for index in self.alive() {
                last.push((index, self.status(index).await));
                let ready = self.clients(index).readyz().await;
                all_ready &= ready.is_some_and(|(status, _)| status == 200);
            }
            if let Some(leader) = agreed_leader(&last).filter(|_| all_ready) {
                return leader;
            }
            assert!(
                Instant::now() < deadline,
                "no leader every node agrees on; the nodes said {last:?}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// The leader's index, once every live node agrees on it.
    pub async fn leader_index(&self) -> usize {
        self.wait_for_leader().await
    }

    /// The leader's fencing epoch as node `index` reports it.
    pub async fn epoch(&self, index: usize) -> i64 {
        let status = self.status(index).await.expect("a status");
        status["epoch"].as_i64().expect("an epoch")
    }

    /// The demo admin's session token, logged in through node `index`.
    pub async fn admin_token(&self, index: usize) -> String {
        self.clients(index).token_of("admin", ADMIN_PASSWORD).await
    }

    /// Creates an agent over the REST API (R70, as an admin through the first live node) with
    /// the agent password and `capacity`, and puts it in the demo queue at `hunt_order`
    /// (R17, R25). Its user id.
    pub async fn add_agent(&self, username: &str, hunt_order: i32, capacity: u32) -> i64 {
        let via = self.alive()[0];
        let clients = self.clients(via);
        let admin = self.admin_token(via).await;
        let (status, user) = clients
            .call(
                "POST",
                "/api/v1/users",
                Some(&admin),
                Some(json!({
                    "username": username,
                    "role": "agent",
                    "capacity": capacity,
                    "password": AGENT_PASSWORD,
                })),
            )
            .await;
        assert_eq!(status, 201, "{user}");
        let id = user["id"].as_i64().expect("a user id");
        let (status, body) = clients
            .call(
                "PUT",
                &format!("/api/v1/queues/1/members/{id}"),
                Some(&admin),
                Some(json!({ "hunt_order": hunt_order })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        id
    }

    /// Every live node's log, each line prefixed with its node id.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for (index, node) in self.nodes.iter().enumerate() {
            if let Some(node) = node {
                for line in node.lines() {
                    out.push_str(&format!("[{}] {line}\n", node_id(index)));
                }
            }
        }
        out
    }
}

impl Drop for Cluster {
    /// After a failed assertion, shows what the nodes wrote: the cluster's story is in there.
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- cluster {} logs ---\n{}", self.name, self.logs());
        }
        // Nodes first (their drop kills them), while NATS and the database are still there.
        self.nodes.clear();
    }
}

/// `n1`, `n2`, …: node `index`'s id.
pub fn node_id(index: usize) -> String {
    format!("n{}", index + 1)
}

/// The leader's index if every status answered, all name the same leader, and that node says
/// it leads.
fn agreed_leader(statuses: &[(usize, Option<Value>)]) -> Option<usize> {
    let mut named = None;
    for (_, status) in statuses {
        let leader = status.as_ref()?["leader"].as_str()?.to_owned();
        match &named {
            None => named = Some(leader),
            Some(same) if *same == leader => {}
            Some(_) => return None,
        }
    }
    let named = named?;
    let (index, status) = statuses
        .iter()
        .find(|(index, _)| node_id(*index) == named)?;
    (status.as_ref()?["is_leader"] == true).then_some(*index)
}

/// Opens a visitor socket through `clients`, retrying while the node refuses (a follower
/// without a reachable leader answers 503) or the socket closes before its hello. The socket
/// and its `visitor_hello`.
pub async fn visitor_socket_retrying(
    clients: &Clients,
    chat: &VisitorChat,
    after_seq: i64,
) -> (WsClient, Value) {
    let deadline = Instant::now() + CLUSTER_PATIENCE;
    let mut attempts = Vec::new();
    loop {
        match clients.try_visitor_socket(chat, after_seq).await {
            Ok(mut socket) => match socket.next().await {
                Ok(hello) if hello["type"] == "visitor_hello" => return (socket, hello),
                Ok(other) => panic!("a visitor socket began with {other}"),
                Err(closed) => attempts.push(format!("closed before hello: {closed:?}")),
            },
            Err(refused) => attempts.push(refused),
        }
        assert!(
            Instant::now() < deadline,
            "the visitor could not reconnect to {}: {attempts:?}",
            clients.base
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Opens an agent socket through `clients` with `resume`, retrying as
/// `visitor_socket_retrying` does. The socket and its `agent_hello`.
pub async fn agent_socket_retrying(
    clients: &Clients,
    token: &str,
    resume: &str,
) -> (WsClient, Value) {
    let deadline = Instant::now() + CLUSTER_PATIENCE;
    let mut attempts = Vec::new();
    loop {
        match clients.try_agent_socket(token, resume).await {
            Ok(mut socket) => match socket.next().await {
                Ok(hello) if hello["type"] == "agent_hello" => return (socket, hello),
                Ok(other) => panic!("an agent socket began with {other}"),
                Err(closed) => attempts.push(format!("closed before hello: {closed:?}")),
            },
            Err(refused) => attempts.push(refused),
        }
        assert!(
            Instant::now() < deadline,
            "the agent could not reconnect to {}: {attempts:?}",
            clients.base
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Reads a socket until it closes: the frames that came first and how it closed.
pub async fn frames_until_closed(socket: &mut WsClient) -> (Vec<Value>, Closed) {
    let mut frames = Vec::new();
    loop {
        match socket.next().await {
            Ok(frame) => frames.push(frame),
            Err(closed) => return (frames, closed),
        }
    }
}

/// The close code of `closed`, if the peer sent a close frame with one.
pub fn close_code(closed: &Closed) -> Option<u16> {
    match closed {
        Closed::By(Some(reason)) => Some(reason.code.into()),
        _ => None,
    }
}
