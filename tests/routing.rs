//! Routing and presence over real sockets, with millisecond timeouts (issue: routing and
//! presence; R17–R27, A2, A3, A18).

mod common;

use common::{Backend, TestApp};
use parley::domain::queue::Strategy;
use serde_json::json;

/// R19, A3, A2, R76: an offer that expires puts its agent in RONA; with nobody else left the
/// hunt ends at once and the visitor is told the chat ended, unmanaged.
#[actix_web::test]
async fn an_unanswered_chat_ends_unmanaged_when_nobody_is_left() {
    let app = TestApp::builder(Backend::Sqlite)
        .offer_timeout_ms(100)
        .settings(|s| s.presence.grace_ms = 50)
        .spawn()
        .await
        .unwrap();
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.start_chat("Ann").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;
    visitor.expect_event("chat_requested").await;

    assert_eq!(agent.expect("offer").await["chat_id"], chat.chat_id);
    assert_eq!(agent.expect("offer_withdrawn").await["reason"], "expired");
    assert_eq!(agent.expect("presence").await["presence"], "rona");

    let ended = visitor.expect_event("chat_ended").await;
    assert_eq!(ended["disposition"], "unmanaged");
    assert_eq!(ended["ended_by"], json!({ "kind": "system" }));
    assert_eq!(
        visitor.expect_close().await.unwrap().description.as_deref(),
        Some("chat_ended")
    );
}

/// R19, A18: the hunt ends at the hunt timeout, counted from the request, even while agents
/// keep being offered the chat; the open offer is withdrawn.
#[actix_web::test]
async fn the_hunt_ends_at_the_hunt_timeout() {
    let app = TestApp::builder(Backend::Sqlite)
        .offer_timeout_ms(10_000)
        .settings(|s| {
            s.routing.hunt_timeout_ms = 300;
            s.presence.grace_ms = 50;
        })
        .spawn()
        .await
        .unwrap();
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.start_chat("Bea").await;
    assert_eq!(agent.expect("offer").await["chat_id"], chat.chat_id);
    let withdrawn = agent.expect("offer_withdrawn").await;
    assert_eq!(withdrawn["reason"], "hunt_over");
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;
    let ended = visitor
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    assert_eq!(ended.last().unwrap()["disposition"], "unmanaged");
    // The agent was not at fault: no RONA, and the next chat is offered at once.
    let next = app.start_chat("Cid").await;
    assert_eq!(agent.expect("offer").await["chat_id"], next.chat_id);
}

/// R21, A2: when every member rejects, the hunt ends at once rather than at the timeout.
#[actix_web::test]
async fn when_every_member_rejects_the_chat_ends_at_once() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("bob", 2, 3)
        .settings(|s| s.presence.grace_ms = 50)
        .spawn()
        .await
        .unwrap();
    let (mut alice, _) = app.available_agent("agent").await;
    let (mut bob, _) = app.available_agent("bob").await;
    let chat = app.start_chat("Dan").await;
    for agent in [&mut alice, &mut bob] {
        assert_eq!(agent.expect("offer").await["chat_id"], chat.chat_id);
        agent
            .send(json!({ "type": "reject_offer", "chat_id": chat.chat_id }))
            .await;
        agent.expect("offer_withdrawn").await;
    }
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;
    let kinds: Vec<String> = visitor
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await
        .iter()
        .map(|f| f["kind"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(kinds, ["chat_requested", "chat_ended"]);
}

/// Waiting visitors see their live place in line; it moves up as chats are taken, and an
/// estimate appears once the queue has seen a chat accepted.
#[actix_web::test]
async fn waiting_visitors_see_their_position_move_up() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("carol", 1, 1)
        .spawn()
        .await
        .unwrap();
    let (mut carol, _) = app.available_agent("carol").await;
    let first = app.start_chat("Eve").await;
    assert_eq!(carol.expect("offer").await["chat_id"], first.chat_id);
    let second = app.start_chat("Fay").await;
    let third = app.start_chat("Gus").await;

    let mut fay = app.visitor_socket(&second, 0).await;
    let mut gus = app.visitor_socket(&third, 0).await;
    let position = fay.next_position().await;
    assert_eq!(position["position"], 2);
    assert_eq!(position["estimated_wait_ms"], json!(null));
    assert_eq!(gus.next_position().await["position"], 3);

    carol
        .send(json!({ "type": "accept_offer", "chat_id": first.chat_id }))
        .await;
    let moved = fay.next_position().await;
    assert_eq!(moved["position"], 1);
    assert!(moved["estimated_wait_ms"].as_i64().is_some());
    assert_eq!(gus.next_position().await["position"], 2);
}

/// R24: a dropped socket is not a logout: within the grace period the agent comes back
/// Available with its chats; beyond it the agent is Offline and comes back Away.
#[actix_web::test]
async fn a_dropped_agent_has_a_grace_period_to_come_back() {
    let app = TestApp::builder(Backend::Sqlite)
        .settings(|s| s.presence.grace_ms = 400)
        .spawn()
        .await
        .unwrap();
    let token = app.agent_token("agent").await;
    let (socket, _) = app.available_agent("agent").await;
    socket.close().await;
    // Back within the grace period: still Available.
    let mut back = app.agent_socket(&token, "").await;
    assert_eq!(back.expect("agent_hello").await["presence"], "available");
    back.close().await;

    // Gone for longer than the grace period: Offline, and Away on return (A11).
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let mut later = app.agent_socket(&token, "").await;
    let hello = later.expect("agent_hello").await;
    assert!(
        hello["presence"] == "away" || later.expect("presence").await["presence"] == "away",
        "{hello}"
    );
}

/// R87: every routing step is stored, and a supervisor can see why a chat is still waiting;
/// agents may not.
#[actix_web::test]
async fn supervisors_see_the_routing_trail_and_why_a_chat_waits() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("bob", 2, 3)
        .agent("carol", 3, 3)
        .spawn()
        .await
        .unwrap();
    let (mut alice, _) = app.available_agent("agent").await;
    let (mut bob, _) = app.available_agent("bob").await;
    let carol_token = app.agent_token("carol").await;
    let mut carol = app.agent_socket(&carol_token, "").await;
    assert_eq!(carol.expect("agent_hello").await["presence"], "away");

    let chat = app.start_chat("Hal").await;
    assert_eq!(alice.expect("offer").await["chat_id"], chat.chat_id);
    alice
        .send(json!({ "type": "reject_offer", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(bob.expect("offer").await["chat_id"], chat.chat_id);

    let (_, body) = app.login("supervisor", "supervisor-password").await;
    let supervisor = body["token"].as_str().unwrap().to_owned();
    let routing = |token: String| {
        let url = format!("{}/api/v1/chats/{}/routing", app.base, chat.chat_id);
        async move {
            let mut response = TestApp::client()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };
    // Steps are written right after each decision; wait until the three are there.
    let view = loop {
        let (status, view) = routing(supervisor.clone()).await;
        assert_eq!(status, 200, "{view}");
        if view["steps"].as_array().unwrap().len() >= 3 {
            break view;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let steps: Vec<(String, String)> = view["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap().to_owned(),
                s["agent_name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("offered".to_owned(), "Demo Agent".to_owned()),
            ("rejected".to_owned(), "Demo Agent".to_owned()),
            ("offered".to_owned(), "bob".to_owned()),
        ]
    );
    let members: Vec<(String, String)> = view["waiting"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["display_name"].as_str().unwrap().to_owned(),
                m["standing"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            ("Demo Agent".to_owned(), "rejected".to_owned()),
            ("bob".to_owned(), "offered_now".to_owned()),
            ("carol".to_owned(), "unavailable".to_owned()),
        ]
    );
    assert_eq!(view["waiting"]["position"], 1);

    let alice_token = app.agent_token("agent").await;
    let (status, body) = routing(alice_token).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));

    bob.send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    bob.expect("chat_assigned").await;
    let view = loop {
        let (_, view) = routing(supervisor.clone()).await;
        if view["steps"].as_array().unwrap().len() >= 4 {
            break view;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(view["state"], "active");
    assert_eq!(view["steps"][3]["step"], "accepted");
    assert_eq!(view["waiting"], json!(null));
}

/// R28 ring-all: every eligible agent is offered the chat at once; the first to accept gets
/// it and the others' offers are withdrawn as taken by another.
#[actix_web::test]
async fn ring_all_offers_everyone_and_the_first_accept_wins() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("bob", 2, 3)
        .agent("carol", 3, 3)
        .settings(|s| s.routing.strategy = Strategy::RingAll)
        .spawn()
        .await
        .unwrap();
    let (mut alice, _) = app.available_agent("agent").await;
    let (mut bob, _) = app.available_agent("bob").await;
    let (mut carol, _) = app.available_agent("carol").await;
    let chat = app.start_chat("Ida").await;
    for agent in [&mut alice, &mut bob, &mut carol] {
        let offer = agent.expect("offer").await;
        assert_eq!(offer["chat_id"], chat.chat_id);
        assert_eq!(offer["direct"], false);
    }
    bob.send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(bob.expect("chat_assigned").await["chat_id"], chat.chat_id);
    for agent in [&mut alice, &mut carol] {
        let withdrawn = agent.expect("offer_withdrawn").await;
        assert_eq!(withdrawn["reason"], "taken_by_another");
    }
    // A late accept finds the offer gone.
    alice
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(alice.expect("error").await["error"], "offer_not_found");
}

/// R28 round-robin with memory: each chat goes first to the member after the one who took the
/// last chat, so work is spread around rather than always starting at the top.
#[actix_web::test]
async fn round_robin_starts_after_the_agent_who_took_the_last_chat() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("bob", 2, 3)
        .settings(|s| s.routing.strategy = Strategy::RoundRobin)
        .spawn()
        .await
        .unwrap();
    let (mut alice, _) = app.available_agent("agent").await;
    let (mut bob, _) = app.available_agent("bob").await;
    for turn in 0..4 {
        let (taker, other) = if turn % 2 == 0 {
            (&mut alice, &mut bob)
        } else {
            (&mut bob, &mut alice)
        };
        let chat = app.start_chat("Jo").await;
        let frames = taker
            .until(|f| f.iter().any(|f| f["type"] == "offer"))
            .await;
        assert_eq!(
            frames.last().unwrap()["chat_id"],
            chat.chat_id,
            "turn {turn}"
        );
        taker
            .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
            .await;
        let frames = taker
            .until(|f| f.iter().any(|f| f["type"] == "chat_assigned"))
            .await;
        assert_eq!(frames.last().unwrap()["chat_id"], chat.chat_id);
        // The other agent was not offered this chat.
        other.send(json!({ "type": "ping" })).await;
        let frames = other.until(|f| f.iter().any(|f| f["type"] == "pong")).await;
        assert!(frames.iter().all(|f| f["type"] != "offer"), "{frames:?}");
    }
}

/// R17, R18, R22, R23, A3: a three-agent hunt offers the chat to each member in hunt order as
/// the offers expire; each silent agent goes to RONA; with nobody left the chat ends. An agent
/// back from RONA by its own choice gets the next chat.
#[actix_web::test]
async fn a_three_agent_hunt_in_hunt_order_then_rona_and_back() {
    let app = TestApp::builder(Backend::Sqlite)
        .offer_timeout_ms(120)
        .agent("bob", 2, 3)
        .agent("carol", 3, 3)
        .settings(|s| s.presence.grace_ms = 50)
        .spawn()
        .await
        .unwrap();
    let (mut alice, _) = app.available_agent("agent").await;
    let (mut bob, _) = app.available_agent("bob").await;
    let (mut carol, _) = app.available_agent("carol").await;
    let chat = app.start_chat("Kit").await;
    for agent in [&mut alice, &mut bob, &mut carol] {
        assert_eq!(agent.expect("offer").await["chat_id"], chat.chat_id);
        assert_eq!(agent.expect("offer_withdrawn").await["reason"], "expired");
        assert_eq!(agent.expect("presence").await["presence"], "rona");
    }
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;
    let frames = visitor
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    assert_eq!(frames.last().unwrap()["disposition"], "unmanaged");

    // Only the agent leaves RONA (R23); then it is offered chats again.
    bob.send(json!({ "type": "set_presence", "presence": "available" }))
        .await;
    assert_eq!(bob.expect("presence").await["presence"], "available");
    let next = app.start_chat("Lou").await;
    assert_eq!(bob.expect("offer").await["chat_id"], next.chat_id);
}

/// R20, R28: an admin changes a queue's routing rules while it runs; the next chat follows
/// them. Agents and supervisors may not (R71), and bad rules are refused and change nothing.
#[actix_web::test]
async fn admins_change_a_queues_routing_rules_at_once() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("bob", 2, 3)
        .spawn()
        .await
        .unwrap();
    let (mut alice, _) = app.available_agent("agent").await;
    let (mut bob, _) = app.available_agent("bob").await;
    let admin = app.admin_token().await;
    let agent = app.agent_token("agent").await;
    let path = "/api/v1/queues/1/routing-rules";
    // R71: a supervisor reads the rules; only an admin changes them.
    let (_, body) = app.login("supervisor", "supervisor-password").await;
    let supervisor = body["token"].as_str().unwrap().to_owned();
    let (status, _) = app.call("GET", path, Some(&supervisor), None).await;
    assert_eq!(status, 200);
    let (status, body) = app
        .call(
            "PUT",
            path,
            Some(&supervisor),
            Some(json!({ "strategy": "ring_all" })),
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));

    let (status, rules) = app.call("GET", path, Some(&admin), None).await;
    assert_eq!(status, 200);
    assert_eq!(rules["strategy"], "sequential");
    let ring_all = json!({
        "strategy": "ring_all",
        "offer_timeout_ms": 20_000,
        "hunt_timeout_ms": 60_000,
        "rona_enabled": false
    });
    let (status, body) = app
        .call("PUT", path, Some(&agent), Some(ring_all.clone()))
        .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    let bad = json!({
        "strategy": "ring_all",
        "offer_timeout_ms": 20_000,
        "hunt_timeout_ms": 10_000,
        "rona_enabled": false
    });
    let (status, body) = app.call("PUT", path, Some(&admin), Some(bad)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_queue_timeouts"))
    );
    let (status, body) = app
        .call(
            "PUT",
            path,
            Some(&admin),
            Some(json!({ "strategy": "lottery" })),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_body"))
    );
    let (status, body) = app
        .call(
            "PUT",
            "/api/v1/queues/99/routing-rules",
            Some(&admin),
            Some(ring_all.clone()),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("queue_not_found"))
    );
    let (_, unchanged) = app.call("GET", path, Some(&admin), None).await;
    assert_eq!(unchanged["strategy"], "sequential");

    let (status, body) = app
        .call("PUT", path, Some(&admin), Some(ring_all.clone()))
        .await;
    assert_eq!((status, &body), (200, &ring_all));
    let chat = app.start_chat("Mo").await;
    for agent in [&mut alice, &mut bob] {
        let offer = agent.expect("offer").await;
        assert_eq!(offer["chat_id"], chat.chat_id);
        let lasts =
            offer["expires_at_ms"].as_i64().unwrap() - offer["requested_at_ms"].as_i64().unwrap();
        assert!(lasts >= 19_000, "the new offer timeout, not 15 s: {lasts}");
    }
}
