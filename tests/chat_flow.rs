//! A visitor and an agent chat end to end over the real protocol, on SQLite and PostgreSQL.

mod common;

use common::{Backend, TestApp, ORIGIN};
use serde_json::{json, Value};

/// R3, R7, R8, R16, R38: the whole life of one chat, from both sides.
async fn whole_chat(app: TestApp) {
    let (mut agent, hello) = app.available_agent("agent").await;
    assert_eq!(hello["display_name"], "Demo Agent");
    assert_eq!(
        hello["presence"], "away",
        "A11: an agent starts Away after login"
    );
    assert_eq!(hello["chats"], json!([]));

    // The widget reads the website's public configuration (R5).
    let mut response = TestApp::client()
        .get(format!("{}/api/v1/websites/demo/config", app.base))
        .insert_header(("Origin", ORIGIN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let config = response.json::<Value>().await.unwrap();
    assert_eq!(config["mode"], "online");
    assert_eq!(config["max_message_chars"], 1000);

    // R3: one named request creates one chat, offered to the Available member (R16, R32).
    let chat = app.start_chat("Ann").await;
    let offer = agent.expect("offer").await;
    assert_eq!(offer["chat_id"], chat.chat_id);
    assert_eq!(offer["visitor_name"], "Ann");
    assert_eq!(offer["website_key"], "demo");
    assert_eq!(offer["queue_name"], "Support");
    // R4, R54: what the visitor came with is shown to the agent.
    assert_eq!(
        offer["visitor_details"]["page_url"],
        "http://localhost:3000/pricing"
    );
    assert!(offer["expires_at_ms"].as_i64().unwrap() > offer["requested_at_ms"].as_i64().unwrap());

    // The visitor's socket greets, then replays the request.
    let mut visitor = app.visitor_socket(&chat, 0).await;
    let hello = visitor.expect("visitor_hello").await;
    assert_eq!(hello["state"], "queued");
    let requested = visitor.expect_event("chat_requested").await;
    assert_eq!(requested["seq"], 1);
    assert_eq!(requested["visitor_name"], "Ann");

    // The visitor may write while waiting; the agent sees it on accepting.
    visitor
        .send(
            json!({ "type": "send_message", "text": "Hello? Anyone there?", "client_key": "v-1" }),
        )
        .await;
    let first = visitor.expect_event("message").await;
    assert_eq!(first["seq"], 2);
    assert_eq!(first["author"], json!({ "kind": "visitor", "name": "Ann" }));
    let ack = visitor.expect("ack").await;
    assert_eq!(
        ack,
        json!({ "type": "ack", "chat_id": chat.chat_id, "client_key": "v-1", "seq": 2 })
    );

    agent
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(agent.expect("chat_assigned").await["chat_id"], chat.chat_id);
    // The agent gets the whole conversation so far, in order.
    assert_eq!(agent.expect_event("chat_requested").await["seq"], 1);
    assert_eq!(
        agent.expect_event("message").await["text"],
        "Hello? Anyone there?"
    );
    let joined = agent.expect_event("agent_joined").await;
    assert_eq!(joined["seq"], 3);
    assert_eq!(joined["agent_name"], "Demo Agent");
    assert_eq!(visitor.expect_event("agent_joined").await["seq"], 3);

    // Text both ways; `<` and `>` are plain characters (A7).
    agent
        .send(json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "Hi Ann! Plans start at < 10 €.", "client_key": "a-1" }))
        .await;
    let from_agent = visitor.expect_event("message").await;
    assert_eq!(from_agent["seq"], 4);
    assert_eq!(from_agent["text"], "Hi Ann! Plans start at < 10 €.");
    assert_eq!(from_agent["author"]["kind"], "agent");
    assert_eq!(from_agent["author"]["name"], "Demo Agent");
    // The agent's own event and its ack come in either order (protocol 6.4).
    let mut echoed = agent.collect_any(&["event", "ack"], 2).await;
    echoed.sort_by_key(|f| f["type"].as_str().map(str::to_owned));
    assert_eq!(
        (echoed[0]["type"].as_str(), &echoed[0]["seq"]),
        (Some("ack"), &json!(4))
    );
    assert_eq!(
        (echoed[1]["type"].as_str(), &echoed[1]["seq"]),
        (Some("event"), &json!(4))
    );

    visitor
        .send(json!({ "type": "send_message", "text": "Great, thanks", "client_key": "v-2" }))
        .await;
    assert_eq!(agent.expect_event("message").await["text"], "Great, thanks");

    // A retry with the same idempotency key is acknowledged with the first sequence number
    // and stores nothing new (the history below has no second copy).
    visitor
        .send(
            json!({ "type": "send_message", "text": "Hello? Anyone there?", "client_key": "v-1" }),
        )
        .await;
    let frames = visitor
        .until(|frames| {
            frames
                .iter()
                .any(|f| f["type"] == "ack" && f["client_key"] == "v-1")
                && frames
                    .iter()
                    .any(|f| f["type"] == "ack" && f["client_key"] == "v-2")
        })
        .await;
    let ack_of = |key: &str| frames.iter().find(|f| f["client_key"] == key).unwrap()["seq"].clone();
    assert_eq!(ack_of("v-2"), 5);
    assert_eq!(ack_of("v-1"), 2);

    // R8: the agent ends the chat; both sides are told, the visitor's socket closes.
    agent
        .send(json!({ "type": "end_chat", "chat_id": chat.chat_id }))
        .await;
    let ended = visitor.expect_event("chat_ended").await;
    assert_eq!(ended["seq"], 6);
    assert_eq!(ended["disposition"], "agent_ended");
    let reason = visitor.expect_close().await.expect("a close reason");
    assert_eq!(reason.description.as_deref(), Some("chat_ended"));
    agent
        .until(|frames| frames.iter().any(|f| f["kind"] == "chat_ended"))
        .await;

    // Nothing more can be posted, and the stored log is complete, ordered and gap-free.
    agent
        .send(json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "one more" }))
        .await;
    let refused = agent.expect("error").await;
    assert_eq!(refused["error"], "chat_ended");
    let history = app.visitor_history(&chat).await;
    let seqs: Vec<i64> = history.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5, 6]);
    let kinds: Vec<&str> = history
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "chat_requested",
            "message",
            "agent_joined",
            "message",
            "message",
            "chat_ended"
        ]
    );
}

#[actix_web::test]
async fn a_visitor_and_an_agent_chat_end_to_end_on_sqlite() {
    whole_chat(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
}

#[actix_web::test]
async fn a_visitor_and_an_agent_chat_end_to_end_on_postgres() {
    if let Some(app) = TestApp::spawn(Backend::Postgres).await {
        whole_chat(app).await;
    }
}

/// R7, R82: the visitor ends the chat; the agent is told and its capacity is free again.
#[actix_web::test]
async fn the_visitor_ends_the_chat_and_the_agent_is_free_again() {
    let app = TestApp::builder(Backend::Sqlite)
        .settings(|s| s.demo.seed_on_empty = true)
        .spawn()
        .await
        .unwrap();
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.start_chat("Bea").await;
    agent.expect("offer").await;
    agent
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    agent.expect("chat_assigned").await;

    let response = TestApp::client()
        .post(format!("{}/api/v1/chats/{}/end", app.base, chat.chat_id))
        .bearer_auth(&chat.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let frames = agent
        .until(|frames| frames.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    let ended = frames.last().unwrap();
    assert_eq!(ended["disposition"], "visitor_ended");
    assert_eq!(ended["ended_by"], json!({ "kind": "visitor" }));

    // Ending twice is refused with a clear error.
    let mut again = TestApp::client()
        .post(format!("{}/api/v1/chats/{}/end", app.base, chat.chat_id))
        .bearer_auth(&chat.token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["error"], "chat_ended");

    // A visitor who reconnects to the ended chat gets its history, then a normal close.
    let mut visitor = app.visitor_socket(&chat, 0).await;
    assert_eq!(visitor.expect("visitor_hello").await["state"], "ended");
    let mut kinds = Vec::new();
    let reason = loop {
        match visitor.next().await {
            Ok(frame) => kinds.push(frame["kind"].as_str().unwrap_or_default().to_owned()),
            Err(common::Closed::By(reason)) => break reason,
            Err(common::Closed::Ended) => break None,
        }
    };
    assert_eq!(kinds, ["chat_requested", "agent_joined", "chat_ended"]);
    assert_eq!(reason.unwrap().description.as_deref(), Some("chat_ended"));

    // The freed capacity takes the next chat at once.
    let next = app.start_chat("Cid").await;
    assert_eq!(agent.expect("offer").await["chat_id"], next.chat_id);
}

/// R17, R21: a rejected offer goes to the next member in hunt order, never back.
#[actix_web::test]
async fn a_rejected_offer_goes_to_the_next_member_in_hunt_order() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("bob", 2, 3)
        .spawn()
        .await
        .unwrap();
    let (mut alice, _) = app.available_agent("agent").await;
    let (mut bob, _) = app.available_agent("bob").await;
    let chat = app.start_chat("Dan").await;

    assert_eq!(alice.expect("offer").await["chat_id"], chat.chat_id);
    alice
        .send(json!({ "type": "reject_offer", "chat_id": chat.chat_id }))
        .await;
    let withdrawn = alice.expect("offer_withdrawn").await;
    assert_eq!(withdrawn["reason"], "rejected");

    assert_eq!(bob.expect("offer").await["chat_id"], chat.chat_id);
    bob.send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    bob.expect("chat_assigned").await;
    assert!(
        alice.round_trip().await.is_empty(),
        "the rejecting agent is not offered the chat again"
    );

    // Alice cannot act on Bob's chat, nor accept an offer she no longer has.
    alice
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(alice.expect("error").await["error"], "offer_not_found");
}

/// R18, R22, A3: an unanswered offer expires, its agent goes to RONA, the next member is
/// offered the chat; RONA ends only when the agent chooses Available.
#[actix_web::test]
async fn an_expired_offer_puts_the_agent_in_rona_and_moves_on() {
    let app = TestApp::builder(Backend::Sqlite)
        .offer_timeout_ms(150)
        .agent("bob", 2, 3)
        .spawn()
        .await
        .unwrap();
    let (mut alice, _) = app.available_agent("agent").await;
    let (mut bob, _) = app.available_agent("bob").await;
    let chat = app.start_chat("Eve").await;

    assert_eq!(alice.expect("offer").await["chat_id"], chat.chat_id);
    let withdrawn = alice.expect("offer_withdrawn").await;
    assert_eq!(withdrawn["reason"], "expired");
    assert_eq!(alice.expect("presence").await["presence"], "rona");
    assert_eq!(bob.expect("offer").await["chat_id"], chat.chat_id);
    bob.send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    bob.expect("chat_assigned").await;

    alice
        .send(json!({ "type": "set_presence", "presence": "available" }))
        .await;
    assert_eq!(alice.expect("presence").await["presence"], "available");
}

/// R26, R27: an agent at capacity gets no offer; the waiting chat is offered as soon as one
/// of the agent's chats ends.
#[actix_web::test]
async fn an_agent_at_capacity_gets_the_next_chat_when_one_ends() {
    let app = TestApp::builder(Backend::Sqlite)
        .settings(|s| s.demo.seed_on_empty = true)
        .agent("carol", 1, 1)
        .spawn()
        .await
        .unwrap();
    let (mut carol, _) = app.available_agent("carol").await;
    let first = app.start_chat("Fay").await;
    assert_eq!(carol.expect("offer").await["chat_id"], first.chat_id);
    carol
        .send(json!({ "type": "accept_offer", "chat_id": first.chat_id }))
        .await;
    carol.expect("chat_assigned").await;

    let second = app.start_chat("Gus").await;
    let frames = carol.round_trip().await;
    assert!(frames.iter().all(|f| f["type"] != "offer"), "{frames:?}");

    carol
        .send(json!({ "type": "end_chat", "chat_id": first.chat_id }))
        .await;
    let offer = loop {
        let frame = carol.next().await.expect("socket open");
        if frame["type"] == "offer" {
            break frame;
        }
    };
    assert_eq!(offer["chat_id"], second.chat_id);
}

/// Several tabs of one agent are one agent: both see the offer and the chat.
#[actix_web::test]
async fn two_tabs_of_one_agent_see_the_same_offers_and_chats() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (mut tab1, _) = app.available_agent("agent").await;
    let token = app.agent_token("agent").await;
    let mut tab2 = app.agent_socket(&token, "").await;
    assert_eq!(tab2.expect("agent_hello").await["presence"], "available");

    let chat = app.start_chat("Hal").await;
    assert_eq!(tab1.expect("offer").await["chat_id"], chat.chat_id);
    assert_eq!(tab2.expect("offer").await["chat_id"], chat.chat_id);
    tab2.send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    tab1.expect("chat_assigned").await;
    tab2.expect("chat_assigned").await;

    tab1.send(json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "from tab 1" }))
        .await;
    let in_tab2 = loop {
        let frame = tab2.next().await.unwrap();
        if frame["kind"] == "message" {
            break frame;
        }
    };
    assert_eq!(in_tab2["text"], "from tab 1");
}

/// The playground a newcomer opens after the quick start is served, locked down by its CSP.
#[actix_web::test]
async fn the_playground_page_is_served() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let mut response = TestApp::client()
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let csp = response.headers().get("content-security-policy").unwrap();
    assert!(csp.to_str().unwrap().starts_with("default-src 'none'"));
    let page = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
    assert!(page.contains("/api/v1/agent/ws"));
    assert!(
        !page.contains("innerHTML"),
        "texts are set with textContent only"
    );
}
