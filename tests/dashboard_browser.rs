//! The agent dashboard (issue 8, `admin-ui/`) in headless Chromium against the real engine, on
//! SQLite and PostgreSQL. Each test starts an engine and runs one script of `admin-ui/e2e/`,
//! which drives the dashboard's pages and plays the visitors over the protocol; screenshots
//! land in `admin-ui/e2e/screenshots/`.

mod common;

use common::browser::run_node_script;
use common::smtp::{wait_for_mail, SmtpServer};
use common::{
    Backend, TestApp, TestAppBuilder, ADMIN_PASSWORD, AGENT_PASSWORD, SUPERVISOR_PASSWORD,
};

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
            "PARLEY_ADMIN_PASSWORD".to_owned(),
            ADMIN_PASSWORD.to_owned(),
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

/// The console's Websites page, an admin's (issue 9; R1, R2, R14, R57-R59, R71): a website
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

/// The console's Queues page, an admin's (issue 9; R17, R20, R22, R28, R67, R71): hunt order by
/// arrows, strategy, timeouts and the RONA switch; bob is the queue's second member.
async fn console_queues(backend: Backend) {
    let builder = TestApp::builder(backend).agent("bob", 2, 1);
    run_script(builder, backend, "admin-ui/e2e/console-queues.mjs").await;
}

/// The forms builder and the live widget preview (issue 9; R4, R14, R62, R63, R74): an admin
/// builds the demo website's pre-chat form; the widget on a page uses it; the agent's offer has
/// its values.
async fn console_forms(backend: Backend) {
    let builder = TestApp::builder(backend).before_start(|db| {
        common::add_user(db, "boss", "admin");
    });
    run_script(builder, backend, "admin-ui/e2e/console-forms.mjs").await;
}

#[actix_web::test]
async fn console_forms_sqlite() {
    console_forms(Backend::Sqlite).await;
}

#[actix_web::test]
async fn console_forms_postgres() {
    console_forms(Backend::Postgres).await;
}

/// Queues set up by an admin (issue 9; R17, R29, R67): created, opening hours, members dragged
/// into hunt order, deleted; bob is an agent of the demo queue.
async fn console_queues_admin(backend: Backend) {
    let builder = TestApp::builder(backend)
        .agent("bob", 2, 1)
        .before_start(|db| {
            common::add_user(db, "boss", "admin");
        });
    run_script(builder, backend, "admin-ui/e2e/console-queues-admin.mjs").await;
}

#[actix_web::test]
async fn console_queues_admin_sqlite() {
    console_queues_admin(Backend::Sqlite).await;
}

#[actix_web::test]
async fn console_queues_admin_postgres() {
    console_queues_admin(Backend::Postgres).await;
}

#[actix_web::test]
async fn console_queues_sqlite() {
    console_queues(Backend::Sqlite).await;
}

#[actix_web::test]
async fn console_queues_postgres() {
    console_queues(Backend::Postgres).await;
}

/// The console's Agents and Audit log pages (issue 9; R25, R70, R71, R73): an admin creates an
/// agent and adds them to the queue; the agent signs in and is offered a chat; the admin
/// deactivates them, which signs them out at once; the audit log shows each action.
async fn console_agents(backend: Backend) {
    let builder = TestApp::builder(backend).offer_timeout_ms(60_000);
    run_script(builder, backend, "admin-ui/e2e/console-agents.mjs").await;
}

#[actix_web::test]
async fn console_agents_sqlite() {
    console_agents(Backend::Sqlite).await;
}

#[actix_web::test]
async fn console_agents_postgres() {
    console_agents(Backend::Postgres).await;
}

/// The supervisor console's Live monitor (issue 9, R71): a waiting chat, the agent's presence
/// and the accepted chat appear without a reload. The monitor looks every 100 ms here.
async fn console_monitor(backend: Backend) {
    let builder = TestApp::builder(backend)
        .offer_timeout_ms(60_000)
        .settings(|s| s.monitor.interval_ms = 100);
    run_script(builder, backend, "admin-ui/e2e/console-monitor.mjs").await;
}

#[actix_web::test]
async fn console_monitor_sqlite() {
    console_monitor(Backend::Sqlite).await;
}

#[actix_web::test]
async fn console_monitor_postgres() {
    console_monitor(Backend::Postgres).await;
}

/// The supervisor console's Reports page (issue 9; R87, R91): a chat today, then the stored
/// March history (`march_history`) with exact numbers in every chart's data table, a queue
/// filter and the CSV download.
async fn console_reports(backend: Backend) {
    let Some(app) = TestApp::builder(backend)
        .offer_timeout_ms(60_000)
        .queue("Sales", &["agent"])
        .settings(short_settle)
        .spawn()
        .await
    else {
        return;
    };
    let ann = app.add_user("ann", "agent");
    let bo = app.add_user("bo", "agent");
    common::history::march_history(app.engine.db(), ann, bo);
    let script = "admin-ui/e2e/console-reports.mjs";
    run_node_script("admin-ui", script, script_env(&app, backend)).await;
}

#[actix_web::test]
async fn console_reports_sqlite() {
    console_reports(Backend::Sqlite).await;
}

#[actix_web::test]
async fn console_reports_postgres() {
    console_reports(Backend::Postgres).await;
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

/// The console's Privacy page (R71, R92): an admin erases a visitor's data with a confirmation;
/// an open chat is refused; a supervisor has no such page. The queue's settle period after the
/// start is left long (5.4), so the chat nobody can take keeps waiting until its visitor ends it.
async fn console_privacy(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let script = "admin-ui/e2e/console-privacy.mjs";
    run_node_script("admin-ui", script, script_env(&app, backend)).await;
}

#[actix_web::test]
async fn console_privacy_sqlite() {
    console_privacy(Backend::Sqlite).await;
}

#[actix_web::test]
async fn console_privacy_postgres() {
    console_privacy(Backend::Postgres).await;
}
