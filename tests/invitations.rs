//! Direct chats through invitation codes, over real HTTP and WebSockets (R16, R37, R79, A12,
//! A13).

mod common;

use common::{Backend, TestApp, VisitorChat};
use serde_json::{json, Value};

/// The demo agent ("agent", hunt order 1) and "bob" (hunt order 2), both Available; bob makes
/// codes, so a chat that reached bob first went by its code, not by hunt order.
async fn two_agents_on(
    backend: Backend,
    offer_timeout_ms: i64,
) -> Option<(TestApp, common::WsClient, common::WsClient, String)> {
    let app = TestApp::builder(backend)
        .offer_timeout_ms(offer_timeout_ms)
        .agent("bob", 2, 3)
        .settings(|s| s.presence.grace_ms = 50)
        .spawn()
        .await?;
    let (alice, _) = app.available_agent("agent").await;
    let (bob, _) = app.available_agent("bob").await;
    let bob_token = app.agent_token("bob").await;
    Some((app, alice, bob, bob_token))
}

async fn two_agents(
    offer_timeout_ms: i64,
) -> (TestApp, common::WsClient, common::WsClient, String) {
    two_agents_on(Backend::Sqlite, offer_timeout_ms)
        .await
        .expect("SQLite is always there")
}

async fn new_code(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, code) = app
        .call("POST", "/api/v1/invitation-codes", Some(token), Some(body))
        .await;
    assert_eq!(status, 201, "{code}");
    code
}

async fn start_with_code(app: &TestApp, code: &str) -> (u16, Value) {
    app.try_start_chat(json!({ "name": "Kim", "invitation_code": code }))
        .await
}

fn chat_of(body: &Value) -> VisitorChat {
    VisitorChat {
        chat_id: body["chat_id"].as_i64().unwrap(),
        token: body["visitor_token"].as_str().unwrap().to_owned(),
    }
}

/// The agent's other socket got no offer: its next frame answers a ping.
async fn no_offer_for(agent: &mut common::WsClient) {
    agent.send(json!({ "type": "ping" })).await;
    let frames = agent.until(|f| f.iter().any(|f| f["type"] == "pong")).await;
    assert!(frames.iter().all(|f| f["type"] != "offer"), "{frames:?}");
}

/// R79, A13: the visitor gets the no-agent flow, and the other agent never saw the chat.
async fn ends_unmanaged_without_another_offer(
    app: &TestApp,
    chat: &VisitorChat,
    other_agent: &mut common::WsClient,
) {
    let mut visitor = app.visitor_socket(chat, 0).await;
    visitor.expect("visitor_hello").await;
    let frames = visitor
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    assert_eq!(frames.last().unwrap()["disposition"], "unmanaged");
    no_offer_for(other_agent).await;
}

/// R37, R16, A12: a code goes straight to its agent, past the hunt order; it is single use by
/// default; unknown and malformed codes are refused and start nothing.
#[actix_web::test]
async fn a_code_routes_the_visitor_straight_to_its_agent_once() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some(agents) = two_agents_on(backend, 15_000).await {
            a_code_routes_straight_to_its_agent_once(agents).await;
        }
    }
}

async fn a_code_routes_straight_to_its_agent_once(
    (app, mut alice, mut bob, bob_token): (TestApp, common::WsClient, common::WsClient, String),
) {
    let code = new_code(&app, &bob_token, json!({ "website_key": "demo" })).await;
    let digits = code["code"].as_str().unwrap();
    assert!(
        digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    assert_eq!(code["reusable"], false);
    assert_eq!(
        code["url"],
        format!("{}/?website=demo&invitation={digits}", app.base)
    );
    let (status, listed) = app
        .call("GET", "/api/v1/invitation-codes", Some(&bob_token), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed[0]["code"], digits);

    // Typed as a person would.
    let spaced = format!("{} {}", &digits[..3], &digits[3..]);
    let (status, started) = start_with_code(&app, &spaced).await;
    assert_eq!(status, 201, "{started}");
    let chat = chat_of(&started);
    let offer = bob.expect("offer").await;
    assert_eq!(offer["chat_id"], chat.chat_id);
    assert_eq!(offer["direct"], true);
    no_offer_for(&mut alice).await;
    bob.send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(bob.expect("chat_assigned").await["chat_id"], chat.chat_id);

    // Used up, unknown, malformed: refused with their codes.
    assert_eq!(
        start_with_code(&app, digits).await,
        (
            410,
            json!({ "error": "invitation_used_up", "message": "this invitation code has already been used; ask the agent for a new one" })
        )
    );
    let unknown = if digits == "000000" {
        "000001"
    } else {
        "000000"
    };
    let (status, body) = start_with_code(&app, unknown).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("invitation_unknown"))
    );
    let (status, body) = start_with_code(&app, "12345").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_invitation_code"))
    );
    let (_, listed) = app
        .call("GET", "/api/v1/invitation-codes", Some(&bob_token), None)
        .await;
    assert_eq!(
        listed,
        json!([]),
        "a used single-use code is no longer active"
    );
    // Refusals started no chat: the next chat is number 2.
    let next = app.start_chat("Lee").await;
    assert_eq!(next.chat_id, chat.chat_id + 1);
}

/// R79, A13: a direct chat the agent rejects is not offered to anyone else; the visitor gets
/// the no-agent flow at once.
#[actix_web::test]
async fn a_rejected_direct_chat_ends_for_the_visitor_at_once() {
    let (app, mut alice, mut bob, bob_token) = two_agents(15_000).await;
    let code = new_code(&app, &bob_token, json!({})).await;
    assert_eq!(code["url"], Value::Null, "no website, no link");
    let (_, started) = start_with_code(&app, code["code"].as_str().unwrap()).await;
    let chat = chat_of(&started);
    assert_eq!(bob.expect("offer").await["chat_id"], chat.chat_id);
    bob.send(json!({ "type": "reject_offer", "chat_id": chat.chat_id }))
        .await;
    ends_unmanaged_without_another_offer(&app, &chat, &mut alice).await;
}

/// R79, A13, A3: a direct chat its agent does not answer ends when the offer does (the agent
/// goes to RONA, as for any offer).
#[actix_web::test]
async fn an_unanswered_direct_chat_ends_when_its_offer_expires() {
    let (app, mut alice, mut bob, bob_token) = two_agents(150).await;
    let code = new_code(&app, &bob_token, json!({ "reusable": true })).await;
    assert_eq!(code["reusable"], true);
    let (_, started) = start_with_code(&app, code["code"].as_str().unwrap()).await;
    let chat = chat_of(&started);
    assert_eq!(bob.expect("offer").await["chat_id"], chat.chat_id);
    assert_eq!(bob.expect("offer_withdrawn").await["reason"], "expired");
    assert_eq!(bob.expect("presence").await["presence"], "rona");
    ends_unmanaged_without_another_offer(&app, &chat, &mut alice).await;

    // A reusable code still works; its agent is in RONA, so this chat ends at once too.
    let (status, _) = start_with_code(&app, code["code"].as_str().unwrap()).await;
    assert_eq!(status, 201);
}

/// R37: an agent revokes its code, which then counts as expired; only signed-in users make
/// codes, within the validity limits.
#[actix_web::test]
async fn codes_are_revoked_by_their_agent_and_made_only_within_limits() {
    let (app, _alice, _bob, bob_token) = two_agents(15_000).await;
    let alice_token = app.agent_token("agent").await;
    let code = new_code(&app, &bob_token, json!({ "validity_minutes": 5 })).await;
    let digits = code["code"].as_str().unwrap();
    let path = format!("/api/v1/invitation-codes/{digits}");
    let (status, _) = app.call("DELETE", &path, Some(&alice_token), None).await;
    assert_eq!(status, 404, "not alice's code");
    let (status, _) = app.call("DELETE", &path, Some(&bob_token), None).await;
    assert_eq!(status, 204);
    let (status, body) = start_with_code(&app, digits).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (410, Some("invitation_expired"))
    );

    for bad in [
        json!({ "validity_minutes": 0 }),
        json!({ "validity_minutes": 100_000 }),
    ] {
        let (status, body) = app
            .call(
                "POST",
                "/api/v1/invitation-codes",
                Some(&bob_token),
                Some(bad),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (422, Some("invalid_validity"))
        );
    }
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/invitation-codes",
            Some(&bob_token),
            Some(json!({ "website_key": "nope" })),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("website_not_found"))
    );
    let (status, _) = app
        .call("POST", "/api/v1/invitation-codes", None, Some(json!({})))
        .await;
    assert_eq!(status, 401);
}
