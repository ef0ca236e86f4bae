//! The agents' waiting list, the visitor's context, and the client preview with pick and
//! redirect, over real sockets (issue 3: R32, R34, R35, R36, R54, R90).
//!
//! Chats here wait with nobody Available because a queue gives agents `presence.grace_ms`
//! (30 s by default) after the engine starts before it ends hunts for lack of agents.

mod common;

use common::{Backend, TestApp, WsClient};
use serde_json::{json, Value};

const FIREFOX_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";
const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36";
const VISITOR_KEY: &str = "v-4f1c2a9e7b3d4e58";

/// A chat started with a body and headers; returns its id and token.
async fn start(app: &TestApp, body: Value, headers: &[(&str, &str)]) -> common::VisitorChat {
    let (status, body) = app.post_chat(body, headers).await;
    assert_eq!(status, 201, "{body}");
    common::VisitorChat {
        chat_id: body["chat_id"].as_i64().unwrap(),
        token: body["visitor_token"].as_str().unwrap().to_owned(),
    }
}

/// An agent's socket, its hello read, left Away (it gets no offers).
async fn away_agent(app: &TestApp, username: &str) -> (WsClient, Value) {
    let token = app.agent_token(username).await;
    let mut socket = app.agent_socket(&token, "").await;
    let hello = socket.expect("agent_hello").await;
    (socket, hello)
}

/// The next frame that answers a command about `chat_id`, skipping what else arrives.
async fn answer(socket: &mut WsClient, kind: &str) -> Value {
    let frames = socket
        .until(|f| f.iter().any(|f| f["type"] == kind || f["type"] == "error"))
        .await;
    frames.last().unwrap().clone()
}

async fn command(socket: &mut WsClient, frame: Value, kind: &str) -> Value {
    socket.send(frame).await;
    answer(socket, kind).await
}

fn names(list: &Value) -> Vec<String> {
    list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["visitor_name"].as_str().unwrap().to_owned())
        .collect()
}

/// Two fields of every object in a JSON array.
fn pairs(array: &Value, first: &str, second: &str) -> Vec<(Value, Value)> {
    array
        .as_array()
        .unwrap()
        .iter()
        .map(|item| (item[first].clone(), item[second].clone()))
        .collect()
}

async fn admin_token(app: &TestApp) -> String {
    app.add_user("root", "admin");
    app.agent_token("root").await
}

async fn set_options(app: &TestApp, token: &str, change: Value) -> (u16, Value) {
    let mut response = TestApp::client()
        .put(format!("{}/api/v1/options", app.base))
        .bearer_auth(token)
        .send_json(&change)
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json::<Value>().await.unwrap())
}

/// R34, R12, R54: members see, live, who waits: the list arrives in the hello, then changes
/// as chats arrive, as a visitor moves to another page, and as chats leave.
async fn the_waiting_list_follows_the_queue(app: TestApp) {
    let order = json!({"type": "input", "input": "text", "name": "order", "label": "Order number"});
    app.set_forms(json!({ "elements": [order] }), Value::Null)
        .await;
    let (mut agent, hello) = away_agent(&app, "agent").await;
    assert_eq!(
        hello["waiting_lists"],
        json!([{ "queue_id": 1, "queue_name": "Support", "entries": [], "total": 0 }])
    );

    let ann = start(
        &app,
        json!({ "name": "Ann", "fields": { "order": "A-1042" },
                "page_url": "http://localhost:3000/pricing", "page_title": "Pricing",
                "visitor_key": VISITOR_KEY }),
        &[
            ("User-Agent", FIREFOX_WINDOWS),
            ("Accept-Language", "de-CH,de;q=0.9,en;q=0.8"),
        ],
    )
    .await;
    let list = agent.waiting_list_where(|l| names(l) == ["Ann"]).await;
    assert_eq!(list["queue_id"], 1);
    assert_eq!(list["queue_name"], "Support");
    let entry = &list["entries"][0];
    assert_eq!(entry["chat_id"], ann.chat_id);
    assert_eq!(entry["position"], 1);
    assert_eq!(entry["website_key"], "demo");
    assert!(entry["requested_at_ms"].as_i64().unwrap() > 0);
    let details = &entry["visitor_details"];
    assert_eq!(details["language"], "de-CH");
    assert_eq!(details["browser"], "Firefox");
    assert_eq!(details["browser_version"], "121");
    assert_eq!(details["os"], "Windows");
    assert_eq!(details["page_url"], "http://localhost:3000/pricing");
    assert_eq!(details["page_title"], "Pricing");
    assert_eq!(details["fields"], json!({ "order": "A-1042" }));

    // The explicit language wins over the browser's.
    let bea = start(
        &app,
        json!({ "name": "Bea", "language": "fr" }),
        &[("Accept-Language", "de")],
    )
    .await;
    let list = agent
        .waiting_list_where(|l| names(l) == ["Ann", "Bea"])
        .await;
    assert_eq!(list["entries"][1]["position"], 2);
    assert_eq!(list["entries"][1]["visitor_details"]["language"], "fr");

    // R54: a waiting visitor who moves on shows up on the new page.
    let mut bea_socket = app.visitor_socket(&bea, 0).await;
    bea_socket.expect("visitor_hello").await;
    bea_socket
        .send(json!({ "type": "page_view", "url": "http://localhost:3000/faq", "title": "FAQ" }))
        .await;
    let list = agent
        .waiting_list_where(|l| {
            l["entries"][1]["visitor_details"]["page_url"] == "http://localhost:3000/faq"
        })
        .await;
    assert_eq!(list["entries"][1]["visitor_details"]["page_title"], "FAQ");

    // Ann leaves: Bea moves up.
    let response = TestApp::client()
        .post(format!("{}/api/v1/chats/{}/end", app.base, ann.chat_id))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let list = agent.waiting_list_where(|l| names(l) == ["Bea"]).await;
    assert_eq!(list["entries"][0]["position"], 1);

    // A second tab gets the current list in its hello.
    let (_, hello) = away_agent(&app, "agent").await;
    assert_eq!(names(&hello["waiting_lists"][0]), ["Bea"]);
}

#[actix_web::test]
async fn the_waiting_list_follows_the_queue_on_sqlite() {
    the_waiting_list_follows_the_queue(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
}

#[actix_web::test]
async fn the_waiting_list_follows_the_queue_on_postgres() {
    if let Some(app) = TestApp::spawn(Backend::Postgres).await {
        the_waiting_list_follows_the_queue(app).await;
    }
}

/// R32, R34, R54: the offer tells the agent the visitor's language, browser, OS and page; a
/// visitor who moves on during the chat is followed by the agent who holds it.
#[actix_web::test]
async fn an_offer_carries_the_visitor_context() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = start(
        &app,
        json!({ "name": "Cid", "page_url": "https://shop.example.com/cart", "language": "pt-BR" }),
        &[("User-Agent", CHROME_ANDROID)],
    )
    .await;
    let offer = agent.expect("offer").await;
    assert_eq!(offer["visitor_name"], "Cid");
    assert_eq!(offer["queue_name"], "Support");
    let details = &offer["visitor_details"];
    assert_eq!(details["language"], "pt-BR");
    assert_eq!(details["browser"], "Chrome");
    assert_eq!(details["os"], "Android");
    assert_eq!(details["page_url"], "https://shop.example.com/cart");
    assert_eq!(details["page_title"], json!(null));

    agent
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    agent
        .until(|f| f.iter().any(|f| f["kind"] == "agent_joined"))
        .await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;
    visitor
        .send(json!({ "type": "page_view", "url": "https://shop.example.com/checkout" }))
        .await;
    let moved = answer(&mut agent, "visitor_page").await;
    assert_eq!(moved["chat_id"], chat.chat_id);
    assert_eq!(moved["url"], "https://shop.example.com/checkout");
    // Page views are not chat events: the visitor's transcript has none.
    let kinds: Vec<Value> = app
        .visitor_history(&chat)
        .await
        .iter()
        .map(|e| e["kind"].clone())
        .collect();
    assert_eq!(kinds, [json!("chat_requested"), json!("agent_joined")]);

    // A bad page view is refused with a stable code and the socket stays.
    visitor
        .send(json!({ "type": "page_view", "url": "javascript:alert(1)" }))
        .await;
    let refused = answer(&mut visitor, "error").await;
    assert_eq!(refused["error"], "invalid_page_url");
    assert_eq!(refused["chat_id"], chat.chat_id);
}

/// Bad visitor context refuses the request with a stable code and creates no chat.
#[actix_web::test]
async fn bad_visitor_context_creates_no_chat() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (mut agent, _) = away_agent(&app, "agent").await;
    for (body, code) in [
        (
            json!({ "name": "Dan", "page_url": "ftp://example.com/x" }),
            "invalid_page_url",
        ),
        (
            json!({ "name": "Dan", "page_url": "https://example.com", "page_title": "t".repeat(301) }),
            "page_title_too_long",
        ),
        (
            json!({ "name": "Dan", "language": "klingon!" }),
            "invalid_language",
        ),
        (
            json!({ "name": "Dan", "visitor_key": "short" }),
            "invalid_visitor_key",
        ),
    ] {
        let (status, answer) = app.post_chat(body, &[]).await;
        assert_eq!((status, answer["error"].as_str()), (422, Some(code)));
    }
    // A malformed Accept-Language is only ignored: it is the browser's, not the visitor's.
    let chat = start(
        &app,
        json!({ "name": "Eve" }),
        &[("Accept-Language", "***")],
    )
    .await;
    let list = agent.waiting_list_where(|l| !names(l).is_empty()).await;
    assert_eq!(names(&list), ["Eve"], "only the good request made a chat");
    assert_eq!(list["entries"][0]["chat_id"], chat.chat_id);
    assert_eq!(
        list["entries"][0]["visitor_details"]["language"],
        json!(null)
    );
}

/// R35, R90, R36: the preview shows the conversation so far, the pages visited and the
/// visitor's earlier session; with the admin's option on, also who the chat was routed to.
async fn the_preview_shows_messages_pages_and_past_sessions(backend: Backend) {
    let Some(app) = TestApp::builder(backend).agent("bob", 2, 3).spawn().await else {
        return;
    };
    // An earlier session of the same visitor, held and ended by the demo agent.
    let (mut agent, _) = app.available_agent("agent").await;
    let first = start(
        &app,
        json!({ "name": "Fay", "visitor_key": VISITOR_KEY }),
        &[],
    )
    .await;
    agent.expect("offer").await;
    agent
        .send(json!({ "type": "accept_offer", "chat_id": first.chat_id }))
        .await;
    agent
        .until(|f| f.iter().any(|f| f["kind"] == "agent_joined"))
        .await;
    agent
        .send(json!({ "type": "end_chat", "chat_id": first.chat_id }))
        .await;
    agent
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    agent
        .send(json!({ "type": "set_presence", "presence": "away" }))
        .await;
    answer(&mut agent, "presence").await;

    // Now Fay is back; bob is offered the chat and rejects it, so it waits.
    let (mut bob, _) = app.available_agent("bob").await;
    let second = start(
        &app,
        json!({ "name": "Fay", "visitor_key": VISITOR_KEY,
                "page_url": "http://localhost:3000/pricing", "page_title": "Pricing" }),
        &[],
    )
    .await;
    assert_eq!(answer(&mut bob, "offer").await["chat_id"], second.chat_id);
    bob.send(json!({ "type": "reject_offer", "chat_id": second.chat_id }))
        .await;
    answer(&mut bob, "offer_withdrawn").await;
    let mut fay = app.visitor_socket(&second, 0).await;
    fay.expect("visitor_hello").await;
    fay.send(json!({ "type": "send_message", "text": "Anyone?", "client_key": "f1" }))
        .await;
    fay.expect("event").await;
    fay.send(json!({ "type": "page_view", "url": "http://localhost:3000/faq", "title": "FAQ" }))
        .await;
    agent
        .waiting_list_where(|l| {
            l["entries"][0]["visitor_details"]["page_url"] == "http://localhost:3000/faq"
        })
        .await;

    let preview_frame = json!({ "type": "preview_chat", "chat_id": second.chat_id });
    let preview = command(&mut agent, preview_frame.clone(), "chat_preview").await;
    assert_eq!(preview["type"], "chat_preview", "{preview}");
    assert_eq!(preview["chat_id"], second.chat_id);
    assert_eq!(preview["state"], "queued");
    assert_eq!(preview["position"], 1);
    assert_eq!(preview["queue_name"], "Support");
    assert_eq!(preview["visitor_name"], "Fay");
    assert_eq!(preview["visitor_details"]["page_title"], "FAQ");
    let texts: Vec<&Value> = preview["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "message")
        .map(|e| &e["text"])
        .collect();
    assert_eq!(texts, [&json!("Anyone?")]);
    assert_eq!(
        pairs(&preview["pages"], "url", "title"),
        [
            (json!("http://localhost:3000/pricing"), json!("Pricing")),
            (json!("http://localhost:3000/faq"), json!("FAQ")),
        ]
    );
    let past = preview["past_sessions"].as_array().unwrap();
    assert_eq!(past.len(), 1, "{preview}");
    assert_eq!(past[0]["chat_id"], first.chat_id);
    assert_eq!(past[0]["disposition"], "agent_ended");
    assert_eq!(past[0]["agent_name"], "Demo Agent");
    assert_eq!(preview["routed_to"], json!(null));

    // R36: the admin lets agents see where the chat has been.
    let admin = admin_token(&app).await;
    let (status, options) = set_options(&app, &admin, json!({ "show_routed_agents": true })).await;
    assert_eq!(status, 200);
    for (name, value) in [
        ("client_preview", true),
        ("show_routed_agents", true),
        ("agents_may_ban", true),
    ] {
        assert_eq!(options[name], value, "{options}");
    }
    assert_eq!(options["unattended_timeout_ms"], json!(null), "{options}");
    let preview = command(&mut agent, preview_frame, "chat_preview").await;
    assert_eq!(
        pairs(&preview["routed_to"], "agent_name", "step"),
        [
            (json!("bob"), json!("offered")),
            (json!("bob"), json!("rejected"))
        ]
    );
}

#[actix_web::test]
async fn the_preview_shows_messages_pages_and_past_sessions_on_sqlite() {
    the_preview_shows_messages_pages_and_past_sessions(Backend::Sqlite).await;
}

#[actix_web::test]
async fn the_preview_shows_messages_pages_and_past_sessions_on_postgres() {
    the_preview_shows_messages_pages_and_past_sessions(Backend::Postgres).await;
}

/// R35: an Available member picks a waiting chat from the preview: it is assigned exactly
/// like an accepted offer, and the other agent's open offer of it is withdrawn.
#[actix_web::test]
async fn picking_assigns_the_chat_and_withdraws_another_agents_offer() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("bob", 2, 1)
        .spawn()
        .await
        .unwrap();
    let (mut alice, _) = app.available_agent("agent").await;
    let (mut bob, _) = app.available_agent("bob").await;
    let chat = app.start_chat("Gus").await;
    assert_eq!(alice.expect("offer").await["chat_id"], chat.chat_id);
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;
    visitor.expect_event("chat_requested").await;

    bob.send(json!({ "type": "pick_chat", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(
        answer(&mut bob, "chat_assigned").await["chat_id"],
        chat.chat_id
    );
    assert_eq!(bob.expect_event("chat_requested").await["seq"], 1);
    assert_eq!(bob.expect_event("agent_joined").await["agent_name"], "bob");
    let withdrawn = alice.expect("offer_withdrawn").await;
    assert_eq!(withdrawn["chat_id"], chat.chat_id);
    assert_eq!(withdrawn["reason"], "taken_by_another");
    assert_eq!(
        visitor.expect_event("agent_joined").await["agent_name"],
        "bob"
    );
    alice.waiting_list_where(|l| names(l).is_empty()).await;

    // The chat is bob's: he writes, the visitor reads.
    bob.send(json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "Hi Gus" }))
        .await;
    assert_eq!(visitor.expect_event("message").await["text"], "Hi Gus");

    // Gone from the queue: nobody can pick it again. Bob is at capacity (1) anyway.
    let again = command(
        &mut alice,
        json!({ "type": "pick_chat", "chat_id": chat.chat_id }),
        "chat_assigned",
    )
    .await;
    assert_eq!(again["error"], "chat_not_waiting");
    let next = app.start_chat("Hal").await;
    assert_eq!(answer(&mut alice, "offer").await["chat_id"], next.chat_id);
    let full = command(
        &mut bob,
        json!({ "type": "pick_chat", "chat_id": next.chat_id }),
        "chat_assigned",
    )
    .await;
    assert_eq!(full["error"], "at_capacity");
    alice
        .send(json!({ "type": "set_presence", "presence": "away" }))
        .await;
    answer(&mut alice, "presence").await;
    // Picking the chat one is offered is accepting it, whatever the presence.
    let own = command(
        &mut alice,
        json!({ "type": "pick_chat", "chat_id": next.chat_id }),
        "chat_assigned",
    )
    .await;
    assert_eq!(own["chat_id"], next.chat_id, "{own}");

    let third = app.start_chat("Ivy").await;
    let away = command(
        &mut alice,
        json!({ "type": "pick_chat", "chat_id": third.chat_id }),
        "chat_assigned",
    )
    .await;
    assert_eq!(away["error"], "not_available");
}

/// R35, R46: a member redirects a waiting chat to another queue; it keeps its request time,
/// the visitor is told, and the other queue's member gets the offer.
#[actix_web::test]
async fn redirect_moves_the_chat_to_another_queue() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent_without_queue("carol")
        .queue("Sales", &["carol"])
        .spawn()
        .await
        .unwrap();
    let (mut agent, _) = app.available_agent("agent").await;
    let carol_token = app.agent_token("carol").await;
    let mut carol = app.agent_socket(&carol_token, "").await;
    carol.expect("agent_hello").await;

    let chat = app.start_chat("Jon").await;
    let offer = answer(&mut agent, "offer").await;
    let requested_at_ms = offer["requested_at_ms"].clone();
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;
    visitor.expect_event("chat_requested").await;

    for (queue_id, code) in [(1, "invalid_input"), (99, "queue_not_found")] {
        let refused = command(
            &mut agent,
            json!({ "type": "redirect_chat", "chat_id": chat.chat_id, "queue_id": queue_id }),
            "chat_redirected",
        )
        .await;
        assert_eq!(refused["error"], code);
    }
    agent
        .send(json!({ "type": "redirect_chat", "chat_id": chat.chat_id, "queue_id": 2 }))
        .await;
    // The answer and the withdrawal of the agent's own offer come in either order.
    let frames = agent
        .until(|f| {
            f.iter().any(|f| f["type"] == "chat_redirected")
                && f.iter().any(|f| f["type"] == "offer_withdrawn")
        })
        .await;
    let of = |kind: &str| frames.iter().find(|f| f["type"] == kind).unwrap().clone();
    assert_eq!(
        of("chat_redirected"),
        json!({ "type": "chat_redirected", "chat_id": chat.chat_id, "from_queue_id": 1, "queue_id": 2, "agent_id": null })
    );
    assert_eq!(of("offer_withdrawn")["reason"], "redirected");
    let told = visitor.expect_event("redirected").await;
    assert_eq!(told["queue_id"], 2);
    assert_eq!(told["queue_name"], "Sales");
    assert_eq!(told["author"], json!({ "kind": "system" }));

    // Carol, of Sales only, sees it wait there and is offered it with its original time.
    let list = carol.waiting_list_where(|l| names(l) == ["Jon"]).await;
    assert_eq!(list["queue_name"], "Sales");
    carol
        .send(json!({ "type": "set_presence", "presence": "available" }))
        .await;
    let offer = answer(&mut carol, "offer").await;
    assert_eq!(offer["chat_id"], chat.chat_id);
    assert_eq!(offer["queue_id"], 2);
    assert_eq!(offer["requested_at_ms"], requested_at_ms);
    carol
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(
        visitor.expect_event("agent_joined").await["agent_name"],
        "carol"
    );
}

/// R35, R46, R16: a member redirects a waiting chat to one agent: it becomes a direct chat in a
/// queue of that agent, offered to that agent alone, keeping its request time; the visitor is
/// told who will answer. Bad targets are refused.
#[actix_web::test]
async fn redirect_to_an_agent_makes_a_direct_chat_for_that_agent() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("bob", 2, 3)
        .agent_without_queue("carol")
        .agent_without_queue("dan")
        .queue("Sales", &["carol"])
        .spawn()
        .await
        .unwrap();
    let (mut agent, _) = app.available_agent("agent").await;
    let (mut bob, _) = app.available_agent("bob").await;
    let (mut carol, _) = app.available_agent("carol").await;
    let chat = app.start_chat("Kay").await;
    let offer = answer(&mut agent, "offer").await;
    let requested_at_ms = offer["requested_at_ms"].clone();
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;
    visitor.expect_event("chat_requested").await;

    let id_of = |name: &'static str| {
        let engine = app.engine.clone();
        async move {
            engine
                .db()
                .run(move |conn| parley::store::users::by_username(conn, name))
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let (agent_id, carol_id, dan_id) = (
        id_of("agent").await,
        id_of("carol").await,
        id_of("dan").await,
    );
    for (frame, code) in [
        (
            json!({ "type": "redirect_chat", "chat_id": chat.chat_id, "agent_id": dan_id }),
            "invalid_input",
        ),
        (
            json!({ "type": "redirect_chat", "chat_id": chat.chat_id, "agent_id": 999 }),
            "user_not_found",
        ),
        (
            json!({ "type": "redirect_chat", "chat_id": chat.chat_id, "agent_id": agent_id }),
            "invalid_input",
        ),
        (
            json!({ "type": "redirect_chat", "chat_id": chat.chat_id, "agent_id": carol_id, "queue_id": 2 }),
            "invalid_input",
        ),
    ] {
        let refused = command(&mut agent, frame.clone(), "chat_redirected").await;
        assert_eq!(refused["error"], code, "{frame}");
    }

    agent
        .send(json!({ "type": "redirect_chat", "chat_id": chat.chat_id, "agent_id": carol_id }))
        .await;
    let frames = agent
        .until(|f| f.iter().any(|f| f["type"] == "chat_redirected"))
        .await;
    let answered = frames
        .iter()
        .find(|f| f["type"] == "chat_redirected")
        .unwrap();
    assert_eq!(answered["queue_id"], 2, "carol's queue");
    assert_eq!(answered["agent_id"], carol_id);
    let told = visitor.expect_event("redirected").await;
    assert_eq!(told["agent_name"], "carol");

    let offer = answer(&mut carol, "offer").await;
    assert_eq!(offer["chat_id"], chat.chat_id);
    assert_eq!(offer["direct"], true);
    assert_eq!(offer["requested_at_ms"], requested_at_ms);
    // Nobody else is offered it, though bob is Available.
    bob.send(json!({ "type": "ping" })).await;
    let frames = bob.until(|f| f.iter().any(|f| f["type"] == "pong")).await;
    assert!(frames.iter().all(|f| f["type"] != "offer"), "{frames:?}");
}

/// R35: with the admin switch off, previews, picks and redirects are refused; only admins
/// read or change the options.
#[actix_web::test]
async fn with_the_switch_off_preview_pick_and_redirect_are_refused() {
    let app = TestApp::builder(Backend::Sqlite)
        .queue("Sales", &["agent"])
        .spawn()
        .await
        .unwrap();
    let admin = admin_token(&app).await;
    let agent_token = app.agent_token("agent").await;
    for token in [&agent_token] {
        let (status, body) = set_options(&app, token, json!({ "client_preview": false })).await;
        assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    }
    let (status, body) = set_options(&app, &admin, json!({ "preview": false })).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_body"))
    );
    let (status, options) = set_options(&app, &admin, json!({ "client_preview": false })).await;
    assert_eq!(status, 200);
    assert_eq!(options["client_preview"], false);
    let mut response = TestApp::client()
        .get(format!("{}/api/v1/options", app.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let options = response.json::<Value>().await.unwrap();
    for (name, value) in [
        ("client_preview", false),
        ("show_routed_agents", false),
        ("agents_may_ban", true),
    ] {
        assert_eq!(options[name], value, "{options}");
    }

    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.start_chat("Kim").await;
    answer(&mut agent, "offer").await;
    for frame in [
        json!({ "type": "preview_chat", "chat_id": chat.chat_id }),
        json!({ "type": "pick_chat", "chat_id": chat.chat_id }),
        json!({ "type": "redirect_chat", "chat_id": chat.chat_id, "queue_id": 2 }),
    ] {
        let refused = command(&mut agent, frame, "never").await;
        assert_eq!(refused["error"], "preview_disabled");
        assert_eq!(refused["chat_id"], chat.chat_id);
    }
    // Accepting the offer is not a preview feature: it still works.
    agent
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    answer(&mut agent, "chat_assigned").await;
}

/// R25, R35: only members of the chat's queue may preview or pick it; a chat another agent
/// holds is not anyone else's to preview.
#[actix_web::test]
async fn non_members_cannot_preview_or_pick() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent_without_queue("dora")
        .queue("Sales", &["dora"])
        .spawn()
        .await
        .unwrap();
    let dora_token = app.agent_token("dora").await;
    let mut dora = app.agent_socket(&dora_token, "").await;
    let hello = dora.expect("agent_hello").await;
    dora.send(json!({ "type": "set_presence", "presence": "available" }))
        .await;
    answer(&mut dora, "presence").await;
    // Dora is only in Sales, and sees only its list.
    let queues: Vec<&Value> = hello["waiting_lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["queue_name"])
        .collect();
    assert_eq!(queues, [&json!("Sales")]);

    let chat = app.start_chat("Lea").await;
    for frame in [
        json!({ "type": "preview_chat", "chat_id": chat.chat_id }),
        json!({ "type": "pick_chat", "chat_id": chat.chat_id }),
        json!({ "type": "redirect_chat", "chat_id": chat.chat_id, "queue_id": 2 }),
    ] {
        let refused = command(&mut dora, frame, "never").await;
        assert_eq!(refused["error"], "not_a_queue_member", "{refused}");
    }

    // Once the demo agent holds the chat, it is its own business.
    let (mut agent, _) = app.available_agent("agent").await;
    answer(&mut agent, "offer").await;
    agent
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    answer(&mut agent, "chat_assigned").await;
    let refused = command(
        &mut dora,
        json!({ "type": "preview_chat", "chat_id": chat.chat_id }),
        "never",
    )
    .await;
    assert_eq!(refused["error"], "not_a_participant");
    // ...and the agent who holds it can still look at its details (a dashboard reload).
    let own = command(
        &mut agent,
        json!({ "type": "preview_chat", "chat_id": chat.chat_id }),
        "chat_preview",
    )
    .await;
    assert_eq!(own["state"], "active");
    assert_eq!(own["position"], json!(null));
    assert_eq!(
        own["visitor_details"]["page_url"],
        "http://localhost:3000/pricing"
    );
}

/// R34: a long line is listed by its head, with the count of all who wait; the positions
/// visitors see stay exact however long the line.
#[actix_web::test]
async fn a_long_line_lists_its_head_and_counts_everyone() {
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .settings(|s| s.routing.waiting_list_limit = 2)
        .spawn()
        .await
    else {
        return;
    };
    let (mut agent, _) = away_agent(&app, "agent").await;
    let mut chats = Vec::new();
    for name in ["Ann", "Bea", "Cid", "Dan"] {
        chats.push(start(&app, json!({ "name": name }), &[]).await);
    }
    let list = agent.waiting_list_where(|l| l["total"] == 4).await;
    assert_eq!(names(&list), ["Ann", "Bea"]);

    let mut dan = app.visitor_socket(&chats[3], 0).await;
    dan.expect("visitor_hello").await;
    assert_eq!(dan.next_position().await["position"], 4);
}
