//! The visitor widget in headless Chromium against the real engine (issue 7): each test starts
//! an engine, sets its demo website up, and runs one script of `widget/e2e/`, which serves a
//! website page from another origin and plays the visitor (and, on a raw socket, the agent).

mod common;

use common::browser::run_node_script;
use common::smtp::{wait_for_mail, SmtpServer};
use common::{Backend, TestApp};
use parley::domain::website::WebsiteKey;
use parley::store;
use serde_json::{json, Value};

/// The demo website's look without fixed texts, so the catalogues' texts show (R12), and the
/// proactive rules (R61, A16) the accessibility script triggers.
fn appearance() -> Value {
    json!({
        "primary_color": "#1f5fcc",
        "position": "right",
        "proactive": [
            {"url_contains": "/promo", "after_seconds": 0.2, "action": "highlight"},
            {"url_contains": "/pricing", "hover_selector": "#hover-me", "action": "open"}
        ]
    })
}

fn with_appearance(appearance: Value) -> impl FnOnce(&store::Db) {
    move |db| {
        let demo = WebsiteKey::parse("demo").expect("demo key");
        db.run_now(|conn| store::websites::set_appearance(conn, &demo, &appearance))
            .expect("appearance");
    }
}

async fn script_env(app: &TestApp) -> Vec<(String, String)> {
    vec![
        ("PARLEY_URL".to_owned(), app.base.clone()),
        (
            "PARLEY_AGENT_TOKEN".to_owned(),
            app.agent_token("agent").await,
        ),
        // R71: the scripts change the website's settings, which is an admin's work.
        ("PARLEY_ADMIN_TOKEN".to_owned(), app.admin_token().await),
    ]
}

/// R1, R3, R4, R6, R7, R9, R10, R13, R40, R62, R86: a whole chat, see widget/e2e/chat.mjs.
async fn a_whole_chat_in_the_widget(backend: Backend) {
    let smtp = SmtpServer::start(0);
    let Some(app) = TestApp::builder(backend)
        .smtp(smtp.port)
        .before_start(with_appearance(json!({
            "launcher_label": "Chat",
            "title_online": "Chat with us",
            "primary_color": "#1f5fcc",
            "agent_color": "#eef1f5"
        })))
        .spawn()
        .await
    else {
        return;
    };
    app.set_forms(
        json!({"elements": [
            {"type": "label", "text": "Tell us about your order."},
            {"type": "input", "input": "text", "name": "order", "label": "Order number", "required": true},
            {"type": "select", "name": "topic", "label": "Topic", "required": true,
             "options": [{"value": "billing", "label": "Billing"}, {"value": "other", "label": "Something else"}]},
            {"type": "input", "input": "email", "name": "email", "label": "E-mail"},
            {"type": "input", "input": "number", "name": "seats", "label": "Seats", "min": 1, "max": 500},
            {"type": "radio", "name": "contact_by", "label": "Contact me by",
             "options": [{"value": "mail", "label": "Mail"}, {"value": "phone", "label": "Phone"}]},
            {"type": "checkboxes", "name": "products", "label": "Products",
             "options": [{"value": "a", "label": "Alpha"}, {"value": "b", "label": "Beta"}]},
            {"type": "textarea", "name": "details", "label": "Details", "max_length": 20},
            {"type": "agreement", "name": "privacy", "label": "I accept the privacy policy"},
            {"type": "attachment", "name": "files", "label": "Screenshot", "accept": [".pdf", "image/*"]}
        ]}),
        Value::Null,
    )
    .await;
    run_node_script("widget", "widget/e2e/chat.mjs", script_env(&app).await).await;
    // R86: the transcripts the visitor asked for during the chat and after its end reach the
    // mail server.
    let mail = wait_for_mail(&smtp, 2).await.join("\n");
    assert!(mail.contains("To: ann@work.example"), "{mail}");
    assert!(mail.contains("To: ann@example.org"), "{mail}");
}

#[actix_web::test]
async fn a_whole_chat_in_the_widget_on_sqlite() {
    a_whole_chat_in_the_widget(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_whole_chat_in_the_widget_on_postgres() {
    a_whole_chat_in_the_widget(Backend::Postgres).await;
}

/// R2, R5, R12, R31, R64, R76, R77, R78: offline and unmanaged, see widget/e2e/offline.mjs.
async fn offline_and_languages_in_the_widget(backend: Backend) {
    let smtp = SmtpServer::start(0);
    let Some(app) = TestApp::builder(backend)
        .smtp(smtp.port)
        .offer_timeout_ms(800)
        // The hunt of a chat nobody takes ends as soon as nobody is left, not after the
        // settle period that follows an engine start (R76).
        .settings(|s| s.presence.grace_ms = 50)
        .before_start(with_appearance(appearance()))
        .before_start(|db| {
            let demo = WebsiteKey::parse("demo").expect("demo key");
            db.run_now(|conn| {
                store::websites::set_no_agent_mode(
                    conn,
                    &demo,
                    parley::domain::availability::NoAgentMode::Offline,
                )
            })
            .expect("no agent mode");
        })
        .spawn()
        .await
    else {
        return;
    };
    run_node_script("widget", "widget/e2e/offline.mjs", script_env(&app).await).await;
    // R64: the offline message is forwarded by mail.
    let mail = wait_for_mail(&smtp, 1).await;
    assert!(mail[0].contains("To: desk@example.com"), "{}", mail[0]);
}

#[actix_web::test]
async fn offline_and_languages_in_the_widget_on_sqlite() {
    offline_and_languages_in_the_widget(Backend::Sqlite).await;
}

#[actix_web::test]
async fn offline_and_languages_in_the_widget_on_postgres() {
    offline_and_languages_in_the_widget(Backend::Postgres).await;
}

/// Keyboard-only use, axe-core, attention and the proactive rules (R61, A16), see
/// widget/e2e/a11y.mjs.
async fn keyboard_accessibility_and_proactive_rules(backend: Backend) {
    let Some(app) = TestApp::builder(backend)
        .before_start(with_appearance(appearance()))
        .spawn()
        .await
    else {
        return;
    };
    run_node_script("widget", "widget/e2e/a11y.mjs", script_env(&app).await).await;
}

#[actix_web::test]
async fn keyboard_accessibility_and_proactive_rules_on_sqlite() {
    keyboard_accessibility_and_proactive_rules(Backend::Sqlite).await;
}

#[actix_web::test]
async fn keyboard_accessibility_and_proactive_rules_on_postgres() {
    keyboard_accessibility_and_proactive_rules(Backend::Postgres).await;
}
