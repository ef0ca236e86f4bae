//! The scenarios: agents and visitors on real sockets, an open-loop message schedule, the
//! time to offer, and the report each produces.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix_web::rt;
use serde_json::{json, Value};

use crate::args::{Options, Scenario};
use crate::engine::{self, Engine, PASSWORD};
use crate::histogram::Histogram;
use crate::net::{self, Socket};
use crate::schedule::Schedule;
use crate::tally::{message_text, parse_message, Direction, Tally};

/// An origin the demo website allows (R2).
const ORIGIN: &str = "http://localhost";

/// Everything the sockets' handlers share; one thread, so a `RefCell` is enough.
struct Shared {
    epoch: Instant,
    tally: Tally,
    /// R18: when each chat was asked for, and the time from then to its first offer.
    requested_at: HashMap<i64, Instant>,
    offered_at: HashMap<i64, Instant>,
    time_to_offer: Histogram,
    /// The socket of the agent holding each chat, for agent→visitor messages.
    holder: HashMap<i64, Socket>,
    /// Agents end every chat they are given at once (offer scenarios: capacity stays free).
    release_at_once: bool,
    /// The last event each visitor saw, to resume from (6.5 of the protocol).
    visitor_seq: HashMap<i64, i64>,
    /// The reconnect storm drops the visitors' sockets on purpose.
    visitors_dropped: bool,
    /// The run is over: sockets closing now are the generator's own doing.
    finished: bool,
    /// Which agent holds each chat.
    agent_of: HashMap<i64, usize>,
    /// Chats whose end a visitor saw.
    ended: HashSet<i64>,
    /// R73: agents that just freed a slot, since when; the time to their next offer.
    freeing: HashMap<usize, Instant>,
    after_free: Histogram,
    /// Visitors started so far: visitor j goes to node j % N.
    visitors_started: usize,
}

type State = Rc<RefCell<Shared>>;

impl Shared {
    fn micros_since_epoch(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }

    fn offered(&mut self, chat: i64, at: Instant) {
        if self.offered_at.insert(chat, at).is_some() {
            return;
        }
        if let Some(asked) = self.requested_at.get(&chat) {
            let waited = at.saturating_duration_since(*asked).as_micros() as u64;
            self.time_to_offer.record(waited);
        }
    }

    fn requested(&mut self, chat: i64, at: Instant) {
        self.requested_at.insert(chat, at);
        // The offer may have come before the answer to the start request.
        if let Some(offered) = self.offered_at.get(&chat) {
            let waited = offered.saturating_duration_since(at).as_micros() as u64;
            self.time_to_offer.record(waited);
        }
    }
}

/// Runs the scenario the options name and returns its report.
pub async fn run(options: &Options) -> Result<Value, String> {
    let mut engine = Engine::start(options).await?;
    let outcome = drive(options, &engine).await;
    // An engine process that stopped during the run (a panic, a cluster node that lost its
    // lease) is a finding of its own, and explains whatever failed after it.
    let stopped = engine.stopped();
    match outcome {
        Ok(mut report) => {
            if !stopped.is_empty() {
                report["check"]["passed"] = json!(false);
                if let Some(problems) = report["check"]["problems"].as_array_mut() {
                    problems.extend(stopped.into_iter().map(Value::String));
                }
            }
            Ok(report)
        }
        Err(problem) if stopped.is_empty() => Err(problem),
        Err(problem) => Err(format!("{problem} ({})", stopped.join("; "))),
    }
}

/// Drives the running engine through the scenario.
async fn drive(options: &Options, engine: &Engine) -> Result<Value, String> {
    let state: State = Rc::new(RefCell::new(Shared {
        epoch: Instant::now(),
        tally: Tally::default(),
        requested_at: HashMap::new(),
        offered_at: HashMap::new(),
        time_to_offer: Histogram::default(),
        holder: HashMap::new(),
        release_at_once: matches!(options.scenario, Scenario::Offers | Scenario::Burst),
        visitor_seq: HashMap::new(),
        visitors_dropped: false,
        finished: false,
        agent_of: HashMap::new(),
        ended: HashSet::new(),
        freeing: HashMap::new(),
        after_free: Histogram::default(),
        visitors_started: 0,
    }));
    let idle = engine.sample();
    let agents = connect_agents(engine, &state).await?;
    let mut report = json!({
        "scenario": format!("{:?}", options.scenario).to_lowercase(),
        "backend": format!("{:?}", options.backend).to_lowercase(),
        "agents": options.agents,
        "capacity": options.capacity,
        "engine_idle_rss_bytes": idle.map(|s| s.rss_bytes),
        "engine": engine.describe(),
    });
    let supervisor = login(&engine.node(0).base, "supervisor").await?;
    let capacity = options.capacity as usize;
    let problems = match options.scenario {
        Scenario::Offers | Scenario::Burst => {
            let (offers, mut problems) = offer_runs(options, engine, &state).await?;
            report["offers"] = offers;
            problems.extend(state.borrow().tally.problems(&HashMap::new(), capacity));
            problems
        }
        Scenario::Idle => {
            report["idle"] = idle_sessions(options, engine, &state).await?;
            Vec::new()
        }
        Scenario::Freed => {
            let room = options.agents * options.capacity as usize;
            open_chats(room, engine, &state, true).await?;
            report["freed"] = freed_slots(options, engine, &state).await?;
            state.borrow().tally.problems(&HashMap::new(), capacity)
        }
        Scenario::Reconnect => {
            let mut chats = open_chats(options.chats, engine, &state, true).await?;
            report["reconnect"] = reconnect_storm(engine, &state, &mut chats).await?;
            let stored = stored_messages(engine, &supervisor, &chats).await?;
            state.borrow().tally.problems(&stored, capacity)
        }
        _ => {
            let chats = open_chats(options.chats, engine, &state, true).await?;
            report["time_to_offer_setup"] = state.borrow().time_to_offer.summary();
            // Every agent is at capacity now, so these stay waiting (hunts last an hour).
            let started = Instant::now();
            let idle = open_chats(options.idle_visitors, engine, &state, false).await?;
            if !idle.is_empty() {
                rt::time::sleep(Duration::from_secs(2)).await;
                report["idle_visitors"] = json!({
                    "sessions": idle.len(),
                    "opening_secs": started.elapsed().as_secs_f64(),
                    "engine_rss_bytes": engine.sample().map(|s| s.rss_bytes),
                });
            }
            report["runs"] = message_runs(options, engine, &state, &chats).await?;
            let stored = stored_messages(engine, &supervisor, &chats).await?;
            state.borrow().tally.problems(&stored, capacity)
        }
    };
    state.borrow_mut().finished = true;
    drop(agents);
    let errors = state.borrow().tally.errors.clone();
    let mut all_problems = problems;
    all_problems.extend(errors.iter().map(|e| format!("error: {e}")));
    report["check"] = json!({
        "passed": all_problems.is_empty(),
        "sent": state.borrow().tally.total_sent(),
        "delivered": state.borrow().tally.total_delivered(),
        "problems": all_problems.iter().take(50).collect::<Vec<_>>(),
    });
    Ok(report)
}

/// Logs `username` in on `base` (any node: sessions live in the shared store).
async fn login(base: &str, username: &str) -> Result<String, String> {
    let request = net::client().post(format!("{base}/api/v1/auth/login"));
    let body = json!({ "username": username, "password": PASSWORD });
    let (status, answer) = net::call(request, Some(&body)).await?;
    match answer["token"].as_str() {
        Some(token) if status == 200 => Ok(token.to_owned()),
        _ => Err(format!("login of {username}: HTTP {status} {answer}")),
    }
}

/// Every agent logs in, opens its dashboard socket and goes Available; each accepts every
/// offer it gets. Agent i uses node i % N.
async fn connect_agents(engine: &Engine, state: &State) -> Result<Vec<Socket>, String> {
    let mut sockets = Vec::new();
    for (index, username) in engine.agents.iter().enumerate() {
        let node = engine.node(index);
        let token = login(&node.base, username).await?;
        let request = net::client()
            .ws(format!("{}/api/v1/agent/ws", node.ws_base))
            .bearer_auth(&token);
        let shared = state.clone();
        let socket = net::connect(request, move |socket| {
            move |frame: Value| agent_frame(&shared, index, &socket, frame)
        })
        .await?;
        socket.send(&json!({ "type": "set_presence", "presence": "available" }));
        sockets.push(socket);
    }
    Ok(sockets)
}

fn agent_frame(state: &State, agent: usize, socket: &Socket, frame: Value) {
    let now = Instant::now();
    let mut shared = state.borrow_mut();
    let chat = frame["chat_id"].as_i64().unwrap_or_default();
    match frame["type"].as_str().unwrap_or_default() {
        "offer" => {
            shared.offered(chat, now);
            if let Some(freed) = shared.freeing.remove(&agent) {
                let waited = now.saturating_duration_since(freed).as_micros() as u64;
                shared.after_free.record(waited);
            }
            socket.send(&json!({ "type": "accept_offer", "chat_id": chat }));
        }
        "chat_assigned" => {
            shared.tally.assigned(chat, agent);
            shared.agent_of.insert(chat, agent);
            if shared.release_at_once {
                socket.send(&json!({ "type": "end_chat", "chat_id": chat }));
            } else {
                shared.holder.insert(chat, socket.clone());
            }
        }
        "event" => match frame["kind"].as_str().unwrap_or_default() {
            "message" if frame["author"]["kind"] == "visitor" => {
                received(&mut shared, chat, &frame);
            }
            "chat_ended" => shared.tally.released(agent),
            _ => {}
        },
        // R50: the agent gives the default wrap-up at once, freeing the chat's slot.
        "wrap_up_required" => {
            let reason = frame["default_reason_id"].clone();
            socket.send(&json!({ "type": "submit_wrap_up", "chat_id": chat,
                                 "reason_id": reason }));
        }
        "error" => shared.tally.errors.push(frame.to_string()),
        // A slow consumer is disconnected by the engine (protocol 6.8): a finding, not noise.
        net::CLOSED if !shared.finished => {
            let problem = format!("agent {agent}'s socket closed during the run");
            shared.tally.errors.push(problem);
        }
        _ => {}
    }
}

fn received(shared: &mut Shared, chat: i64, frame: &Value) {
    let now = shared.micros_since_epoch();
    if let Some((direction, k, intended)) = frame["text"].as_str().and_then(parse_message) {
        shared
            .tally
            .received(chat, direction, k, now.saturating_sub(intended));
    }
}

/// A visitor who started a chat and has its socket open.
struct Visitor {
    chat: i64,
    token: String,
    socket: Socket,
    /// The visitor's number, which picks its node.
    number: usize,
}

/// Starts `count` chats, each with its visitor socket, and (if `all_held`) waits
/// until agents hold them all.
async fn open_chats(
    count: usize,
    engine: &Engine,
    state: &State,
    all_held: bool,
) -> Result<Vec<Visitor>, String> {
    let mut visitors = Vec::new();
    for i in 0..count {
        let number = next_visitor(state);
        let node = engine.node(number);
        let (chat, token) = start_chat(&node.base, state, format!("Visitor {i}")).await?;
        let socket = visitor_socket(&node.ws_base, state, chat, &token, 0).await?;
        visitors.push(Visitor {
            chat,
            token,
            socket,
            number,
        });
    }
    if !all_held {
        return Ok(visitors);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while state.borrow().tally.assigned_chats() < count {
        if Instant::now() > deadline {
            return Err(format!(
                "only {} of {} chats were taken by an agent",
                state.borrow().tally.assigned_chats(),
                count
            ));
        }
        rt::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(visitors)
}

/// The number of the next visitor (from 0): visitor j uses node j % N.
fn next_visitor(state: &State) -> usize {
    let mut shared = state.borrow_mut();
    shared.visitors_started += 1;
    shared.visitors_started - 1
}

/// The visitor's socket on chat `chat`, replaying what came after `after_seq`.
async fn visitor_socket(
    ws_base: &str,
    state: &State,
    chat: i64,
    token: &str,
    after_seq: i64,
) -> Result<Socket, String> {
    let request = net::client().ws(format!(
        "{ws_base}/api/v1/chats/{chat}/ws?token={token}&after_seq={after_seq}"
    ));
    let shared = state.clone();
    net::connect(request, move |_| {
        move |frame: Value| visitor_frame(&shared, chat, frame)
    })
    .await
}

/// A visitor named `name` starts a chat on the demo website; its id and token. The time it
/// was asked for is noted for the time to offer.
async fn start_chat(base: &str, state: &State, name: String) -> Result<(i64, String), String> {
    let request = net::client()
        .post(format!("{base}/api/v1/websites/demo/chats"))
        .insert_header(("Origin", ORIGIN));
    let body = json!({ "name": name });
    let asked = Instant::now();
    let (status, answer) = net::call(request, Some(&body)).await?;
    let chat = answer["chat_id"].as_i64();
    let token = answer["visitor_token"].as_str();
    match (status, chat, token) {
        (201, Some(chat), Some(token)) => {
            state.borrow_mut().requested(chat, asked);
            Ok((chat, token.to_owned()))
        }
        _ => Err(format!("start chat: HTTP {status} {answer}")),
    }
}

fn visitor_frame(state: &State, chat: i64, frame: Value) {
    let mut shared = state.borrow_mut();
    if let Some(seq) = frame["seq"].as_i64() {
        let last = shared.visitor_seq.entry(chat).or_default();
        *last = (*last).max(seq);
    }
    match frame["type"].as_str().unwrap_or_default() {
        "event" if frame["kind"] == "message" && frame["author"]["kind"] == "agent" => {
            received(&mut shared, chat, &frame);
        }
        "error" => shared.tally.errors.push(frame.to_string()),
        "event" if frame["kind"] == "chat_ended" => {
            shared.ended.insert(chat);
        }
        // The engine closes a visitor's socket after its chat ended (protocol 6.9).
        net::CLOSED
            if !shared.finished && !shared.visitors_dropped && !shared.ended.contains(&chat) =>
        {
            let problem = format!("the visitor socket of chat {chat} closed during the run");
            shared.tally.errors.push(problem);
        }
        _ => {}
    }
}

/// One measured run per rate (the knee: rising rates until the goal is missed).
async fn message_runs(
    options: &Options,
    engine: &Engine,
    state: &State,
    visitors: &[Visitor],
) -> Result<Value, String> {
    let mut runs = Vec::new();
    let rates: Vec<u32> = match options.scenario {
        Scenario::Knee => KNEE_RATES.to_vec(),
        _ => options.rates.clone(),
    };
    let mut knee = None;
    // Each chat's messages are numbered across runs, so the check sees one sequence per chat.
    let mut numbers = vec![0u64; visitors.len()];
    for rate in rates {
        let run = message_run(options, engine, state, visitors, &mut numbers, rate).await;
        let p99 = run["visitor_to_agent"]["p99_ms"]
            .as_f64()
            .unwrap_or(f64::MAX);
        let clean = run["lost"] == 0 && state.borrow().tally.errors.is_empty();
        runs.push(run);
        if options.scenario == Scenario::Knee {
            if !clean || p99 > options.goal_p99_ms {
                break;
            }
            knee = Some(rate);
        }
    }
    if options.scenario == Scenario::Knee {
        return Ok(
            json!({ "knee_msgs_per_sec": knee, "goal_p99_ms": options.goal_p99_ms,
                          "steps": runs }),
        );
    }
    Ok(Value::Array(runs))
}

const KNEE_RATES: [u32; 10] = [
    250, 500, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000,
];

/// Sends `rate` messages per second for the run's duration, spread over the chats in turn
/// and alternating direction per chat, each at its intended time however late the sender is
/// (open loop); then waits for the stragglers and reports.
async fn message_run(
    options: &Options,
    engine: &Engine,
    state: &State,
    visitors: &[Visitor],
    numbers: &mut [u64],
    rate: u32,
) -> Value {
    {
        let mut shared = state.borrow_mut();
        shared.tally.visitor_to_agent = Histogram::default();
        shared.tally.agent_to_visitor = Histogram::default();
    }
    let before = engine.samples();
    let (sent_before, delivered_before) = {
        let shared = state.borrow();
        (shared.tally.total_sent(), shared.tally.total_delivered())
    };
    let total = (u64::from(rate) * options.duration_ms / 1000).max(1);
    let schedule = Schedule::new(rate);
    let mut late_sends = 0;
    for g in 0..total {
        let (intended, late) = schedule.due(g).await;
        if late {
            late_sends += 1;
        }
        let index = (g % visitors.len() as u64) as usize;
        let visitor = &visitors[index];
        let k = numbers[index];
        numbers[index] += 1;
        let direction = if k.is_multiple_of(2) {
            Direction::VisitorToAgent
        } else {
            Direction::AgentToVisitor
        };
        let mut shared = state.borrow_mut();
        let intended_micros = intended.saturating_duration_since(shared.epoch).as_micros() as u64;
        let text = message_text(direction, k, intended_micros);
        // As the widget and the dashboard do: every message carries its idempotency key,
        // which the engine stores and indexes with it (protocol 6.3).
        let client_key = format!("m{k}");
        let sent = match direction {
            Direction::VisitorToAgent => visitor
                .socket
                .send(&json!({ "type": "send_message", "text": text, "client_key": client_key })),
            Direction::AgentToVisitor => shared.holder.get(&visitor.chat).is_some_and(|agent| {
                agent.send(&json!({ "type": "send_message", "chat_id": visitor.chat,
                                   "text": text, "client_key": client_key }))
            }),
        };
        if sent {
            shared.tally.sent(visitor.chat, direction);
        }
    }
    let sending = schedule.elapsed();
    let goal = sent_before + total;
    let deadline = Instant::now() + Duration::from_secs(10);
    while state.borrow().tally.total_delivered() < goal && Instant::now() < deadline {
        rt::time::sleep(Duration::from_millis(5)).await;
    }
    let after = engine.samples();
    let shared = state.borrow();
    let delivered = shared.tally.total_delivered() - delivered_before;
    let per_message = |before: Option<engine::ProcessSample>,
                       after: Option<engine::ProcessSample>| {
        match (before, after) {
            (Some(b), Some(a)) if delivered > 0 => {
                Some(a.cpu_micros.saturating_sub(b.cpu_micros) as f64 / delivered as f64)
            }
            _ => None,
        }
    };
    // Every node's share, and their sum: a message costs the CPU of all the nodes it crossed.
    let cpu_per_message = per_message(engine::total(&before), engine::total(&after));
    let nodes: Vec<Value> = before
        .iter()
        .zip(&after)
        .enumerate()
        .map(|(index, (b, a))| {
            json!({
                "node": engine.node(index).id,
                "cpu_us_per_message": per_message(*b, *a),
                "rss_bytes": a.map(|s| s.rss_bytes),
            })
        })
        .collect();
    let after = engine::total(&after);
    json!({
        "rate_msgs_per_sec": rate,
        "sent": shared.tally.total_sent() - sent_before,
        "delivered": delivered,
        "lost": goal.saturating_sub(shared.tally.total_delivered()),
        "sending_secs": sending.as_secs_f64(),
        "late_sends": late_sends,
        "visitor_to_agent": shared.tally.visitor_to_agent.summary(),
        "agent_to_visitor": shared.tally.agent_to_visitor.summary(),
        "engine_cpu_us_per_message": cpu_per_message,
        "engine_rss_bytes": after.map(|s| s.rss_bytes),
        "engine_nodes": nodes,
    })
}

/// What the store kept: for each chat and direction, the message numbers in stored order,
/// read from the organisation log as a supervisor (R85).
async fn stored_messages(
    engine: &Engine,
    supervisor: &str,
    visitors: &[Visitor],
) -> Result<HashMap<(i64, Direction), Vec<u64>>, String> {
    let mut stored: HashMap<(i64, Direction), Vec<u64>> = HashMap::new();
    for visitor in visitors {
        let request = net::client()
            .get(format!(
                "{}/api/v1/chats/{}/log",
                engine.node(0).base,
                visitor.chat
            ))
            .bearer_auth(supervisor);
        let (status, log) = net::call(request, None).await?;
        if status != 200 {
            return Err(format!("log of chat {}: HTTP {status}", visitor.chat));
        }
        for event in log["events"].as_array().into_iter().flatten() {
            if let Some((direction, k, _)) = event["text"].as_str().and_then(parse_message) {
                stored.entry((visitor.chat, direction)).or_default().push(k);
            }
        }
    }
    Ok(stored)
}

/// R18: chats started at `rate` per second (offers) or all within one second (burst), each
/// ended by its agent as soon as it holds it; the time from the start request to the offer.
/// Also returns what went wrong: failed starts, chats never offered.
async fn offer_runs(
    options: &Options,
    engine: &Engine,
    state: &State,
) -> Result<(Value, Vec<String>), String> {
    let rate = options.rates.first().copied().unwrap_or(50);
    let count = match options.scenario {
        Scenario::Burst => options.chats,
        _ => (u64::from(rate) * options.duration_ms / 1000) as usize,
    };
    let spread = match options.scenario {
        Scenario::Burst => Duration::from_secs(1),
        _ => Duration::from_millis(options.duration_ms),
    };
    let start = Instant::now();
    let failures = Rc::new(RefCell::new(Vec::new()));
    let mut handles = Vec::new();
    for i in 0..count {
        let at = start + spread.mul_f64(i as f64 / count.max(1) as f64);
        rt::time::sleep_until(at.into()).await;
        let base = engine.node(next_visitor(state)).base.clone();
        let (shared, failures) = (state.clone(), failures.clone());
        handles.push(rt::spawn(async move {
            if let Err(e) = start_chat(&base, &shared, format!("Burst {i}")).await {
                failures.borrow_mut().push(e);
            }
        }));
    }
    for handle in handles {
        let _ = handle.await;
    }
    let all_queued = start.elapsed();
    let deadline = Instant::now() + Duration::from_secs(30);
    while state.borrow().time_to_offer.len() < count as u64 && Instant::now() < deadline {
        rt::time::sleep(Duration::from_millis(5)).await;
    }
    let shared = state.borrow();
    let failures = failures.borrow();
    let mut result = json!({
        "chats": count,
        "spread_secs": spread.as_secs_f64(),
        "all_started_secs": all_queued.as_secs_f64(),
        "offered": shared.time_to_offer.len(),
        "time_to_offer": shared.time_to_offer.summary(),
        "failed_starts": failures.len(),
    });
    let mut problems: Vec<String> = failures
        .iter()
        .take(5)
        .map(|f| format!("start failed: {f}"))
        .collect();
    let offered = shared.time_to_offer.len();
    if offered < count as u64 {
        problems.push(format!("{offered} of {count} chats were offered"));
    }
    result["failures"] = json!(problems);
    Ok((result, problems))
}

/// Memory per idle visitor session (socket open, chat loaded, waiting or held): the engine's
/// resident memory before and after `options.chats` visitors, once it has settled.
async fn idle_sessions(options: &Options, engine: &Engine, state: &State) -> Result<Value, String> {
    rt::time::sleep(Duration::from_millis(500)).await;
    let before = engine.sample();
    let started = Instant::now();
    let visitors = open_chats(options.chats, engine, state, false).await?;
    let opened = started.elapsed();
    rt::time::sleep(Duration::from_secs(2)).await;
    let after = engine.sample();
    let per_session = match (before, after) {
        (Some(b), Some(a)) if !visitors.is_empty() => {
            Some(a.rss_bytes.saturating_sub(b.rss_bytes) / visitors.len() as u64)
        }
        _ => None,
    };
    Ok(json!({
        "sessions": visitors.len(),
        "opening_secs": opened.as_secs_f64(),
        "rss_before_bytes": before.map(|s| s.rss_bytes),
        "rss_after_bytes": after.map(|s| s.rss_bytes),
        "bytes_per_session": per_session,
        "held_by_agents": state.borrow().tally.assigned_chats(),
    }))
}

/// A reconnect storm: every visitor socket drops, each agent writes once into each of its
/// chats meanwhile, then every visitor reconnects at once from the last event it saw; the
/// time until every session has resumed and got what it missed.
async fn reconnect_storm(
    engine: &Engine,
    state: &State,
    visitors: &mut [Visitor],
) -> Result<Value, String> {
    state.borrow_mut().visitors_dropped = true;
    for visitor in visitors.iter() {
        visitor.socket.close();
    }
    rt::time::sleep(Duration::from_millis(300)).await;
    let goal = {
        let mut shared = state.borrow_mut();
        let intended = shared.micros_since_epoch();
        for visitor in visitors.iter() {
            let Some(agent) = shared.holder.get(&visitor.chat).cloned() else {
                continue;
            };
            let text = message_text(Direction::AgentToVisitor, 0, intended);
            if agent.send(&json!({ "type": "send_message", "chat_id": visitor.chat,
                                   "text": text }))
            {
                shared.tally.sent(visitor.chat, Direction::AgentToVisitor);
            }
        }
        shared.tally.total_sent()
    };
    // The agents' messages are stored before the visitors come back.
    rt::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let mut reconnecting = Vec::new();
    for visitor in visitors.iter() {
        let after = state.borrow().visitor_seq.get(&visitor.chat).copied();
        let (chat, token) = (visitor.chat, visitor.token.clone());
        // With several nodes each visitor comes back on the next one: a client may resume
        // on any node (issue 11).
        let ws_base = engine.node(visitor.number + 1).ws_base.clone();
        let shared = state.clone();
        reconnecting.push(rt::spawn(async move {
            visitor_socket(&ws_base, &shared, chat, &token, after.unwrap_or(0)).await
        }));
    }
    let mut failures = 0;
    for (visitor, handle) in visitors.iter_mut().zip(reconnecting) {
        match handle.await {
            Ok(Ok(socket)) => visitor.socket = socket,
            _ => failures += 1,
        }
    }
    let connected = started.elapsed();
    state.borrow_mut().visitors_dropped = false;
    let deadline = Instant::now() + Duration::from_secs(30);
    while state.borrow().tally.total_delivered() < goal && Instant::now() < deadline {
        rt::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(json!({
        "sessions": visitors.len(),
        "failed_reconnects": failures,
        "all_connected_secs": connected.as_secs_f64(),
        "all_replayed_secs": started.elapsed().as_secs_f64(),
        "missed_events_delivered": state.borrow().tally.total_delivered(),
        "missed_events_sent": goal,
        "resumed_on_another_node": engine.node_count() > 1,
    }))
}

/// R73: every agent at capacity and `options.chats` more chats waiting; then, one at a time,
/// an agent ends one of its chats (and gives the wrap-up at once): the time from that end to
/// the offer of a waiting chat to the agent whose slot freed.
async fn freed_slots(options: &Options, engine: &Engine, state: &State) -> Result<Value, String> {
    let held: Vec<i64> = {
        let shared = state.borrow();
        let mut chats: Vec<i64> = shared.holder.keys().copied().collect();
        chats.sort_unstable();
        chats
    };
    for i in 0..options.chats {
        let base = &engine.node(next_visitor(state)).base;
        start_chat(base, state, format!("Waiting {i}")).await?;
    }
    // The new chats are waiting now: nobody has room.
    rt::time::sleep(Duration::from_millis(300)).await;
    let mut missed = 0;
    for (i, chat) in held.iter().take(options.chats).enumerate() {
        {
            let mut shared = state.borrow_mut();
            let (Some(socket), Some(agent)) = (
                shared.holder.remove(chat),
                shared.agent_of.get(chat).copied(),
            ) else {
                continue;
            };
            shared.freeing.insert(agent, Instant::now());
            socket.send(&json!({ "type": "end_chat", "chat_id": chat }));
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while state.borrow().after_free.len() < (i + 1 - missed) as u64 {
            if Instant::now() > deadline {
                missed += 1;
                break;
            }
            rt::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let shared = state.borrow();
    Ok(json!({
        "held_at_start": held.len(),
        "waiting_at_start": options.chats,
        "freed": options.chats.min(held.len()),
        "offered_after_free": shared.after_free.len(),
        "not_offered_within_10s": missed,
        "time_to_offer_after_free": shared.after_free.summary(),
    }))
}
