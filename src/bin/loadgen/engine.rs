//! The engine under load: a fresh store prepared through the engine's own library (queue,
//! agents, supervisor), then the real `parley` binary started on it as a child process, so
//! its CPU time and memory are its own; or several of them as the nodes of a cluster on one
//! PostgreSQL database and one NATS server (issue 11), whose CPU and memory are summed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use parley::clock::now_ms;
use parley::credentials;
use parley::seed;
use parley::settings::Settings;
use parley::store::{self, users::NewUser, Db};

use serde_json::{json, Value};

use crate::args::{Backend, Options};
use crate::net;

pub const PASSWORD: &str = "loadgen-password";

/// A running engine (one process, or the nodes of a cluster) and what it needs cleaned up.
pub struct Engine {
    nodes: Vec<Node>,
    pub agents: Vec<String>,
    /// The cluster's name and NATS server when the engine runs in cluster mode.
    cluster: Option<(String, String)>,
    database: Database,
}

/// One `parley serve` process and the address it serves clients on.
pub struct Node {
    child: Child,
    /// Its cluster node id (`None` for a plain engine).
    pub id: Option<String>,
    pub base: String,
    pub ws_base: String,
}

enum Database {
    Sqlite { dir: PathBuf },
    Postgres { admin_url: String, name: String },
}

/// How long the nodes of a cluster may take to agree on a leader: far longer than a lease.
const LEADER_PATIENCE: Duration = Duration::from_secs(30);

impl Engine {
    pub async fn start(options: &Options) -> Result<Engine, String> {
        let unique = format!("loadgen_{}_{}", std::process::id(), now_ms());
        let (database, url) = match options.backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(&unique);
                std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let url = dir.join("parley.db").display().to_string();
                (Database::Sqlite { dir }, url)
            }
            Backend::Postgres => {
                let admin_url = options.postgres_url.clone();
                create_postgres_database(&admin_url, &unique)?;
                let url = with_database(&admin_url, &unique);
                let database = Database::Postgres {
                    admin_url,
                    name: unique.clone(),
                };
                (database, url)
            }
        };
        // The database's name is unique to the run, and so is the cluster's: two runs on one
        // NATS server never hear each other's subjects.
        let cluster = options
            .clustered()
            .then(|| (unique.clone(), options.nats_url.clone()));
        let mut engine = Engine {
            nodes: Vec::new(),
            agents: Vec::new(),
            cluster,
            database,
        };
        engine.agents = prepare_store(&url, options)?;
        let binary = engine_binary(options)?;
        engine
            .nodes
            .push(engine.spawn_node(&binary, &url, options, 1)?);
        if engine.cluster.is_none() {
            return Ok(engine);
        }
        // Node 1 takes the lease first, so that the run always knows which node leads (and
        // so does the report); the others join as followers.
        let first = &engine.nodes[0];
        wait_for(first, "/cluster/status", |status| {
            status["is_leader"] == true
        })
        .await
        .map_err(|last| format!("node1 did not become the leader: {last}"))?;
        for number in 2..=options.nodes {
            let node = engine.spawn_node(&binary, &url, options, number)?;
            engine.nodes.push(node);
        }
        // Every node names node 1 as the leader and can serve (the leader's engine is up, a
        // follower reaches it over NATS) before the first client comes.
        let leader = engine.nodes[0].id.clone();
        for node in &engine.nodes {
            let id = node.id.as_deref().unwrap_or_default();
            wait_for(node, "/cluster/status", |status| {
                status["leader"].as_str() == leader.as_deref()
            })
            .await
            .map_err(|last| format!("{id} does not follow {leader:?}: {last}"))?;
            wait_for(node, "/readyz", |ready| ready["status"] == "ready")
                .await
                .map_err(|last| format!("{id} is not ready: {last}"))?;
        }
        Ok(engine)
    }

    /// Starts node `number` (from 1) and reads the address it serves on.
    fn spawn_node(
        &self,
        binary: &Path,
        url: &str,
        options: &Options,
        number: usize,
    ) -> Result<Node, String> {
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .env("CHAT__DATABASE__URL", url)
            .env("CHAT__SERVER__PORT", "0")
            .env("CHAT__LOG__FILTER", "warn")
            .env("CHAT__DATABASE__POOL_SIZE", "8")
            // Every chat of a run is held for the whole run: nothing may time out under it.
            .env("CHAT__CHATS__UNATTENDED_TIMEOUT_MS", "0")
            // Issue 10: every simulated visitor comes from 127.0.0.1 and writes faster than a
            // person; the abuse limits would refuse the run, which measures the engine.
            .env("CHAT__LIMITS__EXEMPT_LOOPBACK", "true")
            .env("CHAT__LIMITS__MESSAGES_PER_CHAT__MAX", "0");
        let id = match &self.cluster {
            Some((name, nats_url)) => {
                let id = format!("node{number}");
                command
                    .env("CHAT__CLUSTER__ENABLED", "true")
                    .env("CHAT__CLUSTER__NAME", name)
                    .env("CHAT__CLUSTER__NODE_ID", &id)
                    .env("CHAT__CLUSTER__NATS_URL", nats_url);
                Some(id)
            }
            None => None,
        };
        let mut child = command
            .envs(options.engine_settings.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        // A cluster node's log lines (warnings and errors: a lost lease, a NATS outage) go to
        // the generator's standard error, named; a single engine's are dropped, as before.
        let address = read_address(&mut child, "parley listening on http://", id.as_deref())?;
        Ok(Node {
            child,
            id,
            base: format!("http://{address}"),
            ws_base: format!("ws://{address}"),
        })
    }

    /// The engine processes that have exited, each with its status ("node2 stopped: exit
    /// status: 75").
    pub fn stopped(&mut self) -> Vec<String> {
        self.nodes
            .iter_mut()
            .enumerate()
            .filter_map(|(index, node)| {
                let status = node.child.try_wait().ok().flatten()?;
                let name = node
                    .id
                    .clone()
                    .unwrap_or_else(|| format!("engine {}", index + 1));
                Some(format!("{name} stopped during the run: {status}"))
            })
            .collect()
    }

    /// The node a client numbered `index` uses: round robin over the nodes.
    pub fn node(&self, index: usize) -> &Node {
        &self.nodes[index % self.nodes.len()]
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Each node's CPU time and memory now, in node order.
    pub fn samples(&self) -> Vec<Option<ProcessSample>> {
        self.nodes
            .iter()
            .map(|node| sample(node.child.id()))
            .collect()
    }

    /// The nodes' CPU time and memory summed (`None` if any node cannot be sampled).
    pub fn sample(&self) -> Option<ProcessSample> {
        total(&self.samples())
    }

    /// What the report says of the engine: its nodes, and the cluster they form.
    pub fn describe(&self) -> Value {
        let nodes: Vec<Value> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(index, node)| {
                json!({
                    "node": node.id,
                    "address": node.base,
                    // Node 1 is made the leader at start (see `start`).
                    "leader_at_start": self.cluster.is_some() && index == 0,
                })
            })
            .collect();
        json!({
            "nodes": nodes,
            "cluster": self.cluster.as_ref().map(|(name, nats_url)| {
                json!({ "name": name, "nats_url": nats_url })
            }),
        })
    }
}

/// The sum of `samples`, or `None` if one is missing.
pub fn total(samples: &[Option<ProcessSample>]) -> Option<ProcessSample> {
    samples
        .iter()
        .try_fold(ProcessSample::default(), |sum, one| {
            let one = (*one)?;
            Some(ProcessSample {
                cpu_micros: sum.cpu_micros + one.cpu_micros,
                rss_bytes: sum.rss_bytes + one.rss_bytes,
            })
        })
}

/// Polls `GET path` on the node until `wanted` holds of a 200 answer, for at most
/// `LEADER_PATIENCE`. On timeout, the last answer (or failure), for the message.
async fn wait_for(node: &Node, path: &str, wanted: impl Fn(&Value) -> bool) -> Result<(), String> {
    let deadline = Instant::now() + LEADER_PATIENCE;
    let mut last = String::from("no answer yet");
    while Instant::now() < deadline {
        let request = net::client().get(format!("{}{path}", node.base));
        match net::call(request, None).await {
            Ok((200, answer)) if wanted(&answer) => return Ok(()),
            Ok((code, answer)) => last = format!("HTTP {code} {answer}"),
            Err(problem) => last = problem,
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    Err(last)
}

/// Reads the child's output until the line that starts with `prefix` and returns the word
/// after it (the address it listens on); then keeps draining its output, so that a full pipe
/// never blocks it: to standard error, each line after `[label]`, when a label is given.
pub fn read_address(
    child: &mut Child,
    prefix: &str,
    label: Option<&str>,
) -> Result<String, String> {
    let stdout = child.stdout.take().ok_or("the child has no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) => {
                // A cluster node adds its name after the address: "(cluster node node1)".
                let address = line
                    .strip_prefix(prefix)
                    .and_then(|rest| rest.split_whitespace().next());
                if let Some(address) = address {
                    let address = address.to_owned();
                    let label = label.map(str::to_owned);
                    std::thread::spawn(move || {
                        for line in lines.map_while(Result::ok) {
                            if let Some(label) = &label {
                                eprintln!("[{label}] {line}");
                            }
                        }
                    });
                    return Ok(address);
                }
            }
            _ => {
                let _ = child.kill();
                return Err(format!("the child stopped before it printed {prefix:?}"));
            }
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            let _ = node.child.kill();
        }
        for node in &mut self.nodes {
            let _ = node.child.wait();
        }
        match &self.database {
            Database::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Database::Postgres { admin_url, name } => drop_postgres_database(admin_url, name),
        }
    }
}

fn engine_binary(options: &Options) -> Result<PathBuf, String> {
    if let Some(path) = &options.engine_bin {
        return Ok(path.clone());
    }
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let sibling = me.with_file_name("parley");
    if sibling.exists() {
        Ok(sibling)
    } else {
        Err(format!(
            "no engine binary at {}; build it (cargo build --release) or pass --engine-bin",
            sibling.display()
        ))
    }
}

/// Migrates, seeds the demo website and queue, and adds the agents (all in the demo queue,
/// with the run's capacity). Returns the agents' usernames.
fn prepare_store(url: &str, options: &Options) -> Result<Vec<String>, String> {
    let mut settings = Settings::load_with(None, config::Environment::with_prefix("LOADGEN_NONE"))
        .map_err(|e| e.to_string())?;
    settings.database.url = url.to_owned();
    settings.demo.agent_password = PASSWORD.to_owned();
    settings.demo.supervisor_password = PASSWORD.to_owned();
    settings.demo.admin_password = PASSWORD.to_owned();
    // An offer waits and a hunt goes on far longer than any run: offers are all accepted.
    settings.routing.offer_timeout_ms = 600_000;
    settings.routing.hunt_timeout_ms = 3_600_000;
    let db = Db::connect(&settings.database).map_err(|e| e.to_string())?;
    db.migrate().map_err(|e| e.to_string())?;
    seed::seed_if_empty(&db, &settings).map_err(|e| e.to_string())?;
    // One hash for every agent: hashing is deliberately slow, and these are throwaway accounts.
    let hash = credentials::hash_password(PASSWORD).map_err(|e| e.to_string())?;
    let agents: Vec<String> = (1..=options.agents).map(|i| format!("lg{i}")).collect();
    let capacity = options.capacity as i32;
    db.run_now(|conn| {
        let queue = store::queues::all(conn)?
            .first()
            .map(|q| parley::domain::ids::QueueId(q.id))
            .ok_or_else(|| store::StoreError::Setup("the seed made no queue".to_owned()))?;
        for (order, username) in agents.iter().enumerate() {
            let id = store::users::insert(
                conn,
                &NewUser {
                    username,
                    display_name: username,
                    role: "agent",
                    password_hash: &hash,
                    active: true,
                    capacity,
                    presence: "offline",
                    created_at_ms: now_ms(),
                },
            )?;
            store::queues::add_member(conn, queue, id, order as i32 + 1)?;
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    Ok(agents)
}

fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    format!("{server}/{name}{query}")
}

fn create_postgres_database(admin_url: &str, name: &str) -> Result<(), String> {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    let mut conn = PgConnection::establish(admin_url).map_err(|e| e.to_string())?;
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn drop_postgres_database(admin_url: &str, name: &str) {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    if let Ok(mut conn) = PgConnection::establish(admin_url) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn);
    }
}

/// What `/proc` says of a process: CPU time used so far and resident memory.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessSample {
    pub cpu_micros: u64,
    pub rss_bytes: u64,
}

/// Linux only: `/proc/<pid>/stat` (user + system time in clock ticks) and
/// `/proc/<pid>/status` (`VmRSS`). `None` where there is no `/proc`.
pub fn sample(pid: u32) -> Option<ProcessSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it are plain numbers.
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the state (field 3).
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())?;
    Some(ProcessSample {
        cpu_micros: ticks * 1_000_000 / clock_ticks_per_second(),
        rss_bytes: rss_kib * 1024,
    })
}

/// `getconf CLK_TCK`, 100 on every Linux this runs on when it cannot be asked.
fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .filter(|ticks| *ticks > 0)
        .unwrap_or(100)
}
