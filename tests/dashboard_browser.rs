//! The agent dashboard (issue 8, `admin-ui/`) in headless Chromium against the real engine, on
//! SQLite and PostgreSQL. Each test starts an engine and runs one script of `admin-ui/e2e/`,
//! which drives the dashboard's pages and plays the visitors over the protocol; screenshots
//! land in `admin-ui/e2e/screenshots/`.

mod common;

use common::browser::run_node_script;
use common::smtp::{wait_for_mail, SmtpServer};
use common::{Backend, TestApp, TestAppBuilder, AGENT_PASSWORD, SUPERVISOR_PASSWORD};

fn script_env(app: &TestApp, backend: Backend) -> Vec<(String, String)> {
    vec![
        ("PARLEY_URL".to_owned(), app.base.clone()),
        (
            "PARLEY_AGENT_PASSWORD".to_owned(),
            AGENT_PASSWORD.to_owned(),
        ),
        (
            "PARLEY_SUPERVISOR_PASSWORD".to_owned(),
            SUPERVISOR_PASSWORD.to_owned(),
        ),
        (
            "PARLEY_BACKEND".to_owned(),
            format!("{backend:?}").to_lowercase(),
        ),
    ]
}

/// After a start, queues wait `presence.grace_ms` for agents before they end chats nobody can
/// take (5.4); shortened so a chat every agent rejected ends at once, as it would later.
fn short_settle(settings: &mut parley::settings::Settings) {
    settings.presence.grace_ms = 300;
}

/// Starts the engine `builder` describes and runs one script of `admin-ui/e2e/` against it.
async fn run_script(builder: TestAppBuilder, backend: Backend, script: &str) {
    let Some(app) = builder.settings(short_settle).spawn().await else {
        return;
    };
    run_node_script("admin-ui", script, script_env(&app, backend)).await;
}

/// Login, offers, two tabs, composer, predefined and private messages, visitor notes, transfer
/// to a second agent's page, /dc, wrap-up, waiting list and preview, a language switch (R16,
/// R21, R24, R32-R36, R38, R39, R41, R45-R51, R90). Offers last a minute, so none expires while
/// the browser works; bob (capacity 1) is the transfer's target.
async fn agent_desk(backend: Backend) {
    let builder = TestApp::builder(backend)
        .offer_timeout_ms(60_000)
        .agent("bob", 2, 1);
    run_script(builder, backend, "admin-ui/e2e/agent-desk.mjs").await;
}

/// R22, R23: a missed offer shows the RONA banner; one click makes the agent Available again.
async fn rona(backend: Backend) {
    let builder = TestApp::builder(backend).offer_timeout_ms(1_000);
    run_script(builder, backend, "admin-ui/e2e/rona.mjs").await;
}

/// A reconnect that loses nothing, the file limits and a file, the Offer builder, visitor editing
/// and an invitation code, a conference with bob, the auto wrap-up countdown (R9, R24, R37,
/// R40, R42-R44, R51, R89). Chat files are kept to 1 MiB, and the auto wrap-up is a minute.
async fn agent_tools(backend: Backend) {
    let builder = TestApp::builder(backend)
        .offer_timeout_ms(60_000)
        .agent("bob", 2, 3)
        .settings(|s| {
            s.attachments.max_bytes = 1_048_576;
            s.wrap_up.auto_after_ms = 60_000;
        });
    run_script(builder, backend, "admin-ui/e2e/agent-tools.mjs").await;
}

#[actix_web::test]
async fn agent_tools_sqlite() {
    agent_tools(Backend::Sqlite).await;
}

#[actix_web::test]
async fn agent_tools_postgres() {
    agent_tools(Backend::Postgres).await;
}

#[actix_web::test]
async fn agent_desk_sqlite() {
    agent_desk(Backend::Sqlite).await;
}

#[actix_web::test]
async fn agent_desk_postgres() {
    agent_desk(Backend::Postgres).await;
}

#[actix_web::test]
async fn rona_sqlite() {
    rona(Backend::Sqlite).await;
}

#[actix_web::test]
async fn rona_postgres() {
    rona(Backend::Postgres).await;
}

/// The supervisor console's Websites page (issue 9; R1, R2, R14, R57-R59, R71): a website
/// created with a refused entry first, and working intervals that take the widget offline live.
async fn console_websites(backend: Backend) {
    run_script(
        TestApp::builder(backend),
        backend,
        "admin-ui/e2e/console-websites.mjs",
    )
    .await;
}

#[actix_web::test]
async fn console_websites_sqlite() {
    console_websites(Backend::Sqlite).await;
}

#[actix_web::test]
async fn console_websites_postgres() {
    console_websites(Backend::Postgres).await;
}

/// The supervisor console's Queues page (issue 9; R17, R20, R22, R28, R67): hunt order by
/// arrows, strategy, timeouts and the RONA switch; bob is the queue's second member.
async fn console_queues(backend: Backend) {
    let builder = TestApp::builder(backend).agent("bob", 2, 1);
    run_script(builder, backend, "admin-ui/e2e/console-queues.mjs").await;
}

#[actix_web::test]
async fn console_queues_sqlite() {
    console_queues(Backend::Sqlite).await;
}

#[actix_web::test]
async fn console_queues_postgres() {
    console_queues(Backend::Postgres).await;
}

/// The supervisor console's review desk (issue 9; R81, R71): an offline message read, answered
/// by mail (received here, on the loopback SMTP server) and marked handled.
async fn console_review(backend: Backend) {
    let smtp = SmtpServer::start(0);
    let builder = TestApp::builder(backend).smtp(smtp.port);
    let Some(app) = builder.settings(short_settle).spawn().await else {
        return;
    };
    run_node_script(
        "admin-ui",
        "admin-ui/e2e/console-review.mjs",
        script_env(&app, backend),
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let mails = wait_for_mail(&smtp, 1).await;
        let reply = mails.iter().find(|m| m.contains("Your order 42"));
        if let Some(reply) = reply {
            assert!(reply.contains("olga@example.org"), "{reply}");
            assert!(reply.contains("we call you at five."), "{reply}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{mails:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn console_review_sqlite() {
    console_review(Backend::Sqlite).await;
}

#[actix_web::test]
async fn console_review_postgres() {
    console_review(Backend::Postgres).await;
}

/// The supervisor console's chat logs and lists (issue 9; R41, R68, R71, R85, R87): a
/// predefined message offered in the agent's composer, a private message found by search and
/// shown marked in the full log with the routing trail, the CSV export downloaded; an admin
/// adds a wrap-up reason, makes it the default and sets the unattended timeout (R66, R69).
/// Offers last a minute, so none expires while the browser works.
async fn console_logs(backend: Backend) {
    let builder = TestApp::builder(backend).offer_timeout_ms(60_000);
    let Some(app) = builder.settings(short_settle).spawn().await else {
        return;
    };
    // R71: the admin who edits the reasons and the global settings (the agent password).
    app.add_user("root", "admin");
    run_node_script(
        "admin-ui",
        "admin-ui/e2e/console-logs.mjs",
        script_env(&app, backend),
    )
    .await;
}

#[actix_web::test]
async fn console_logs_sqlite() {
    console_logs(Backend::Sqlite).await;
}

#[actix_web::test]
async fn console_logs_postgres() {
    console_logs(Backend::Postgres).await;
}
