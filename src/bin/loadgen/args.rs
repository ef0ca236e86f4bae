//! The load generator's command line.

use std::path::PathBuf;

pub const USAGE: &str = "\
loadgen: drives a real parley engine over its public protocol and reports what it measured

usage: loadgen [SCENARIO] [OPTIONS]

scenarios:
  smoke       a few seconds at a low rate: the correctness check only (CI runs this)
  messages    chats held by agents exchange messages at each --rate in turn (default 100,1000,5000)
  knee        raises the rate until p99 passes --goal-p99-ms or anything fails
  offers      visitors start chats at --rate per second; time until an agent is offered each
  burst       --chats chats started within one second; time until each is offered
  freed       every agent at capacity, --chats more waiting; agents free a slot one at a time:
              time from the end of a chat to the next offer
  idle        --chats visitors open a chat and stay idle: engine memory per session
  reconnect   every visitor socket drops, agents write, all reconnect at once: time to resume

options:
  --backend sqlite|postgres   the engine's store (default sqlite, a fresh file)
  --postgres-url URL          a PostgreSQL server to create a fresh database on
                              (default postgres://postgres@127.0.0.1:5432/postgres)
  --engine-bin PATH           the parley binary (default: next to this one)
  --agents N                  agents, each Available and accepting every offer (default 10)
  --capacity N                chats per agent, 1-20 (default 20)
  --chats N                   chats open during a message run (default 100)
  --idle-visitors N           messages, knee: N more visitors wait with an open socket during
                              the rates (default 0; the 15,000 sessions goal)
  --rate N[,N...]             messages per second (messages), chats per second (offers)
  --duration-ms N             length of each measured run (default 10000)
  --goal-p99-ms N             the knee's latency goal (default 15)
  --no-baseline               skip the bare WebSocket echo baseline
  --report FILE               also write the JSON report to FILE
  --engine-setting KEY=VALUE  an engine setting for the run, as its environment variable
                              (e.g. CHAT__DATABASE__POOL_SIZE=1); may be repeated
  --nodes N                   engine processes (default 1); more than one runs them as a
                              cluster (issue 11) and needs --backend postgres; agent i and
                              visitor j use node i % N and j % N
  --cluster                   with one node: run it in cluster mode all the same (needs
                              --backend postgres), to show what the cluster costs
  --nats-url URL              the NATS server of a cluster (default nats://127.0.0.1:4222)
  echo-server                 (internal) the baseline's echo server";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    Smoke,
    Messages,
    Knee,
    Offers,
    Burst,
    Idle,
    Reconnect,
    Freed,
    /// The baseline's server, run as a child process so that it has a process of its own.
    EchoServer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub scenario: Scenario,
    pub backend: Backend,
    pub postgres_url: String,
    pub engine_bin: Option<PathBuf>,
    pub agents: usize,
    pub capacity: u32,
    pub chats: usize,
    /// Waiting visitors with an open socket, opened before the message rates (the 15,000
    /// concurrent sessions goal).
    pub idle_visitors: usize,
    pub rates: Vec<u32>,
    pub duration_ms: u64,
    pub goal_p99_ms: f64,
    pub baseline: bool,
    pub report: Option<PathBuf>,
    /// Extra environment for the engine: settings to compare (CHAT__SECTION__KEY, VALUE).
    pub engine_settings: Vec<(String, String)>,
    /// Engine processes; more than one form a cluster on one PostgreSQL database.
    pub nodes: usize,
    /// Cluster mode even for one node (always on for more than one).
    pub cluster: bool,
    pub nats_url: String,
}

impl Options {
    /// Whether the engine runs in cluster mode (issue 11).
    pub fn clustered(&self) -> bool {
        self.cluster || self.nodes > 1
    }
}

impl Options {
    fn defaults(scenario: Scenario) -> Options {
        let (chats, rates, duration_ms) = match scenario {
            Scenario::Smoke => (6, vec![60], 2_000),
            Scenario::Offers => (0, vec![50], 10_000),
            Scenario::Burst => (500, vec![500], 1_000),
            Scenario::Idle => (1_000, vec![100], 10_000),
            Scenario::Freed => (20, vec![1], 0),
            _ => (100, vec![100, 1_000, 5_000], 10_000),
        };
        Options {
            scenario,
            backend: Backend::Sqlite,
            postgres_url: "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
            engine_bin: None,
            agents: if scenario == Scenario::Smoke { 2 } else { 10 },
            capacity: 20,
            chats,
            idle_visitors: 0,
            rates,
            duration_ms,
            goal_p99_ms: 15.0,
            baseline: scenario != Scenario::Smoke,
            report: None,
            engine_settings: Vec::new(),
            nodes: 1,
            cluster: false,
            nats_url: "nats://127.0.0.1:4222".to_owned(),
        }
    }
}

pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut words = args.iter().map(String::as_str).peekable();
    let scenario = match words.peek().copied() {
        Some(word) if !word.starts_with("--") => {
            words.next();
            match word {
                "smoke" => Scenario::Smoke,
                "messages" => Scenario::Messages,
                "knee" => Scenario::Knee,
                "offers" => Scenario::Offers,
                "burst" => Scenario::Burst,
                "idle" => Scenario::Idle,
                "reconnect" => Scenario::Reconnect,
                "freed" => Scenario::Freed,
                "echo-server" => Scenario::EchoServer,
                other => return Err(format!("unknown scenario {other:?}")),
            }
        }
        _ => Scenario::Messages,
    };
    let mut options = Options::defaults(scenario);
    while let Some(flag) = words.next() {
        if flag == "--no-baseline" {
            options.baseline = false;
            continue;
        }
        if flag == "--cluster" {
            options.cluster = true;
            continue;
        }
        let value = words
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?;
        match flag {
            "--backend" => {
                options.backend = match value {
                    "sqlite" => Backend::Sqlite,
                    "postgres" => Backend::Postgres,
                    other => return Err(format!("unknown backend {other:?}")),
                }
            }
            "--postgres-url" => options.postgres_url = value.to_owned(),
            "--engine-bin" => options.engine_bin = Some(PathBuf::from(value)),
            "--agents" => options.agents = number(flag, value)?,
            "--capacity" => options.capacity = number(flag, value)?,
            "--chats" => options.chats = number(flag, value)?,
            "--idle-visitors" => options.idle_visitors = number(flag, value)?,
            "--rate" => {
                options.rates = value
                    .split(',')
                    .map(|rate| number(flag, rate))
                    .collect::<Result<_, _>>()?
            }
            "--duration-ms" => options.duration_ms = number(flag, value)?,
            "--goal-p99-ms" => options.goal_p99_ms = number(flag, value)?,
            "--report" => options.report = Some(PathBuf::from(value)),
            "--nodes" => options.nodes = number(flag, value)?,
            "--nats-url" => options.nats_url = value.to_owned(),
            "--engine-setting" => match value.split_once('=') {
                Some((key, setting)) if key.starts_with("CHAT__") => options
                    .engine_settings
                    .push((key.to_owned(), setting.to_owned())),
                _ => {
                    return Err(format!(
                        "--engine-setting takes CHAT__SECTION__KEY=VALUE, not {value:?}"
                    ))
                }
            },
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.agents == 0 || !(1..=20).contains(&options.capacity) {
        return Err("at least one agent, with a capacity of 1 to 20".to_owned());
    }
    let room = options.agents * options.capacity as usize;
    let needs_room = matches!(
        scenario,
        Scenario::Smoke | Scenario::Messages | Scenario::Knee | Scenario::Reconnect
    );
    if needs_room && (options.chats == 0 || options.chats > room) {
        return Err(format!(
            "--chats must be 1 to agents × capacity ({room}) so that every chat is held"
        ));
    }
    if options.rates.contains(&0) {
        return Err("a rate is at least 1".to_owned());
    }
    if options.nodes == 0 {
        return Err("--nodes is at least 1".to_owned());
    }
    // Cluster mode keeps its lease and its store in PostgreSQL; a SQLite file has one engine.
    if options.clustered() && options.backend != Backend::Postgres {
        return Err(format!(
            "{} runs the engine in cluster mode, which needs --backend postgres \
             (nodes share one PostgreSQL database; SQLite serves a single node)",
            if options.nodes > 1 {
                format!("--nodes {}", options.nodes)
            } else {
                "--cluster".to_owned()
            }
        ));
    }
    Ok(options)
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} takes a number, not {value:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(line: &str) -> Result<Options, String> {
        let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        parse(&args)
    }

    #[test]
    fn a_scenario_comes_first_and_flags_override_its_defaults() {
        let options = parse_words("knee --rate 100,200 --agents 5 --no-baseline").unwrap();
        assert_eq!(options.scenario, Scenario::Knee);
        assert_eq!(options.rates, vec![100, 200]);
        assert_eq!(options.agents, 5);
        assert!(!options.baseline);
        assert_eq!(parse_words("").unwrap().scenario, Scenario::Messages);
    }

    #[test]
    fn every_chat_of_a_message_run_must_find_an_agent() {
        assert!(parse_words("messages --agents 2 --capacity 5 --chats 11").is_err());
        assert!(parse_words("messages --agents 2 --capacity 5 --chats 10").is_ok());
        assert!(parse_words("offers --agents 1 --capacity 1").is_ok());
    }

    #[test]
    fn bad_input_is_named() {
        assert!(parse_words("fly").unwrap_err().contains("fly"));
        assert!(parse_words("--rate x").unwrap_err().contains("--rate"));
        assert!(parse_words("--rate 0").is_err());
        assert!(parse_words("--agents")
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse_words("--nodes 0").is_err());
    }

    #[test]
    fn several_nodes_or_cluster_mode_need_postgres() {
        let refused = parse_words("smoke --nodes 3").unwrap_err();
        assert!(refused.contains("--nodes 3") && refused.contains("--backend postgres"));
        assert!(parse_words("smoke --cluster")
            .unwrap_err()
            .contains("--cluster"));
        let options = parse_words("smoke --nodes 3 --backend postgres --nats-url nats://h:1")
            .expect("three nodes on PostgreSQL");
        assert_eq!((options.nodes, options.clustered()), (3, true));
        assert_eq!(options.nats_url, "nats://h:1");
        let one = parse_words("smoke --backend postgres").unwrap();
        assert!(!one.clustered(), "one node stays a plain engine");
        assert!(parse_words("smoke --backend postgres --cluster")
            .unwrap()
            .clustered());
    }
}
