//! Verified visitor data, visitor editing, contacts, agent notes and bans over a real server
//! (R52, R55, R88, R89, R90, R46), on SQLite and PostgreSQL.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::smtp::{wait_for_mail, SmtpServer};
use common::{Backend, TestApp, VisitorChat, WsClient};
use parley::clock::now_ms;
use parley::domain::identity::sign;
use serde_json::{json, Value};

/// A token as a website's backend makes it: base64url JSON, then the hex HMAC of that text.
fn identity_token(secret: &str, claims: Value) -> String {
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{payload}.{}", sign(secret, &payload))
}

/// Ann as the demo website knows her, valid for an hour.
fn ann_claims() -> Value {
    json!({
        "sub": "user-42",
        "name": "Ann Smith",
        "email": "ann@example.org",
        "attributes": { "plan": "gold" },
        "exp": now_ms() / 1000 + 3600,
    })
}

const KEY: &str = "visitor-key-0123456789";

/// Generates the demo website's identity secret as an admin (R71).
async fn new_secret(app: &TestApp, admin: &str) -> String {
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/websites/demo/identity/secret",
            Some(admin),
            None,
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["has_secret"], true);
    let secret = body["secret"]
        .as_str()
        .expect("the secret, once")
        .to_owned();
    assert_eq!(secret.len(), 64);
    secret
}

async fn start(app: &TestApp, body: Value) -> VisitorChat {
    let (status, body) = app.post_chat(body, &[]).await;
    assert_eq!(status, 201, "{body}");
    VisitorChat {
        chat_id: body["chat_id"].as_i64().expect("chat id"),
        token: body["visitor_token"].as_str().expect("token").to_owned(),
    }
}

/// The agent is offered the chat and takes it; returns the offer.
async fn take(agent: &mut WsClient, chat: &VisitorChat) -> Value {
    let offer = agent.expect("offer").await;
    assert_eq!(offer["chat_id"], chat.chat_id, "{offer}");
    agent
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    agent
        .until(|f| f.iter().any(|f| f["kind"] == "agent_joined"))
        .await;
    offer
}

async fn preview(agent: &mut WsClient, chat: &VisitorChat) -> Value {
    agent
        .send(json!({ "type": "preview_chat", "chat_id": chat.chat_id }))
        .await;
    let frames = agent
        .until(|f| f.iter().any(|f| f["type"] == "chat_preview"))
        .await;
    frames.last().cloned().unwrap_or_default()
}

fn error_of(status: u16, body: &Value) -> (u16, &str) {
    (status, body["error"].as_str().unwrap_or_default())
}

/// R52: an admin generates the secret (shown once); a valid signature marks the values
/// verified in the offer and the preview, and names the chat, the typed name kept unmarked;
/// a tampered payload, a wrong secret and an expired token are refused and start nothing;
/// `require_signed` refuses unsigned starts; a new secret voids the old tokens.
async fn signed_identities_are_verified_and_forged_ones_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = app.admin_token().await;
    let agent_token = app.agent_token("agent").await;
    let path = "/api/v1/websites/demo/identity";
    let (status, body) = app.call("GET", path, Some(&agent_token), None).await;
    assert_eq!(error_of(status, &body), (403, "forbidden"));
    // R71: a supervisor reads the setting; only an admin changes it or makes a secret.
    let supervisor = app.supervisor_token().await;
    let (status, _) = app.call("GET", path, Some(&supervisor), None).await;
    assert_eq!(status, 200);
    let require = Some(json!({ "require_signed": false }));
    let (status, body) = app.call("PUT", path, Some(&supervisor), require).await;
    assert_eq!(error_of(status, &body), (403, "forbidden"));
    let secret_path = format!("{path}/secret");
    let (status, body) = app
        .call("POST", &secret_path, Some(&supervisor), None)
        .await;
    assert_eq!(error_of(status, &body), (403, "forbidden"));
    let (status, body) = app.call("GET", path, Some(&admin), None).await;
    assert_eq!(
        (status, body),
        (200, json!({ "require_signed": false, "has_secret": false }))
    );
    let require = Some(json!({ "require_signed": true }));
    let (status, body) = app.call("PUT", path, Some(&admin), require.clone()).await;
    assert_eq!(error_of(status, &body), (409, "identity_secret_missing"));
    let secret = new_secret(&app, &admin).await;
    let (status, body) = app.call("GET", path, Some(&admin), None).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "require_signed": false, "has_secret": true }));

    let (mut agent, _) = app.available_agent("agent").await;
    let token = identity_token(&secret, ann_claims());
    let chat = start(
        &app,
        json!({ "name": "annie", "visitor_key": KEY, "identity": token }),
    )
    .await;
    let offer = take(&mut agent, &chat).await;
    assert_eq!(offer["visitor_name"], "Ann Smith", "{offer}");
    let details = &offer["visitor_details"];
    assert_eq!(details["typed_name"], "annie");
    assert_eq!(details["verified"]["sub"], "user-42");
    assert_eq!(details["verified"]["email"], "ann@example.org");
    assert_eq!(details["verified"]["attributes"]["plan"], "gold");
    let shown = preview(&mut agent, &chat).await;
    assert_eq!(shown["visitor_details"]["verified"]["name"], "Ann Smith");

    // Forgeries: nothing is started.
    let (payload, signature) = token.split_once('.').unwrap();
    let mut other = ann_claims();
    other["name"] = json!("Mallory");
    let tampered = format!("{}.{signature}", URL_SAFE_NO_PAD.encode(other.to_string()));
    let wrong_secret = identity_token(&"0".repeat(64), ann_claims());
    let mut old = ann_claims();
    old["exp"] = json!(now_ms() / 1000 - 1);
    let expired = identity_token(&secret, old);
    let truncated = format!("{payload}.{}", &signature[..10]);
    for forged in [tampered, wrong_secret, expired, truncated] {
        let (status, body) = app
            .post_chat(json!({ "name": "x", "identity": forged }), &[])
            .await;
        assert_eq!(error_of(status, &body), (401, "invalid_identity"), "{body}");
    }
    assert_eq!(app.open_chats().await, 1);

    // Required: unsigned is refused, signed starts.
    let (status, body) = app.call("PUT", path, Some(&admin), require).await;
    assert_eq!((status, &body["require_signed"]), (200, &json!(true)));
    let (status, body) = app.post_chat(json!({ "name": "Bo" }), &[]).await;
    assert_eq!(error_of(status, &body), (401, "identity_required"));
    assert_eq!(app.open_chats().await, 1);
    start(&app, json!({ "name": "Bo", "identity": token })).await;

    // A new secret: the old token no longer verifies.
    new_secret(&app, &admin).await;
    let (status, body) = app
        .post_chat(json!({ "name": "Bo", "identity": token }), &[])
        .await;
    assert_eq!(error_of(status, &body), (401, "invalid_identity"));
}

#[actix_web::test]
async fn signed_identities_are_verified_and_forged_ones_refused_on_sqlite() {
    signed_identities_are_verified_and_forged_ones_refused(Backend::Sqlite).await;
}

#[actix_web::test]
async fn signed_identities_are_verified_and_forged_ones_refused_on_postgres() {
    signed_identities_are_verified_and_forged_ones_refused(Backend::Postgres).await;
}

/// R89, R90, R46: the agent edits the visitor's data (bad values refused by field; a changed
/// e-mail is no longer verified; the change is shown live), creates a contact from the chat,
/// finds it by search and links the visitor's next chat to it, whose preview then lists the
/// earlier chat and its note. An agent not in the chat can do none of it.
async fn agents_edit_visitors_and_keep_contacts_and_notes(backend: Backend) {
    let Some(app) = TestApp::builder(backend).agent("bob", 2, 3).spawn().await else {
        return;
    };
    let admin = app.admin_token().await;
    let secret = new_secret(&app, &admin).await;
    let (mut agent, _) = app.available_agent("agent").await;
    let token = app.agent_token("agent").await;
    let chat = start(
        &app,
        json!({ "name": "Ann", "identity": identity_token(&secret, ann_claims()) }),
    )
    .await;
    take(&mut agent, &chat).await;
    let visitor_path = format!("/api/v1/chats/{}/visitor", chat.chat_id);

    let bad = json!({ "name": " ", "email": "ann@", "phone": "call me" });
    let (status, body) = app
        .call("PATCH", &visitor_path, Some(&token), Some(bad))
        .await;
    assert_eq!(error_of(status, &body), (422, "invalid_fields"));
    let fields: Vec<(&str, &str)> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["error"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("name", "empty_name"),
            ("email", "invalid_email"),
            ("phone", "invalid_phone")
        ]
    );
    let (status, body) = app
        .call("PATCH", &visitor_path, Some(&token), Some(json!({})))
        .await;
    assert_eq!(error_of(status, &body), (422, "invalid_input"));

    let edit = json!({ "email": "ann@elsewhere.org", "phone": "+420 601 234 567" });
    let (status, body) = app
        .call("PATCH", &visitor_path, Some(&token), Some(edit))
        .await;
    assert_eq!(status, 200, "{body}");
    let details = &body["visitor_details"];
    assert_eq!(details["email"], "ann@elsewhere.org");
    assert_eq!(details["phone"], "+420601234567");
    assert_eq!(details["verified"]["email"], json!(null), "{body}");
    assert_eq!(details["verified"]["name"], "Ann Smith");
    assert_eq!(body["visitor_name"], "Ann Smith");
    let live = agent.expect("visitor_updated").await;
    assert_eq!(live["chat_id"], chat.chat_id);
    assert_eq!(live["visitor_details"]["email"], "ann@elsewhere.org");

    // A stranger: another agent of the queue, not in this chat.
    let bob = app.agent_token("bob").await;
    let notes_path = format!("/api/v1/chats/{}/notes", chat.chat_id);
    let contact_path = format!("/api/v1/chats/{}/contact", chat.chat_id);
    let ban_path = format!("/api/v1/chats/{}/ban", chat.chat_id);
    let note = Some(json!({ "text": "sneaky" }));
    for (method, path, body) in [
        ("PATCH", &visitor_path, Some(json!({ "name": "Eve" }))),
        ("GET", &notes_path, None),
        ("POST", &notes_path, note),
        ("POST", &contact_path, None),
        ("POST", &ban_path, Some(json!({ "reason": "because" }))),
    ] {
        let (status, answer) = app.call(method, path, Some(&bob), body).await;
        assert_eq!(
            error_of(status, &answer),
            (403, "not_a_participant"),
            "{method} {path}"
        );
    }

    // A note before the contact exists goes with the chat, and then with its contact.
    let (status, body) = app
        .call(
            "POST",
            &notes_path,
            Some(&token),
            Some(json!({ "text": " " })),
        )
        .await;
    assert_eq!(error_of(status, &body), (422, "empty_note"));
    let text = "Prefers e-mail; VIP customer";
    let (status, note) = app
        .call(
            "POST",
            &notes_path,
            Some(&token),
            Some(json!({ "text": text })),
        )
        .await;
    assert_eq!(status, 201, "{note}");
    assert_eq!(note["author_name"], "Demo Agent");

    let (status, created) = app.call("POST", &contact_path, Some(&token), None).await;
    assert_eq!(status, 201, "{created}");
    let contact = &created["contact"];
    assert_eq!(contact["name"], "Ann Smith");
    assert_eq!(contact["email"], "ann@elsewhere.org");
    assert_eq!(contact["phone"], "+420601234567");
    let contact_id = contact["contact_id"].as_i64().unwrap();

    // R52, R88: the start already found or made a contact from the verified address.
    let (status, found) = app
        .call("GET", "/api/v1/contacts?q=ann%20smith", Some(&bob), None)
        .await;
    assert_eq!(status, 200);
    let emails: Vec<&Value> = found["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["email"])
        .collect();
    assert_eq!(emails.len(), 2, "{found}");
    assert!(emails.contains(&&json!("ann@example.org")), "{found}");
    for q in ["ELSEWHERE", "601234"] {
        let (status, found) = app
            .call("GET", &format!("/api/v1/contacts?q={q}"), Some(&bob), None)
            .await;
        assert_eq!(status, 200, "{found}");
        let ids: Vec<i64> = found["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["contact_id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [contact_id], "{q}");
    }
    let (status, body) = app
        .call("GET", "/api/v1/contacts?q=a", Some(&bob), None)
        .await;
    assert_eq!(error_of(status, &body), (422, "invalid_input"));
    let (status, body) = app.call("GET", "/api/v1/contacts?q=ann", None, None).await;
    assert_eq!(error_of(status, &body), (401, "unauthorized"));

    // Ann comes back from another browser, unsigned; the agent links her chat.
    agent
        .send(json!({ "type": "end_chat", "chat_id": chat.chat_id }))
        .await;
    agent
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    let again = start(&app, json!({ "name": "Ann" })).await;
    take(&mut agent, &again).await;
    let link_path = format!("/api/v1/chats/{}/contact", again.chat_id);
    let missing = Some(json!({ "contact_id": 999_999 }));
    let (status, body) = app.call("PUT", &link_path, Some(&token), missing).await;
    assert_eq!(error_of(status, &body), (404, "contact_not_found"));
    let link = Some(json!({ "contact_id": contact_id }));
    let (status, body) = app.call("PUT", &link_path, Some(&token), link).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["contact"]["contact_id"], contact_id);

    let shown = preview(&mut agent, &again).await;
    let past: Vec<&Value> = shown["past_sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["chat_id"])
        .collect();
    assert_eq!(past, [&json!(chat.chat_id)], "{shown}");
    assert_eq!(shown["notes"][0]["text"], text, "{shown}");
    let (status, notes) = app
        .call(
            "GET",
            &format!("/api/v1/chats/{}/notes", again.chat_id),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(notes["notes"][0]["text"], text);
    assert_eq!(notes["notes"][0]["chat_id"], chat.chat_id);
}

#[actix_web::test]
async fn agents_edit_visitors_and_keep_contacts_and_notes_on_sqlite() {
    agents_edit_visitors_and_keep_contacts_and_notes(Backend::Sqlite).await;
}

#[actix_web::test]
async fn agents_edit_visitors_and_keep_contacts_and_notes_on_postgres() {
    agents_edit_visitors_and_keep_contacts_and_notes(Backend::Postgres).await;
}

const NOTE: &str = "internalnote about this visitor";

/// R46, R90: a note reaches agents, never the visitor: not its socket, not its history, not
/// its transcript, and not the notes endpoint with the visitor's token.
async fn notes_never_reach_the_visitor(backend: Backend) {
    let smtp = SmtpServer::start(0);
    let Some(app) = TestApp::builder(backend).smtp(smtp.port).spawn().await else {
        return;
    };
    let (mut agent, _) = app.available_agent("agent").await;
    let token = app.agent_token("agent").await;
    let chat = start(&app, json!({ "name": "Cy", "visitor_key": KEY })).await;
    take(&mut agent, &chat).await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.round_trip().await;
    let transcript = format!("/api/v1/chats/{}/transcript", chat.chat_id);
    let email = Some(json!({ "email": "cy@example.org" }));
    let (status, body) = app
        .call("POST", &transcript, Some(&chat.token), email)
        .await;
    assert_eq!(status, 202, "{body}");

    let notes_path = format!("/api/v1/chats/{}/notes", chat.chat_id);
    let (status, body) = app
        .call(
            "POST",
            &notes_path,
            Some(&token),
            Some(json!({ "text": NOTE })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    agent
        .send(json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "Hello Cy" }))
        .await;
    agent.collect("ack", 1).await;

    let live = visitor
        .until(|f| f.iter().any(|f| f["kind"] == "message"))
        .await;
    assert!(!format!("{live:?}").contains("internalnote"), "{live:?}");
    assert!(visitor.round_trip().await.is_empty());
    let history = app.visitor_history(&chat).await;
    assert!(!format!("{history:?}").contains("internalnote"));
    let (status, body) = app.call("GET", &notes_path, Some(&chat.token), None).await;
    assert_eq!(error_of(status, &body), (401, "unauthorized"));

    agent
        .send(json!({ "type": "end_chat", "chat_id": chat.chat_id }))
        .await;
    let mail = wait_for_mail(&smtp, 1).await[0].replace("=\r\n", "");
    assert!(mail.contains("Hello Cy"), "{mail}");
    assert!(!mail.contains("internalnote"), "{mail}");
    // Agents still read it after the end.
    let (status, body) = app.call("GET", &notes_path, Some(&token), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["notes"][0]["text"], NOTE);
}

#[actix_web::test]
async fn notes_never_reach_the_visitor_on_sqlite() {
    notes_never_reach_the_visitor(Backend::Sqlite).await;
}

#[actix_web::test]
async fn notes_never_reach_the_visitor_on_postgres() {
    notes_never_reach_the_visitor(Backend::Postgres).await;
}

async fn set_agents_may_ban(app: &TestApp, admin: &str, allowed: bool) {
    let change = Some(json!({ "agents_may_ban": allowed }));
    let (status, body) = app
        .call("PUT", "/api/v1/options", Some(admin), change)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["agents_may_ban"], allowed);
}

/// R55: with the option off an agent may not ban; on, the agent bans the visitor with a
/// reason, the chat ends as `banned`, and the same browser cannot start a chat (nothing is
/// stored) while another can; the signed user id is banned too; supervisors list the bans,
/// agents may not; lifting a ban lets the visitor start again.
async fn banned_visitors_cannot_start_chats(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.add_user("root", "admin");
    let admin = app.agent_token("root").await;
    let supervisor = app.supervisor_token().await;
    let secret = new_secret(&app, &admin).await;
    let (mut agent, _) = app.available_agent("agent").await;
    let token = app.agent_token("agent").await;
    let signed = identity_token(&secret, ann_claims());
    let chat = start(
        &app,
        json!({ "name": "Troll", "visitor_key": KEY, "identity": signed }),
    )
    .await;
    take(&mut agent, &chat).await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.round_trip().await;
    let ban_path = format!("/api/v1/chats/{}/ban", chat.chat_id);

    set_agents_may_ban(&app, &admin, false).await;
    let reason = Some(json!({ "reason": "abusive language" }));
    let (status, body) = app
        .call("POST", &ban_path, Some(&token), reason.clone())
        .await;
    assert_eq!(error_of(status, &body), (403, "ban_not_allowed"));
    set_agents_may_ban(&app, &admin, true).await;
    let (status, body) = app
        .call(
            "POST",
            &ban_path,
            Some(&token),
            Some(json!({ "reason": "" })),
        )
        .await;
    assert_eq!(error_of(status, &body), (422, "empty_ban_reason"));
    let (status, ban) = app.call("POST", &ban_path, Some(&token), reason).await;
    assert_eq!(status, 201, "{ban}");
    assert_eq!(ban["visitor_key"], KEY);
    assert_eq!(ban["subject"], "user-42");
    let ended = visitor
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    assert_eq!(ended.last().unwrap()["disposition"], "banned", "{ended:?}");
    agent
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    assert_eq!(app.open_chats().await, 0);

    // The same browser, and the same signed user from another browser, are refused.
    let other_key = "another-browser-0123456";
    for body in [
        json!({ "name": "Troll", "visitor_key": KEY }),
        json!({ "name": "Troll", "visitor_key": other_key, "identity": signed }),
    ] {
        let (status, answer) = app.post_chat(body, &[]).await;
        assert_eq!(error_of(status, &answer), (403, "visitor_banned"));
    }
    assert_eq!(app.open_chats().await, 0);
    let fresh = start(&app, json!({ "name": "Kind", "visitor_key": other_key })).await;
    take(&mut agent, &fresh).await;

    let (status, body) = app.call("GET", "/api/v1/bans", Some(&token), None).await;
    assert_eq!(error_of(status, &body), (403, "forbidden"));
    let (status, list) = app
        .call("GET", "/api/v1/bans", Some(&supervisor), None)
        .await;
    assert_eq!(status, 200);
    let listed = &list["bans"][0];
    assert_eq!(listed["reason"], "abusive language", "{list}");
    assert_eq!(listed["banned_by_name"], "Demo Agent");
    assert_eq!(listed["website_key"], "demo");
    assert_eq!(listed["chat_id"], chat.chat_id);

    // A chat with neither a key nor a signed identity has nothing to ban.
    agent
        .send(json!({ "type": "end_chat", "chat_id": fresh.chat_id }))
        .await;
    agent
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    let anonymous = start(&app, json!({ "name": "Anon" })).await;
    take(&mut agent, &anonymous).await;
    let path = format!("/api/v1/chats/{}/ban", anonymous.chat_id);
    let reason = Some(json!({ "reason": "spam" }));
    let (status, body) = app.call("POST", &path, Some(&supervisor), reason).await;
    assert_eq!(error_of(status, &body), (409, "visitor_not_identifiable"));

    let lift = format!("/api/v1/bans/{}", ban["ban_id"]);
    let (status, _) = app.call("DELETE", &lift, Some(&token), None).await;
    assert_eq!(status, 403);
    let (status, _) = app.call("DELETE", &lift, Some(&supervisor), None).await;
    assert_eq!(status, 204);
    let (status, body) = app.call("DELETE", &lift, Some(&supervisor), None).await;
    assert_eq!(error_of(status, &body), (404, "ban_not_found"));
    start(&app, json!({ "name": "Troll", "visitor_key": KEY })).await;
}

#[actix_web::test]
async fn banned_visitors_cannot_start_chats_on_sqlite() {
    banned_visitors_cannot_start_chats(Backend::Sqlite).await;
}

#[actix_web::test]
async fn banned_visitors_cannot_start_chats_on_postgres() {
    banned_visitors_cannot_start_chats(Backend::Postgres).await;
}
