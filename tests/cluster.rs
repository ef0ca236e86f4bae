//! Issue 11, scale-out: three engine processes on loopback ports with one PostgreSQL database
//! and one NATS server (`tests/common/cluster.rs`). A visitor on one node chats with an agent on
//! another with the one-node guarantees (sequence, replay, idempotency); an agent's tabs on two
//! nodes are one agent; a burst of chats created on every node at once is routed by one owner
//! (no chat offered twice, no agent over capacity); a SIGKILL of the leader loses nothing
//! acknowledged and the hunt goes on within the 5 seconds; a NATS restart in the middle
//! of a chat loses no message. PostgreSQL only: skipped without `PARLEY_TEST_POSTGRES_URL`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::cluster::{
    agent_socket_retrying, close_code, frames_until_closed, node_id, visitor_socket_retrying,
    Cluster, CLUSTER_PATIENCE,
};
use common::process::Clients;
use common::{VisitorChat, WsClient, AGENT_PASSWORD, SUPERVISOR_PASSWORD};
use serde_json::{json, Value};

/// The bound: other nodes take over a dead node's queues and chats within 5 seconds.
const FAILOVER_BOUND: Duration = Duration::from_secs(5);

/// A visitor's or an agent's `send_message`.
fn message(chat: Option<&VisitorChat>, text: &str, key: &str) -> Value {
    let mut frame = json!({ "type": "send_message", "text": text, "client_key": key });
    if let Some(chat) = chat {
        frame["chat_id"] = json!(chat.chat_id);
    }
    frame
}

/// Reads `socket` until the next `event` frame, which it adds to `seen` and returns.
async fn next_event_into(socket: &mut WsClient, seen: &mut Vec<Value>) -> Value {
    let (event, _) = socket.frames_until(|f| f["type"] == "event").await;
    seen.push(event.clone());
    event
}

/// Reads `socket` until the event `seq` of `chat`, adding every event of that chat it reads to
/// `seen`; returns that event.
async fn event_with_seq(
    socket: &mut WsClient,
    chat: &VisitorChat,
    seq: i64,
    seen: &mut Vec<Value>,
) -> Value {
    loop {
        let frame = socket.next().await.expect("socket open");
        if frame["type"] == "error" {
            panic!("an error while waiting for event {seq}: {frame}");
        }
        if frame["type"] == "event" && frame["chat_id"] == chat.chat_id {
            seen.push(frame.clone());
            if frame["seq"] == seq {
                return frame;
            }
        }
    }
}

/// Sends a `send_message` and reads `socket` until both its `ack` (matched by `client_key`,
/// 6.4) and its own event are in; events read meanwhile go to `seen`. The acknowledged seq. A
/// retry of a message already stored gets only an ack: its event must be in `seen` already.
async fn send_confirmed(socket: &mut WsClient, frame: Value, seen: &mut Vec<Value>) -> i64 {
    let key = frame["client_key"].clone();
    socket.send(frame).await;
    let mut acked = None;
    loop {
        if let Some(seq) = acked {
            if seen.iter().any(|event| event["seq"] == seq) {
                return seq;
            }
        }
        let frame = socket.next().await.expect("socket open");
        match frame["type"].as_str() {
            Some("ack") if frame["client_key"] == key => acked = frame["seq"].as_i64(),
            Some("event") => seen.push(frame),
            Some("error") => panic!("the message {key} was refused: {frame}"),
            _ => {}
        }
    }
}

/// Events as `(seq, kind, text)`: what every side of a chat must see alike.
fn triples(events: &[Value]) -> Vec<(i64, String, String)> {
    events
        .iter()
        .map(|event| {
            (
                event["seq"].as_i64().expect("seq"),
                event["kind"].as_str().unwrap_or_default().to_owned(),
                event["text"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn seqs(events: &[Value]) -> Vec<i64> {
    events.iter().filter_map(|e| e["seq"].as_i64()).collect()
}

fn events_in(frames: &[Value]) -> Vec<Value> {
    frames
        .iter()
        .filter(|f| f["type"] == "event")
        .cloned()
        .collect()
}

/// Sends `frame` on one side of `chat` and waits for its ack there and for its event on the
/// other side; the event's seq.
async fn delivered(
    from: &mut WsClient,
    from_seen: &mut Vec<Value>,
    to: &mut WsClient,
    to_seen: &mut Vec<Value>,
    chat: &VisitorChat,
    frame: Value,
) -> i64 {
    let seq = send_confirmed(from, frame, from_seen).await;
    event_with_seq(to, chat, seq, to_seen).await;
    seq
}

/// Reads frames until a `presence` frame with `presence`; frames before it are dropped.
async fn presence_until(socket: &mut WsClient, presence: &str) {
    socket
        .frames_until(|f| f["type"] == "presence" && f["presence"] == presence)
        .await;
}

/// An agent socket through `clients`, Available (R24): the socket and its hello.
async fn available_agent(clients: &Clients, token: &str) -> (WsClient, Value) {
    let mut socket = clients.agent_socket(token, "").await;
    let hello = socket.expect("agent_hello").await;
    socket
        .send(json!({ "type": "set_presence", "presence": "available" }))
        .await;
    presence_until(&mut socket, "available").await;
    (socket, hello)
}

/// The agent's next offer must be `chat`; it accepts, and the chat is assigned (R16).
async fn take_offer(agent: &mut WsClient, chat: &VisitorChat) {
    let offer = agent.next_of("offer").await;
    assert_eq!(offer["chat_id"], chat.chat_id, "{offer}");
    agent
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    let assigned = agent.next_of("chat_assigned").await;
    assert_eq!(assigned["chat_id"], chat.chat_id, "{assigned}");
}

/// Issue 11, "any node serves anyone"; R16 (offer and accept), R38 (messages), protocol 6.1
/// (one gap-free sequence per chat), 6.3 (idempotency by `client_key`), 6.4 (acks), 6.5
/// (replay and resume). The visitor starts its chat and opens its socket on node B and the
/// agent works on node C, both followers, so every frame crosses NATS to the leader (node A)
/// and back; then the visitor resumes on the leader itself.
#[actix_web::test]
async fn cross_node_chat() {
    let Some(cluster) = Cluster::start(3).await else {
        return;
    };
    let node_a = cluster.leader_index().await;
    let followers = cluster.others(node_a);
    let (node_b, node_c) = (followers[0], followers[1]);
    println!(
        "leader {}, visitor on {}, agent on {}",
        node_id(node_a),
        node_id(node_b),
        node_id(node_c)
    );

    let agent_side = cluster.clients(node_c);
    let token = agent_side.agent_token().await;
    let (mut agent, _) = available_agent(&agent_side, &token).await;

    let visitor_side = cluster.clients(node_b);
    let chat = visitor_side.start_chat("Ann").await;
    let mut visitor = visitor_side.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;
    let mut visitor_seen = Vec::new();
    let requested = next_event_into(&mut visitor, &mut visitor_seen).await;
    assert_eq!(
        (&requested["seq"], &requested["kind"]),
        (&json!(1), &json!("chat_requested"))
    );

    take_offer(&mut agent, &chat).await;
    let mut agent_seen = Vec::new();
    event_with_seq(&mut agent, &chat, 2, &mut agent_seen).await;
    let joined = next_event_into(&mut visitor, &mut visitor_seen).await;
    assert_eq!(
        (&joined["seq"], &joined["kind"]),
        (&json!(2), &json!("agent_joined"))
    );

    // Both ways, each message acknowledged to its sender and delivered to the other side.
    let script = [
        (true, "v1", "Hello from node B"),
        (false, "a1", "Hi, this is node C"),
        (true, "v2", "My order is late"),
        (false, "a2", "Let me look"),
        (true, "v3", "Order A-1042"),
        (false, "a3", "It ships today"),
    ];
    for (from_visitor, key, text) in script {
        let (sender, sender_seen, receiver, receiver_seen, target) = if from_visitor {
            (
                &mut visitor,
                &mut visitor_seen,
                &mut agent,
                &mut agent_seen,
                None,
            )
        } else {
            (
                &mut agent,
                &mut agent_seen,
                &mut visitor,
                &mut visitor_seen,
                Some(&chat),
            )
        };
        let seq = send_confirmed(sender, message(target, text, key), sender_seen).await;
        let delivered = event_with_seq(receiver, &chat, seq, receiver_seen).await;
        assert_eq!(delivered["text"], text);
    }
    assert_eq!(seqs(&visitor_seen), (1..=8).collect::<Vec<i64>>());
    assert_eq!(
        triples(&agent_seen),
        triples(&visitor_seen),
        "both nodes show one sequence"
    );

    // The visitor comes back on node A, the leader, having seen up to 5: exactly 6 to 8 come.
    visitor.close().await;
    let leader_side = cluster.clients(node_a);
    let mut visitor = leader_side.visitor_socket(&chat, 5).await;
    let hello = visitor.expect("visitor_hello").await;
    assert_eq!(hello["last_seq"], 8, "{hello}");
    let replayed = visitor.collect("event", 3).await;
    assert_eq!(triples(&replayed), triples(&visitor_seen[5..]));
    assert!(
        events_in(&visitor.round_trip().await).is_empty(),
        "nothing but the gap is replayed"
    );

    // A resend of an acknowledged message through another node: the original seq, no event.
    visitor.send(message(None, "Hello from node B", "v1")).await;
    let frames = visitor
        .until(|f| f.iter().any(|f| f["type"] == "ack"))
        .await;
    assert!(events_in(&frames).is_empty(), "{frames:?}");
    assert_eq!(frames.last().unwrap()["seq"], 3);
    // The agent's second tab, on node B, resends the agent's first answer.
    let mut second_tab = visitor_side
        .agent_socket(&token, &format!("{}:8", chat.chat_id))
        .await;
    let hello = second_tab.expect("agent_hello").await;
    assert_eq!(hello["chats"], json!([{ "chat_id": chat.chat_id }]));
    assert!(events_in(&second_tab.round_trip().await).is_empty());
    second_tab
        .send(message(Some(&chat), "Hi, this is node C", "a1"))
        .await;
    let frames = second_tab
        .until(|f| f.iter().any(|f| f["type"] == "ack"))
        .await;
    assert!(events_in(&frames).is_empty(), "{frames:?}");
    assert_eq!(frames.last().unwrap()["seq"], 4);
    for socket in [&mut visitor, &mut agent, &mut second_tab] {
        assert!(
            events_in(&socket.round_trip().await).is_empty(),
            "no duplicate"
        );
    }

    // Numbering goes on from one writer, whatever node a message enters by.
    let seq = send_confirmed(
        &mut visitor,
        message(None, "Thanks!", "v4"),
        &mut visitor_seen,
    )
    .await;
    assert_eq!(seq, 9);
    for socket in [&mut agent, &mut second_tab] {
        let mut seen = Vec::new();
        let event = event_with_seq(socket, &chat, 9, &mut seen).await;
        assert_eq!(event["text"], "Thanks!");
        assert_eq!(seqs(&seen), vec![9], "nothing else came before it");
    }

    // The history, read through node C, has each message once, in order, with no gap.
    let history = agent_side.visitor_history(&chat).await;
    assert_eq!(seqs(&history), (1..=9).collect::<Vec<i64>>());
    let texts: Vec<String> = triples(&history)
        .into_iter()
        .filter(|(_, kind, _)| kind == "message")
        .map(|(_, _, text)| text)
        .collect();
    assert_eq!(
        texts,
        [
            "Hello from node B",
            "Hi, this is node C",
            "My order is late",
            "Let me look",
            "Order A-1042",
            "It ships today",
            "Thanks!"
        ]
    );
}

/// Issue 11, "an agent with tabs on two nodes is one agent, with one capacity and one
/// presence"; protocol 6.10; R24 (presence), R26 (capacity), R27 (one offer at a time), R16.
/// The agent (capacity 1) has a tab on each follower; the chats enter by the leader and a
/// follower.
#[actix_web::test]
async fn agent_tabs_on_two_nodes() {
    let Some(cluster) = Cluster::start(3).await else {
        return;
    };
    let leader = cluster.leader_index().await;
    let followers = cluster.others(leader);
    let agent_id = cluster.add_agent("tess", 2, 1).await;
    let token = cluster
        .clients(followers[0])
        .token_of("tess", AGENT_PASSWORD)
        .await;
    let mut tab_a = cluster.clients(followers[0]).agent_socket(&token, "").await;
    let mut tab_b = cluster.clients(followers[1]).agent_socket(&token, "").await;
    for tab in [&mut tab_a, &mut tab_b] {
        let hello = tab.expect("agent_hello").await;
        assert_eq!(
            (&hello["agent_id"], &hello["capacity"]),
            (&json!(agent_id), &json!(1))
        );
    }

    // One presence: a change on either tab shows on both.
    let changes = [(0, "available"), (1, "away"), (0, "available")];
    for (from, presence) in changes {
        let tab = if from == 0 { &mut tab_a } else { &mut tab_b };
        tab.send(json!({ "type": "set_presence", "presence": presence }))
            .await;
        presence_until(&mut tab_a, presence).await;
        presence_until(&mut tab_b, presence).await;
    }

    // The first chat is offered on both tabs and taken on the second.
    let first = cluster.clients(leader).start_chat("Una").await;
    for tab in [&mut tab_a, &mut tab_b] {
        assert_eq!(tab.next_of("offer").await["chat_id"], first.chat_id);
    }
    tab_b
        .send(json!({ "type": "accept_offer", "chat_id": first.chat_id }))
        .await;
    for tab in [&mut tab_a, &mut tab_b] {
        assert_eq!(tab.next_of("chat_assigned").await["chat_id"], first.chat_id);
    }

    // One capacity: a second chat, entering by another node, waits; the queue sees the agent
    // busy (R87's view), and no tab is offered it.
    let second = cluster.clients(followers[1]).start_chat("Vic").await;
    let supervisor = cluster
        .clients(leader)
        .token_of("supervisor", SUPERVISOR_PASSWORD)
        .await;
    let routing = format!("/api/v1/chats/{}/routing", second.chat_id);
    let deadline = Instant::now() + CLUSTER_PATIENCE;
    let standing = loop {
        let (status, view) = cluster
            .clients(followers[0])
            .call("GET", &routing, Some(&supervisor), None)
            .await;
        assert_eq!(status, 200, "{view}");
        let tess = view["waiting"]["members"]
            .as_array()
            .and_then(|members| members.iter().find(|m| m["display_name"] == "tess"))
            .cloned();
        if let Some(tess) = tess {
            break tess["standing"].clone();
        }
        assert!(Instant::now() < deadline, "the chat never waited: {view}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(standing, "busy");
    for tab in [&mut tab_a, &mut tab_b] {
        let frames = tab.round_trip().await;
        assert!(
            frames.iter().all(|f| f["type"] != "offer"),
            "an agent at capacity is offered nothing: {frames:?}"
        );
    }

    // The first tab ends the chat the second tab took: the slot frees for both, and the
    // waiting chat is offered on both.
    tab_a
        .send(json!({ "type": "end_chat", "chat_id": first.chat_id }))
        .await;
    for tab in [&mut tab_a, &mut tab_b] {
        let frames = tab
            .until(|f| {
                f.iter().any(|f| f["type"] == "offer")
                    && f.iter()
                        .any(|f| f["type"] == "event" && f["kind"] == "chat_ended")
            })
            .await;
        let offer = frames.iter().find(|f| f["type"] == "offer").unwrap();
        assert_eq!(offer["chat_id"], second.chat_id);
        assert_eq!(
            frames.iter().filter(|f| f["type"] == "offer").count(),
            1,
            "{frames:?}"
        );
    }
    tab_a
        .send(json!({ "type": "accept_offer", "chat_id": second.chat_id }))
        .await;
    for tab in [&mut tab_a, &mut tab_b] {
        assert_eq!(
            tab.next_of("chat_assigned").await["chat_id"],
            second.chat_id
        );
    }
}

/// One agent's desk in the burst: its socket and what it holds, as its frames tell.
struct Desk {
    username: String,
    socket: WsClient,
    capacity: usize,
    /// Chats assigned to it and not ended by it.
    held: BTreeSet<i64>,
    /// Chats it accepted whose `chat_assigned` has not come yet.
    accepting: BTreeSet<i64>,
    most_held: usize,
    /// The last `waiting_list` total it was sent.
    waiting_total: Option<i64>,
}

/// Every offer and every taker in the burst, by chat.
#[derive(Default)]
struct Ledger {
    offers: BTreeMap<i64, Vec<String>>,
    takers: BTreeMap<i64, String>,
}

/// Reads what every desk was sent so far (up to a pong) and answers like an agent who takes
/// every offer at once, checking on each frame: R27, one open offer (two offers before one
/// pong were open together, since the accept goes only after the pong); R26, an offer only
/// with room (held plus accepting below capacity); no chat offered twice (nobody rejects and
/// nothing expires here); a chat assigned once. With `end_at_once` each chat is ended as soon
/// as it is assigned (its slot counts as free from then on).
async fn sweep(desks: &mut [Desk], ledger: &mut Ledger, end_at_once: bool) {
    for desk in desks.iter_mut() {
        let frames = desk.socket.round_trip().await;
        while let Some(list) = desk.socket.waiting_lists.pop_front() {
            desk.waiting_total = list["total"].as_i64();
        }
        let offers = frames.iter().filter(|f| f["type"] == "offer").count();
        assert!(
            offers <= 1,
            "R27: {} had {offers} offers open",
            desk.username
        );
        for frame in frames {
            let chat = frame["chat_id"].as_i64().unwrap_or_default();
            match frame["type"].as_str().unwrap_or_default() {
                "offer" => {
                    assert!(
                        desk.held.len() + desk.accepting.len() < desk.capacity,
                        "R26: {} was offered chat {chat} holding {:?} and taking {:?}",
                        desk.username,
                        desk.held,
                        desk.accepting
                    );
                    let offered_to = ledger.offers.entry(chat).or_default();
                    assert!(
                        offered_to.is_empty(),
                        "chat {chat} offered to {} after {offered_to:?}",
                        desk.username
                    );
                    offered_to.push(desk.username.clone());
                    desk.accepting.insert(chat);
                    desk.socket
                        .send(json!({ "type": "accept_offer", "chat_id": chat }))
                        .await;
                }
                "chat_assigned" => {
                    assert!(
                        desk.accepting.remove(&chat),
                        "{} was assigned chat {chat} it did not accept",
                        desk.username
                    );
                    if let Some(other) = ledger.takers.insert(chat, desk.username.clone()) {
                        panic!("chat {chat} assigned to {other} and {}", desk.username);
                    }
                    desk.held.insert(chat);
                    desk.most_held = desk.most_held.max(desk.held.len());
                    assert!(desk.held.len() <= desk.capacity, "R26: {}", desk.username);
                    if end_at_once {
                        desk.socket
                            .send(json!({ "type": "end_chat", "chat_id": chat }))
                            .await;
                        desk.held.remove(&chat);
                    }
                }
                "offer_withdrawn" | "error" => {
                    panic!("{} was sent {frame}", desk.username)
                }
                _ => {}
            }
        }
    }
}

/// Issue 11, "one owner per queue": R16, R17 (hunt order), R26 (capacity), R27 (one offer at
/// a time), R34 (the waiting list). Four agents of capacity 2, each on a node round-robin,
/// Available; 30 chats started at once, ten through each node. Eight are taken and 22 wait,
/// no chat is offered twice, no agent is ever over capacity; then each chat is ended as soon
/// as it is taken, and every waiting chat is offered once, to one agent, until all 30 were.
#[actix_web::test]
async fn burst_on_all_nodes() {
    const CHATS: usize = 30;
    let Some(cluster) = Cluster::start(3).await else {
        return;
    };
    let mut desks = Vec::new();
    for i in 0..4 {
        let username = format!("burst{i}");
        cluster.add_agent(&username, i + 2, 2).await;
        let clients = cluster.clients(i as usize % 3);
        let token = clients.token_of(&username, AGENT_PASSWORD).await;
        let (socket, _) = available_agent(&clients, &token).await;
        desks.push(Desk {
            username,
            socket,
            capacity: 2,
            held: BTreeSet::new(),
            accepting: BTreeSet::new(),
            most_held: 0,
            waiting_total: None,
        });
    }

    let starts = (0..CHATS).map(|i| {
        let clients = cluster.clients(i % 3);
        async move { clients.try_start_chat(&format!("Burst {i}")).await }
    });
    let started = futures_util::future::join_all(starts).await;
    for (status, body) in &started {
        assert_eq!(*status, 201, "{body}");
    }

    // Eight taken, 22 waiting, and nothing more offered.
    let mut ledger = Ledger::default();
    let deadline = Instant::now() + CLUSTER_PATIENCE;
    loop {
        sweep(&mut desks, &mut ledger, false).await;
        let full = desks
            .iter()
            .all(|d| d.held.len() == d.capacity && d.accepting.is_empty());
        let waiting = desks.iter().all(|d| d.waiting_total == Some(22));
        if full && waiting {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the burst never settled: taken {:?}, waiting totals {:?}",
            ledger.takers,
            desks.iter().map(|d| d.waiting_total).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sweep(&mut desks, &mut ledger, false).await;
    assert_eq!(ledger.offers.len(), 8, "{:?}", ledger.offers);
    assert_eq!(ledger.takers.len(), 8);

    // Each agent ends its chats and then every chat it takes: the rest are offered as slots
    // free, each once, never beyond anyone's capacity.
    for desk in desks.iter_mut() {
        for chat in std::mem::take(&mut desk.held) {
            desk.socket
                .send(json!({ "type": "end_chat", "chat_id": chat }))
                .await;
        }
    }
    let deadline = Instant::now() + CLUSTER_PATIENCE;
    while ledger.takers.len() < CHATS {
        sweep(&mut desks, &mut ledger, true).await;
        assert!(
            Instant::now() < deadline,
            "only {} of {CHATS} chats were taken",
            ledger.takers.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sweep(&mut desks, &mut ledger, true).await;
    let started_ids: BTreeSet<i64> = started
        .iter()
        .map(|(_, body)| body["chat_id"].as_i64().expect("chat id"))
        .collect();
    assert_eq!(
        ledger.takers.keys().copied().collect::<BTreeSet<i64>>(),
        started_ids
    );
    assert!(ledger.offers.values().all(|to| to.len() == 1));
    for desk in &desks {
        let taken = ledger
            .takers
            .values()
            .filter(|name| **name == desk.username)
            .count();
        println!(
            "{} took {taken} chats, at most {} at once",
            desk.username, desk.most_held
        );
        assert!(desk.most_held <= desk.capacity);
    }
}

/// Issue 11, failover: R16, R18 (offers made again), R26, protocol 6.2 (an acknowledged
/// message is stored), 6.5 (resume), 6.6 (waiting chats keep their place), 6.9 (1012). Two
/// agents of capacity 1 on the followers, each in a chat, three more chats waiting. SIGKILL of
/// the leader, which owns the queue: the followers close their tunnelled sockets with 1012, a
/// follower takes the lease, the clients resume on the other follower, and when an agent
/// frees its slot the oldest waiting chat is offered within the 5 seconds of the kill;
/// every message acknowledged before the kill is in its chat's history, once.
#[actix_web::test]
async fn leader_killed_during_a_busy_queue() {
    let Some(mut cluster) = Cluster::start(3).await else {
        return;
    };
    let old_leader = cluster.leader_index().await;
    let old_epoch = cluster.epoch(old_leader).await;
    let followers = cluster.others(old_leader);
    let (f0, f1) = (followers[0], followers[1]);
    cluster.add_agent("ann", 2, 1).await;
    cluster.add_agent("ben", 3, 1).await;
    let ann_token = cluster.clients(f0).token_of("ann", AGENT_PASSWORD).await;
    let ben_token = cluster.clients(f1).token_of("ben", AGENT_PASSWORD).await;
    let (mut ann, _) = available_agent(&cluster.clients(f0), &ann_token).await;
    let (mut ben, _) = available_agent(&cluster.clients(f1), &ben_token).await;

    // Two chats in progress, one per agent, with acknowledged messages both ways.
    let c1 = cluster.clients(f1).start_chat("Cora").await;
    take_offer(&mut ann, &c1).await;
    let c2 = cluster.clients(f0).start_chat("Dirk").await;
    take_offer(&mut ben, &c2).await;
    let (mut cora, _) = visitor_socket_retrying(&cluster.clients(f1), &c1, 0).await;
    let (mut dirk, _) = visitor_socket_retrying(&cluster.clients(f0), &c2, 0).await;
    let mut acked: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
    let (mut cora_seen, mut dirk_seen, mut ann_seen, mut ben_seen) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 1..=2 {
        for (chat, visitor, visitor_seen, agent, agent_seen) in [
            (&c1, &mut cora, &mut cora_seen, &mut ann, &mut ann_seen),
            (&c2, &mut dirk, &mut dirk_seen, &mut ben, &mut ben_seen),
        ] {
            let text = format!("visitor {} message {round}", chat.chat_id);
            let key = format!("v{round}");
            let seq = delivered(
                visitor,
                visitor_seen,
                agent,
                agent_seen,
                chat,
                message(None, &text, &key),
            )
            .await;
            acked.entry(chat.chat_id).or_default().push((seq, text));
            let text = format!("agent answer {round} in {}", chat.chat_id);
            let key = format!("a{round}");
            let seq = delivered(
                agent,
                agent_seen,
                visitor,
                visitor_seen,
                chat,
                message(Some(chat), &text, &key),
            )
            .await;
            acked.entry(chat.chat_id).or_default().push((seq, text));
        }
    }

    // Three more chats wait, in this order; the first visitor writes while waiting.
    let w1 = cluster.clients(f0).start_chat("Wes").await;
    let (mut wes, _) = visitor_socket_retrying(&cluster.clients(f1), &w1, 0).await;
    let mut wes_seen = Vec::new();
    let seq = send_confirmed(
        &mut wes,
        message(None, "Is anyone there?", "w1"),
        &mut wes_seen,
    )
    .await;
    acked
        .entry(w1.chat_id)
        .or_default()
        .push((seq, "Is anyone there?".to_owned()));
    let w2 = cluster.clients(f1).start_chat("Xia").await;
    let w3 = cluster.clients(old_leader).start_chat("Yan").await;
    let waiting = ann.waiting_list_where(|l| l["total"] == 3).await;
    let in_line: Vec<&Value> = waiting["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["chat_id"])
        .collect();
    assert_eq!(
        in_line,
        [&json!(w1.chat_id), &json!(w2.chat_id), &json!(w3.chat_id)]
    );

    // The leader dies without a word.
    cluster.kill(old_leader);
    let killed_at = Instant::now();
    for (name, socket) in [
        ("ann", &mut ann),
        ("ben", &mut ben),
        ("cora", &mut cora),
        ("dirk", &mut dirk),
        ("wes", &mut wes),
    ] {
        let (_, closed) = frames_until_closed(socket).await;
        assert_eq!(
            close_code(&closed),
            Some(1012),
            "{name}'s tunnelled socket closed with {closed:?}"
        );
    }
    println!("sockets closed {:?} after the kill", killed_at.elapsed());
    let new_leader = cluster.wait_for_leader().await;
    assert_ne!(new_leader, old_leader);
    let new_epoch = cluster.epoch(new_leader).await;
    assert!(new_epoch > old_epoch, "epoch {old_epoch} then {new_epoch}");
    println!(
        "{} leads (epoch {new_epoch}) {:?} after the kill",
        node_id(new_leader),
        killed_at.elapsed()
    );

    // Ann resumes on the other follower: her chat, her presence, the line as it was.
    let ann_last = seqs(&ann_seen).into_iter().max().unwrap();
    let (mut ann, hello) = agent_socket_retrying(
        &cluster.clients(f1),
        &ann_token,
        &format!("{}:{ann_last}", c1.chat_id),
    )
    .await;
    assert_eq!(
        hello["chats"],
        json!([{ "chat_id": c1.chat_id }]),
        "{hello}"
    );
    assert_eq!(hello["presence"], "available", "{hello}");
    // The hello has the list as last sent, and lists go out at most once per
    // `routing.waiting_list_interval_ms` (R34): while the new leader puts the waiting chats
    // back one by one, it may be short of the last ones, which then follow in a frame.
    let list = if hello["waiting_lists"][0]["total"] == 3 {
        hello["waiting_lists"][0].clone()
    } else {
        ann.waiting_list_where(|l| l["total"] == 3).await
    };
    let in_line: Vec<&Value> = list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["chat_id"])
        .collect();
    assert_eq!(
        in_line,
        [&json!(w1.chat_id), &json!(w2.chat_id), &json!(w3.chat_id)],
        "the waiting chats kept their places"
    );
    assert!(
        events_in(&ann.round_trip().await).is_empty(),
        "nothing acknowledged was missed, nothing is replayed twice"
    );

    // She frees her slot: the oldest waiting chat is offered, within the bound.
    ann.send(json!({ "type": "end_chat", "chat_id": c1.chat_id }))
        .await;
    let offer = ann.next_of("offer").await;
    let hunting_resumed = killed_at.elapsed();
    println!("from the kill to the next offer: {hunting_resumed:?}");
    assert_eq!(
        offer["chat_id"], w1.chat_id,
        "the oldest waiting chat first"
    );
    assert!(
        hunting_resumed <= FAILOVER_BOUND,
        "hunting resumed {hunting_resumed:?} after the kill"
    );
    ann.send(json!({ "type": "accept_offer", "chat_id": w1.chat_id }))
        .await;
    assert_eq!(ann.next_of("chat_assigned").await["chat_id"], w1.chat_id);
    let mut ann_w1 = Vec::new();
    let wes_message = event_with_seq(&mut ann, &w1, 2, &mut ann_w1).await;
    assert_eq!(wes_message["text"], "Is anyone there?");

    // Ben resumes on the other follower and his chat goes on where it was.
    let ben_last = seqs(&ben_seen).into_iter().max().unwrap();
    let (mut ben, hello) = agent_socket_retrying(
        &cluster.clients(f0),
        &ben_token,
        &format!("{}:{ben_last}", c2.chat_id),
    )
    .await;
    assert_eq!(
        hello["chats"],
        json!([{ "chat_id": c2.chat_id }]),
        "{hello}"
    );
    let dirk_last = seqs(&dirk_seen).into_iter().max().unwrap();
    let (mut dirk, _) = visitor_socket_retrying(&cluster.clients(f1), &c2, dirk_last).await;
    assert!(events_in(&dirk.round_trip().await).is_empty());
    let seq = send_confirmed(&mut dirk, message(None, "Still here", "v3"), &mut dirk_seen).await;
    assert_eq!(seq, dirk_last + 1, "numbering goes on");
    acked
        .entry(c2.chat_id)
        .or_default()
        .push((seq, "Still here".to_owned()));
    assert_eq!(
        event_with_seq(&mut ben, &c2, seq, &mut ben_seen).await["text"],
        "Still here"
    );
    // Ben frees his slot: the next in line, which kept its place too.
    ben.send(json!({ "type": "end_chat", "chat_id": c2.chat_id }))
        .await;
    assert_eq!(ben.next_of("offer").await["chat_id"], w2.chat_id);
    ben.send(json!({ "type": "accept_offer", "chat_id": w2.chat_id }))
        .await;
    assert_eq!(ben.next_of("chat_assigned").await["chat_id"], w2.chat_id);
    // The last one still waits, alone in line.
    let list = ben
        .waiting_list_where(|l| l["total"] == 1 && l["entries"][0]["chat_id"] == w3.chat_id)
        .await;
    assert_eq!(list["entries"][0]["position"], 1);

    // Cora, back on the other follower, gets the end of her chat and its close.
    let cora_last = seqs(&cora_seen).into_iter().max().unwrap();
    let (mut cora, hello) = visitor_socket_retrying(&cluster.clients(f0), &c1, cora_last).await;
    assert_eq!(hello["state"], "ended", "{hello}");
    let (frames, closed) = frames_until_closed(&mut cora).await;
    let replayed = events_in(&frames);
    assert_eq!(
        replayed.iter().map(|e| &e["kind"]).collect::<Vec<_>>(),
        [&json!("chat_ended")],
        "{frames:?}"
    );
    assert_eq!(replayed[0]["seq"], cora_last + 1);
    assert_eq!(close_code(&closed), Some(1000), "{closed:?}");

    // Every acknowledged message is in its chat's history exactly once, at its seq, and each
    // history is one gap-free sequence.
    let clients = cluster.clients(f0);
    for chat in [&c1, &c2, &w1] {
        let history = clients.visitor_history(chat).await;
        let numbers = seqs(&history);
        assert_eq!(
            numbers,
            (1..=numbers.len() as i64).collect::<Vec<i64>>(),
            "chat {}",
            chat.chat_id
        );
        for (seq, text) in &acked[&chat.chat_id] {
            let copies: Vec<&Value> = history.iter().filter(|e| e["text"] == *text).collect();
            assert_eq!(copies.len(), 1, "{text} in chat {}", chat.chat_id);
            assert_eq!(copies[0]["seq"], *seq, "{text}");
        }
    }
}

/// Issue 11, a NATS restart in the middle of a chat: protocol 6.2, 6.3 (a resend by
/// `client_key` stores once), 6.4, 6.5, 6.9. Visitor and agent on the two followers, the chat
/// active; each sends a message and the NATS server stops before the acks are read. Both
/// sockets close (not hang); the followers answer 503 while they cannot reach the leader; NATS
/// starts again on the same port; the clients reconnect, resume and resend what was not
/// acknowledged; every message is there exactly once, in order, alike on both sides.
#[actix_web::test]
async fn nats_restart_mid_chat() {
    let Some(mut cluster) = Cluster::start(3).await else {
        return;
    };
    let leader = cluster.leader_index().await;
    let followers = cluster.others(leader);
    let (visitor_node, agent_node) = (followers[0], followers[1]);
    let visitor_side = cluster.clients(visitor_node);
    let agent_side = cluster.clients(agent_node);
    let token = agent_side.agent_token().await;
    let (mut agent, _) = available_agent(&agent_side, &token).await;
    let chat = visitor_side.start_chat("Nell").await;
    let mut visitor = visitor_side.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;
    take_offer(&mut agent, &chat).await;
    let (mut visitor_seen, mut agent_seen) = (Vec::new(), Vec::new());
    event_with_seq(&mut visitor, &chat, 2, &mut visitor_seen).await;
    event_with_seq(&mut agent, &chat, 2, &mut agent_seen).await;
    delivered(
        &mut visitor,
        &mut visitor_seen,
        &mut agent,
        &mut agent_seen,
        &chat,
        message(None, "v1: hello", "v1"),
    )
    .await;
    delivered(
        &mut agent,
        &mut agent_seen,
        &mut visitor,
        &mut visitor_seen,
        &chat,
        message(Some(&chat), "a1: hi there", "a1"),
    )
    .await;

    // One message each, and NATS goes away before their acks are read.
    let visitor_sent = [("v2", "v2: are you still there?")];
    let agent_sent = [("a2", "a2: yes, one moment")];
    visitor
        .send(message(None, visitor_sent[0].1, visitor_sent[0].0))
        .await;
    agent
        .send(message(Some(&chat), agent_sent[0].1, agent_sent[0].0))
        .await;
    cluster.nats.stop();

    // Both sockets close rather than hang; what came before the close counts.
    let mut unacked = Vec::new();
    for (name, socket, seen, sent, target) in [
        (
            "visitor",
            &mut visitor,
            &mut visitor_seen,
            &visitor_sent,
            None,
        ),
        (
            "agent",
            &mut agent,
            &mut agent_seen,
            &agent_sent,
            Some(&chat),
        ),
    ] {
        let (frames, closed) = frames_until_closed(socket).await;
        println!("the {name}'s socket closed with {closed:?} after {frames:?}");
        seen.extend(events_in(&frames));
        for (key, text) in sent.iter() {
            let acked = frames
                .iter()
                .any(|f| f["type"] == "ack" && f["client_key"] == *key);
            if !acked {
                unacked.push((name, target.cloned(), *key, *text));
            }
        }
    }
    println!("not acknowledged before the outage: {unacked:?}");

    // While NATS is down the followers cannot reach the leader: they say so.
    let deadline = Instant::now() + CLUSTER_PATIENCE;
    loop {
        let status = cluster.status(visitor_node).await.expect("a status");
        if status["nats"] == "disconnected" {
            break;
        }
        assert!(Instant::now() < deadline, "{status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = visitor_side.readyz().await.expect("an answer");
    assert_eq!(status, 503, "{body}");
    let refused = visitor_side
        .try_visitor_socket(&chat, 0)
        .await
        .err()
        .expect("no socket without NATS");
    assert!(refused.contains("503"), "{refused}");

    cluster.nats.start_again();

    // Both come back on their nodes, resume from what they saw, and resend what was not
    // acknowledged, with the same keys.
    let visitor_last = seqs(&visitor_seen).into_iter().max().unwrap();
    let (mut visitor, hello) = visitor_socket_retrying(&visitor_side, &chat, visitor_last).await;
    assert_eq!(hello["state"], "active", "{hello}");
    visitor_seen.extend(events_in(&visitor.round_trip().await));
    let agent_last = seqs(&agent_seen).into_iter().max().unwrap();
    let (mut agent, hello) = agent_socket_retrying(
        &agent_side,
        &token,
        &format!("{}:{agent_last}", chat.chat_id),
    )
    .await;
    assert_eq!(
        hello["chats"],
        json!([{ "chat_id": chat.chat_id }]),
        "{hello}"
    );
    agent_seen.extend(events_in(&agent.round_trip().await));
    for (name, target, key, text) in &unacked {
        let (socket, seen) = if *name == "visitor" {
            (&mut visitor, &mut visitor_seen)
        } else {
            (&mut agent, &mut agent_seen)
        };
        let stored_before = seen.iter().any(|e| e["text"] == *text);
        let seq = send_confirmed(socket, message(target.as_ref(), text, key), seen).await;
        println!("{key} resent: seq {seq}, stored before the outage: {stored_before}");
    }
    delivered(
        &mut visitor,
        &mut visitor_seen,
        &mut agent,
        &mut agent_seen,
        &chat,
        message(None, "v3: thanks", "v3"),
    )
    .await;
    delivered(
        &mut agent,
        &mut agent_seen,
        &mut visitor,
        &mut visitor_seen,
        &chat,
        message(Some(&chat), "a3: you're welcome", "a3"),
    )
    .await;

    // Exactly once, in order, alike on both sides and in the store.
    let history = visitor_side.visitor_history(&chat).await;
    assert_eq!(
        seqs(&history),
        (1..=history.len() as i64).collect::<Vec<i64>>()
    );
    assert_eq!(triples(&visitor_seen), triples(&history), "the visitor");
    assert_eq!(triples(&agent_seen), triples(&history), "the agent");
    let texts: Vec<String> = triples(&history)
        .into_iter()
        .filter(|(_, kind, _)| kind == "message")
        .map(|(_, _, text)| text)
        .collect();
    for text in [
        "v1: hello",
        "a1: hi there",
        "v2: are you still there?",
        "a2: yes, one moment",
        "v3: thanks",
        "a3: you're welcome",
    ] {
        assert_eq!(
            texts.iter().filter(|t| *t == text).count(),
            1,
            "{text} in {texts:?}"
        );
    }
    let position = |text: &str| texts.iter().position(|t| t == text).unwrap();
    assert!(position("v1: hello") < position("v2: are you still there?"));
    assert!(position("v2: are you still there?") < position("v3: thanks"));
    assert!(position("a1: hi there") < position("a2: yes, one moment"));
    assert!(position("a2: yes, one moment") < position("a3: you're welcome"));
}

/// Issue 11, "clients that were on the dead node reconnect elsewhere"; R24 (an agent whose
/// dashboard drops is reconnecting, then offline), R45 (the transfer dialog's live standing).
/// A follower dies with an agent's only tab on it. A dead node says nothing, so the leader's
/// end of its tunnels would stay open until the engine's heartbeat timeout; here that timeout
/// is two minutes, and the leader must still let the agent's socket go within the lease's
/// time, because the dead node's heartbeats stop.
#[actix_web::test]
async fn a_dead_followers_clients_are_let_go() {
    let slow_heartbeats = [
        ("CHAT__REALTIME__HEARTBEAT_INTERVAL_MS", "60000"),
        ("CHAT__REALTIME__CLIENT_TIMEOUT_MS", "120000"),
    ];
    let Some(mut cluster) = Cluster::start_with(3, &slow_heartbeats).await else {
        return;
    };
    let leader = cluster.leader_index().await;
    let followers = cluster.others(leader);
    let (doomed, survivor) = (followers[0], followers[1]);
    cluster.add_agent("sam", 2, 2).await;
    let sam = cluster
        .clients(doomed)
        .token_of("sam", AGENT_PASSWORD)
        .await;
    let (_sam_tab, _) = available_agent(&cluster.clients(doomed), &sam).await;
    let observer = cluster
        .clients(survivor)
        .token_of("agent", AGENT_PASSWORD)
        .await;

    let standing_of_sam = |cluster: &Cluster| {
        let clients = cluster.clients(survivor);
        let observer = observer.clone();
        async move {
            let (status, targets) = clients
                .call("GET", "/api/v1/transfer-targets", Some(&observer), None)
                .await;
            assert_eq!(status, 200, "{targets}");
            targets["agents"]
                .as_array()
                .and_then(|agents| agents.iter().find(|a| a["display_name"] == "sam"))
                .map(|sam| sam["standing"].clone())
                .unwrap_or(Value::Null)
        }
    };
    assert_eq!(standing_of_sam(&cluster).await, "available");

    cluster.kill(doomed);
    let deadline = Instant::now() + CLUSTER_PATIENCE;
    loop {
        let standing = standing_of_sam(&cluster).await;
        if standing != "available" {
            // Reconnecting (the grace period, R24): the engine saw the socket close.
            assert_eq!(standing, "busy", "{standing}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the leader kept the dead node's socket open:\n{}",
            cluster.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
