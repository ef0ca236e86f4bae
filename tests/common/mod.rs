//! The test harness: a real engine on a loopback port with a fresh database (a SQLite file in a
//! temporary folder, or a new PostgreSQL database), real HTTP and WebSocket clients.
#![allow(dead_code)]

pub mod browser;
pub mod cluster;
pub mod history;
pub mod process;
pub mod smtp;

use std::time::Duration;

use actix_web::dev::ServerHandle;
use awc::ws::{CloseReason, Frame, Message};
use awc::BoxedSocket;
use futures_util::{SinkExt, StreamExt};
use parley::actors::Engine;
use parley::clock::now_ms;
use parley::credentials;
use parley::domain::ids::{QueueId, UserId, WebsiteId};
use parley::seed;
use parley::settings::Settings;
use parley::startup::Application;
use parley::store::{self, users::NewUser, Db};
use serde_json::{json, Value};

pub const AGENT_PASSWORD: &str = "agent-password";
pub const SUPERVISOR_PASSWORD: &str = "supervisor-password";
pub const ADMIN_PASSWORD: &str = "admin-password";
pub const ORIGIN: &str = "http://localhost:3000";

/// How long a test waits for a frame before it fails: a guard against hanging, not a timing
/// assertion (nothing in the engine is expected to take more than milliseconds).
const PATIENCE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the database of one test lives; dropped with the test.
pub enum TestDatabase {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A fresh database of `backend` and its URL; `None` when PostgreSQL is not available.
    pub fn create(backend: Backend) -> Option<(TestDatabase, String)> {
        Some(match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let url = dir.path().join("test.db").display().to_string();
                (TestDatabase::Sqlite(dir), url)
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url()?;
                let name = format!("parley_test_{}", &credentials::new_token()[..16]);
                {
                    use diesel::{Connection, PgConnection, RunQueryDsl};
                    let mut conn =
                        PgConnection::establish(&admin_url).expect("connect to PostgreSQL");
                    diesel::sql_query(format!("CREATE DATABASE {name}"))
                        .execute(&mut conn)
                        .expect("create the test database");
                }
                // No TLS on loopback: the engine's pool keeps reconnecting in the background
                // after the test drops its database, and a TLS handshake (OpenSSL in libpq)
                // still under way when the test process exits can meet OpenSSL's own clean-up
                // at exit (one run ended in "double free or corruption").
                let url = match admin_url.rsplit_once('/') {
                    Some((server, _)) => format!("{server}/{name}?sslmode=disable"),
                    None => panic!("PARLEY_TEST_POSTGRES_URL must name a database"),
                };
                (TestDatabase::Postgres { admin_url, name }, url)
            }
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            use diesel::{Connection, PgConnection, RunQueryDsl};
            if let Ok(mut conn) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

/// The PostgreSQL server tests use: `PARLEY_TEST_POSTGRES_URL`, a URL to a database the tests
/// may create databases from. Without it the PostgreSQL runs are skipped with a notice, except
/// under CI, where a missing PostgreSQL is a failure.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("PARLEY_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but PARLEY_TEST_POSTGRES_URL is not set: the PostgreSQL tests must run in CI")
        }
        _ => {
            eprintln!("NOTICE: PARLEY_TEST_POSTGRES_URL is not set; skipping the PostgreSQL run");
            None
        }
    }
}

/// A change a test makes to the settings before the engine starts.
type SettingsTweak = Box<dyn FnOnce(&mut Settings)>;

/// A change a test makes to the seeded database before the engine starts (and reads it).
type StoreTweak = Box<dyn FnOnce(&Db)>;

pub struct TestAppBuilder {
    backend: Backend,
    offer_timeout_ms: i64,
    extra_agents: Vec<(String, i32, u32)>,
    /// Agents in no queue (until `queue` puts them in one).
    outsiders: Vec<String>,
    extra_queues: Vec<(String, Vec<String>)>,
    tweaks: Vec<SettingsTweak>,
    store_tweaks: Vec<StoreTweak>,
}

impl TestAppBuilder {
    /// How long an offer lasts in this test (R18's 15 s, shrunk).
    pub fn offer_timeout_ms(mut self, ms: i64) -> Self {
        self.offer_timeout_ms = ms;
        self
    }

    /// Another agent in the demo queue, with its hunt order and capacity.
    pub fn agent(mut self, username: &str, hunt_order: i32, capacity: u32) -> Self {
        self.extra_agents
            .push((username.to_owned(), hunt_order, capacity));
        self
    }

    /// An agent (capacity 3) that is in no queue yet.
    pub fn agent_without_queue(mut self, username: &str) -> Self {
        self.outsiders.push(username.to_owned());
        self
    }

    /// Another queue (ids follow the demo queue's 1), with these existing users as members in
    /// this hunt order.
    pub fn queue(mut self, name: &str, members: &[&str]) -> Self {
        let members = members.iter().map(|m| (*m).to_owned()).collect();
        self.extra_queues.push((name.to_owned(), members));
        self
    }

    /// Changes settings before the engine starts; several calls apply in order.
    pub fn settings(mut self, tweak: impl FnOnce(&mut Settings) + 'static) -> Self {
        self.tweaks.push(Box::new(tweak));
        self
    }

    /// Mail goes to the test SMTP server on `port`, polled and retried every few milliseconds.
    pub fn smtp(self, port: u16) -> Self {
        self.settings(move |s| {
            s.mail.smtp_host = "127.0.0.1".to_owned();
            s.mail.smtp_port = port;
            s.mail.poll_interval_ms = 20;
            s.mail.retry_base_ms = 10;
            s.mail.retry_max_ms = 40;
        })
    }

    /// Changes the seeded data before the engine starts, e.g. a website's settings.
    pub fn before_start(mut self, tweak: impl FnOnce(&Db) + 'static) -> Self {
        self.store_tweaks.push(Box::new(tweak));
        self
    }

    /// Starts the engine, or `None` when the backend is not available here (with a notice).
    pub async fn spawn(self) -> Option<TestApp> {
        let (database, url) = TestDatabase::create(self.backend)?;
        let mut settings = test_settings(&url, self.offer_timeout_ms);
        // R40: chat files go to a folder of their own, removed with the test.
        let files = tempfile::tempdir().expect("attachments folder");
        settings.attachments.dir = files.path().display().to_string();
        for tweak in self.tweaks {
            tweak(&mut settings);
        }
        let db = Db::connect(&settings.database).expect("database");
        db.migrate().expect("migrations");
        seed::seed_if_empty(&db, &settings).expect("demo data");
        let queue = QueueId(1);
        for (username, hunt_order, capacity) in &self.extra_agents {
            add_agent(&db, username, *hunt_order, *capacity, queue);
        }
        for tweak in self.store_tweaks {
            tweak(&db);
        }
        for username in &self.outsiders {
            add_user(&db, username, "agent");
        }
        for (name, members) in &self.extra_queues {
            add_queue(&db, name, members, &settings);
        }
        let app = Application::build(settings.clone())
            .await
            .expect("engine starts");
        let port = app.port();
        let engine = app.engine().clone();
        let handle = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        Some(TestApp {
            base: format!("http://127.0.0.1:{port}"),
            ws_base: format!("ws://127.0.0.1:{port}"),
            engine,
            handle,
            settings,
            _database: database,
            files,
        })
    }
}

pub fn test_settings(database_url: &str, offer_timeout_ms: i64) -> Settings {
    let mut settings = Settings::load_with(
        None,
        config::Environment::with_prefix("PARLEY_TEST_NOTHING"),
    )
    .expect("default settings");
    settings.server.port = 0;
    settings.server.workers = 2;
    settings.engine.arbiters = 2;
    settings.database.url = database_url.to_owned();
    settings.database.pool_size = 4;
    settings.routing.offer_timeout_ms = offer_timeout_ms;
    settings.demo.agent_password = AGENT_PASSWORD.to_owned();
    settings.demo.supervisor_password = SUPERVISOR_PASSWORD.to_owned();
    settings.demo.admin_password = ADMIN_PASSWORD.to_owned();
    settings.log.filter = "warn".to_owned();
    // Tests written before wrap-up (R50) expect an ended chat's slot to be free at once;
    // tests/wrap_up.rs turns the holding on where it tests it.
    settings.wrap_up.holds_capacity = false;
    // Issue 10: every test client is on 127.0.0.1; tests/limits.rs and tests/web_security.rs
    // turn the abuse limits on where they test them.
    settings.limits.exempt_loopback = true;
    settings
}

pub fn add_agent(
    db: &Db,
    username: &str,
    hunt_order: i32,
    capacity: u32,
    queue: QueueId,
) -> UserId {
    let hash = credentials::hash_password(AGENT_PASSWORD).expect("hash");
    db.run_now(|conn| {
        let id = store::users::insert(
            conn,
            &NewUser {
                username,
                display_name: username,
                role: "agent",
                password_hash: &hash,
                active: true,
                capacity: capacity as i32,
                presence: "offline",
                created_at_ms: now_ms(),
            },
        )?;
        store::queues::add_member(conn, queue, id, hunt_order)?;
        Ok(id)
    })
    .expect("add agent")
}

/// A user with `role` and the agent password, capacity 3, in no queue.
pub fn add_user(db: &Db, username: &str, role: &str) -> UserId {
    let hash = credentials::hash_password(AGENT_PASSWORD).expect("hash");
    db.run_now(|conn| {
        store::users::insert(
            conn,
            &NewUser {
                username,
                display_name: username,
                role,
                password_hash: &hash,
                active: true,
                capacity: 3,
                presence: "offline",
                created_at_ms: now_ms(),
            },
        )
    })
    .expect("add user")
}

pub fn add_queue(db: &Db, name: &str, members: &[String], settings: &Settings) -> QueueId {
    db.run_now(|conn| {
        let queue = store::queues::insert(
            conn,
            &store::queues::NewQueue {
                name,
                offer_timeout_ms: settings.routing.offer_timeout_ms,
                hunt_timeout_ms: settings.routing.hunt_timeout_ms,
                rona_enabled: true,
                created_at_ms: now_ms(),
                strategy: settings.routing.strategy.as_str(),
            },
        )?;
        for (hunt_order, username) in members.iter().enumerate() {
            let user = store::users::by_username(conn, username)?.expect("a known member");
            store::queues::add_member(conn, queue, user.user_id(), hunt_order as i32 + 1)?;
        }
        Ok(queue)
    })
    .expect("add queue")
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A weekday three days from today (UTC), so a range on it is closed now whatever the hour.
pub fn a_day_far_from_today() -> &'static str {
    let days_since_epoch = now_ms().div_euclid(86_400_000);
    // 1970-01-01 was a Thursday (index 3, Monday first).
    let today = (days_since_epoch + 3).rem_euclid(7);
    DAYS[((today + 3) % 7) as usize]
}

/// Opening hours (or working intervals) that are closed now: one hour, three days away.
pub fn closed_now() -> Value {
    json!({
        "time_zone": "Europe/Prague",
        "ranges": [{"days": [a_day_far_from_today()], "start": "10:00", "end": "11:00"}]
    })
}

pub struct TestApp {
    pub base: String,
    pub ws_base: String,
    pub engine: Engine,
    pub settings: Settings,
    handle: ServerHandle,
    _database: TestDatabase,
    /// R40: the attachments folder (`attachments.dir`).
    files: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        actix_web::rt::spawn(async move { handle.stop(false).await });
        self.engine.shutdown();
    }
}

impl TestApp {
    pub fn builder(backend: Backend) -> TestAppBuilder {
        TestAppBuilder {
            backend,
            offer_timeout_ms: 15_000,
            extra_agents: Vec::new(),
            outsiders: Vec::new(),
            extra_queues: Vec::new(),
            tweaks: Vec::new(),
            store_tweaks: Vec::new(),
        }
    }

    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::builder(backend).spawn().await
    }

    /// The names of the files in the attachments folder (stored and partial).
    pub fn stored_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.files.path())
            .expect("attachments folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A chat started by a visitor named `name` and accepted by `agent`, the Available member
    /// who gets its offer.
    pub async fn taken_chat(&self, agent: &mut WsClient, name: &str) -> VisitorChat {
        let chat = self.start_chat(name).await;
        assert_eq!(agent.expect("offer").await["chat_id"], chat.chat_id);
        agent
            .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
            .await;
        agent.expect("chat_assigned").await;
        chat
    }

    pub fn client() -> awc::Client {
        awc::Client::builder().timeout(PATIENCE).finish()
    }

    /// Logs in and returns the session token.
    pub async fn login(&self, username: &str, password: &str) -> (u16, Value) {
        let mut response = Self::client()
            .post(format!("{}/api/v1/auth/login", self.base))
            .send_json(&json!({ "username": username, "password": password }))
            .await
            .expect("login request");
        let body = response.json::<Value>().await.expect("login body");
        (response.status().as_u16(), body)
    }

    pub async fn agent_token(&self, username: &str) -> String {
        let (status, body) = self.login(username, AGENT_PASSWORD).await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// An agent's dashboard socket, Available, its hello frame read.
    pub async fn available_agent(&self, username: &str) -> (WsClient, Value) {
        let token = self.agent_token(username).await;
        let mut agent = self.agent_socket(&token, "").await;
        let hello = agent.expect("agent_hello").await;
        agent
            .send(json!({ "type": "set_presence", "presence": "available" }))
            .await;
        let presence = agent.expect("presence").await;
        assert_eq!(presence["presence"], "available");
        (agent, hello)
    }

    pub async fn agent_socket(&self, token: &str, resume: &str) -> WsClient {
        WsClient::connect(
            Self::client()
                .ws(format!("{}/api/v1/agent/ws?resume={resume}", self.ws_base))
                .bearer_auth(token),
        )
        .await
        .expect("agent socket")
    }

    /// The demo supervisor's session token.
    pub async fn supervisor_token(&self) -> String {
        let (status, body) = self.login("supervisor", SUPERVISOR_PASSWORD).await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// The demo admin's session token (R71: admins change the configuration).
    pub async fn admin_token(&self) -> String {
        let (status, body) = self.login("admin", ADMIN_PASSWORD).await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Sets the demo website's pre-chat and offline forms (R62) as an admin.
    pub async fn set_forms(&self, prechat_form: Value, offline_form: Value) {
        let token = self.admin_token().await;
        let body = json!({ "prechat_form": prechat_form, "offline_form": offline_form });
        let (status, body) = self
            .call(
                "PUT",
                "/api/v1/websites/demo/forms",
                Some(&token),
                Some(body),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// A user with `role` (`agent`, `supervisor`, `admin`) and the agent password, in no queue.
    pub fn add_user(&self, username: &str, role: &str) -> UserId {
        add_user(self.engine.db(), username, role)
    }

    /// As `taken_chat`, with the agent's replay of the chat (request, join) read too, and
    /// other frames (waiting lists, positions) before the offer skipped.
    pub async fn joined_chat(&self, agent: &mut WsClient, name: &str) -> VisitorChat {
        let chat = self.start_chat(name).await;
        assert_eq!(agent.next_of("offer").await["chat_id"], chat.chat_id);
        agent
            .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
            .await;
        agent.expect("chat_assigned").await;
        agent.expect_event("chat_requested").await;
        agent.expect_event("agent_joined").await;
        chat
    }

    /// A second engine on this database, standing for the restarted one (stop this one's
    /// engine first): its port, server handle and engine.
    pub async fn second_engine(&self) -> (u16, ServerHandle, Engine) {
        let restarted = Application::build(self.settings.clone())
            .await
            .expect("the engine restarts");
        let found = (
            restarted.port(),
            restarted.handle(),
            restarted.engine().clone(),
        );
        actix_web::rt::spawn(restarted.run_until_stopped());
        found
    }

    /// `POST /api/v1/websites/demo/chats` with this body and these extra headers (the
    /// `Origin` is set); returns the status and the body.
    pub async fn post_chat(&self, body: Value, headers: &[(&str, &str)]) -> (u16, Value) {
        let mut request = Self::client()
            .post(format!("{}/api/v1/websites/demo/chats", self.base))
            .insert_header(("Origin", ORIGIN));
        for &(name, value) in headers {
            request = request.insert_header((name, value));
        }
        let mut response = request.send_json(&body).await.expect("start chat");
        let body = response.json::<Value>().await.expect("chat body");
        (response.status().as_u16(), body)
    }

    /// Starts a chat on the demo website as a visitor named `name`.
    pub async fn start_chat(&self, name: &str) -> VisitorChat {
        let mut response = Self::client()
            .post(format!("{}/api/v1/websites/demo/chats", self.base))
            .insert_header(("Origin", ORIGIN))
            .send_json(&json!({ "name": name, "page_url": "http://localhost:3000/pricing" }))
            .await
            .expect("start chat");
        let body = response.json::<Value>().await.expect("chat body");
        assert_eq!(response.status().as_u16(), 201, "{body}");
        VisitorChat {
            chat_id: body["chat_id"].as_i64().expect("chat id"),
            token: body["visitor_token"].as_str().expect("token").to_owned(),
        }
    }

    pub async fn visitor_socket(&self, chat: &VisitorChat, after_seq: i64) -> WsClient {
        WsClient::connect(Self::client().ws(format!(
            "{}/api/v1/chats/{}/ws?token={}&after_seq={after_seq}",
            self.ws_base, chat.chat_id, chat.token
        )))
        .await
        .expect("visitor socket")
    }

    /// R59: the demo website's queued and active chats, as the store counts them.
    pub async fn open_chats(&self) -> i64 {
        self.engine
            .db()
            .run(|conn| store::websites::open_chat_count(conn, WebsiteId(1)))
            .await
            .expect("count")
    }

    /// The demo website's mode socket (R5), sent with this `Origin` (or none), or how the
    /// upgrade was refused.
    pub async fn website_socket(&self, origin: Option<&str>) -> Result<WsClient, String> {
        self.website_socket_of("demo", origin).await
    }

    pub async fn website_socket_of(
        &self,
        key: &str,
        origin: Option<&str>,
    ) -> Result<WsClient, String> {
        let mut request = Self::client().ws(format!("{}/api/v1/websites/{key}/ws", self.ws_base));
        if let Some(origin) = origin {
            request = request.origin(origin);
        }
        WsClient::connect(request).await
    }

    /// The public history of a chat, read over REST.
    pub async fn visitor_history(&self, chat: &VisitorChat) -> Vec<Value> {
        let mut response = Self::client()
            .get(format!(
                "{}/api/v1/chats/{}/events",
                self.base, chat.chat_id
            ))
            .bearer_auth(&chat.token)
            .send()
            .await
            .expect("history");
        assert_eq!(response.status().as_u16(), 200);
        let body = response.json::<Value>().await.expect("history body");
        body["events"].as_array().cloned().unwrap_or_default()
    }
}

/// A request to the engine at `base` as the holder of `token` (or nobody), with a JSON body
/// if given: the status and the raw answer. Each caller reads the answer its own way.
pub async fn call_at(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, actix_web::web::Bytes) {
    let verb = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = TestApp::client()
        .request(verb, format!("{base}{path}"))
        .insert_header(("Origin", ORIGIN));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let mut response = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    }
    .unwrap_or_else(|e| panic!("{method} {path} at {base}: {e}"));
    let bytes = response.body().await.expect("response body");
    (response.status().as_u16(), bytes)
}

impl TestApp {
    /// A JSON request to the engine's API as the holder of `token` (or nobody): the status and
    /// the body (`null` when empty).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (status, bytes) = call_at(&self.base, method, path, token, body).await;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("a JSON body")
        };
        (status, body)
    }

    /// The outbox row `id` once `done` holds for it (the mailer works on its own schedule).
    pub async fn outbox_row_when(
        &self,
        id: i64,
        done: impl Fn(&store::outbox::OutboxRow) -> bool,
    ) -> store::outbox::OutboxRow {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            let row = self
                .engine
                .db()
                .run(move |conn| store::outbox::by_id(conn, id))
                .await
                .expect("outbox")
                .expect("an outbox row");
            if done(&row) {
                return row;
            }
            assert!(std::time::Instant::now() < deadline, "outbox row {row:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Asks for a chat on the demo website with a whole start-chat body of the test's making.
    pub async fn try_start_chat(&self, body: Value) -> (u16, Value) {
        self.call("POST", "/api/v1/websites/demo/chats", None, Some(body))
            .await
    }
}

#[derive(Debug, Clone)]
pub struct VisitorChat {
    pub chat_id: i64,
    pub token: String,
}

/// A real WebSocket client speaking the engine's JSON protocol.
pub struct WsClient {
    framed: actix_codec::Framed<BoxedSocket, awc::ws::Codec>,
    /// `queue_position` frames, set aside as they come: they arrive whenever the queue moves,
    /// so tests read them with `next_position` rather than in line with everything else.
    pub positions: std::collections::VecDeque<Value>,
    /// `waiting_list` frames (R34), set aside the same way; read with `next_waiting_list`.
    pub waiting_lists: std::collections::VecDeque<Value>,
    /// `website_mode` frames (R5), set aside the same way; read with `next_mode`.
    pub modes: std::collections::VecDeque<Value>,
    /// Frames about the end of chats (R49, R50: `wrap_up_required`, `wrap_up_done`,
    /// `visitor_connection`), set aside the same way; read with `next_aside`.
    pub aside: std::collections::VecDeque<Value>,
    /// Frames read while looking for a `waiting_list`, returned by `next` before new ones.
    pending: std::collections::VecDeque<Value>,
}

/// The frame types `WsClient::next` sets aside in `aside`.
const SET_ASIDE: &[&str] = &["wrap_up_required", "wrap_up_done", "visitor_connection"];

/// What a socket said besides JSON frames.
#[derive(Debug)]
pub enum Closed {
    By(Option<CloseReason>),
    Ended,
}

impl WsClient {
    pub async fn connect(request: awc::ws::WebsocketsRequest) -> Result<WsClient, String> {
        let (_, framed) = request
            .max_frame_size(1 << 20)
            .connect()
            .await
            .map_err(|e| match e {
                awc::error::WsClientError::InvalidResponseStatus(status) => {
                    format!("refused with HTTP {}", status.as_u16())
                }
                other => other.to_string(),
            })?;
        Ok(WsClient {
            framed,
            positions: Default::default(),
            waiting_lists: Default::default(),
            modes: Default::default(),
            aside: Default::default(),
            pending: Default::default(),
        })
    }

    pub async fn send(&mut self, frame: Value) {
        self.send_text(frame.to_string()).await;
    }

    pub async fn framed_send(&mut self, message: Message) {
        self.framed.send(message).await.expect("send frame");
    }

    pub async fn send_text(&mut self, text: String) {
        self.framed
            .send(Message::Text(text.into()))
            .await
            .expect("send frame");
    }

    /// The next JSON frame, or how the socket closed.
    pub async fn next(&mut self) -> Result<Value, Closed> {
        if let Some(frame) = self.pending.pop_front() {
            return Ok(frame);
        }
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.framed.next())
                .await
                .expect("a frame arrives in time");
            match frame {
                Some(Ok(Frame::Text(bytes))) => {
                    let frame: Value = serde_json::from_slice(&bytes).expect("frames are JSON");
                    if frame["type"] == "queue_position" {
                        self.positions.push_back(frame);
                        continue;
                    }
                    if frame["type"] == "waiting_list" {
                        self.waiting_lists.push_back(frame);
                        continue;
                    }
                    if frame["type"] == "website_mode" {
                        self.modes.push_back(frame);
                        continue;
                    }
                    if SET_ASIDE.iter().any(|kind| frame["type"] == *kind) {
                        self.aside.push_back(frame);
                        continue;
                    }
                    return Ok(frame);
                }
                Some(Ok(Frame::Ping(bytes))) => {
                    let _ = self.framed.send(Message::Pong(bytes)).await;
                }
                Some(Ok(Frame::Close(reason))) => return Err(Closed::By(reason)),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Err(Closed::Ended),
            }
        }
    }

    /// Reads without answering the server's pings (a client whose network path is dead) until
    /// the socket closes; returns the close reason.
    pub async fn close_without_answering_pings(&mut self) -> Option<CloseReason> {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.framed.next())
                .await
                .expect("a frame arrives in time");
            match frame {
                Some(Ok(Frame::Close(reason))) => return reason,
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// The next `queue_position` frame (waiting for one if none came yet).
    pub async fn next_position(&mut self) -> Value {
        loop {
            if let Some(position) = self.positions.pop_front() {
                return position;
            }
            self.round_trip().await;
        }
    }

    /// The next `waiting_list` frame (waiting for one if none came yet); other frames read
    /// meanwhile stay to be read.
    pub async fn next_waiting_list(&mut self) -> Value {
        loop {
            if let Some(list) = self.waiting_lists.pop_front() {
                return list;
            }
            let others = self.round_trip().await;
            self.pending.extend(others);
        }
    }

    /// The next `website_mode` frame as `(mode, reason)`, waiting for one if none came yet;
    /// other frames read meanwhile stay to be read.
    pub async fn next_mode(&mut self) -> (String, String) {
        loop {
            if let Some(frame) = self.modes.pop_front() {
                let text = |field: &str| frame[field].as_str().unwrap_or_default().to_owned();
                return (text("mode"), text("reason"));
            }
            let others = self.round_trip().await;
            self.pending.extend(others);
        }
    }

    /// The next set-aside frame of type `kind` (one of `SET_ASIDE`), waiting for one if none
    /// came yet; other frames read meanwhile stay to be read.
    pub async fn next_aside(&mut self, kind: &str) -> Value {
        loop {
            if let Some(at) = self.aside.iter().position(|frame| frame["type"] == kind) {
                if let Some(frame) = self.aside.remove(at) {
                    return frame;
                }
            }
            let others = self.round_trip().await;
            self.pending.extend(others);
        }
    }

    /// Reads `waiting_list` frames until one satisfies `done`, and returns it.
    pub async fn waiting_list_where(&mut self, mut done: impl FnMut(&Value) -> bool) -> Value {
        loop {
            let list = self.next_waiting_list().await;
            if done(&list) {
                return list;
            }
        }
    }

    /// Reads frames until one satisfies `found`; returns it and the frames before it.
    pub async fn frames_until(&mut self, found: impl Fn(&Value) -> bool) -> (Value, Vec<Value>) {
        let mut frames = self.until(|f| f.last().is_some_and(&found)).await;
        let last = frames.pop().expect("a frame");
        (last, frames)
    }

    /// The next frame of type `kind`, skipping others.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        self.frames_until(|f| f["type"] == kind).await.0
    }

    /// The next event of kind `kind`, skipping other frames.
    pub async fn next_event(&mut self, kind: &str) -> Value {
        self.frames_until(|f| f["type"] == "event" && f["kind"] == kind)
            .await
            .0
    }

    /// The next frame, which must be of type `kind`.
    pub async fn expect(&mut self, kind: &str) -> Value {
        let frame = self.next().await.unwrap_or_else(|closed| {
            panic!("expected a {kind} frame, the socket closed: {closed:?}")
        });
        assert_eq!(frame["type"], kind, "unexpected frame {frame}");
        frame
    }

    /// The next frame, which must be an event of kind `kind`.
    pub async fn expect_event(&mut self, kind: &str) -> Value {
        let frame = self.expect("event").await;
        assert_eq!(frame["kind"], kind, "unexpected event {frame}");
        frame
    }

    /// Reads frames until the socket closes and returns the close reason.
    pub async fn expect_close(&mut self) -> Option<CloseReason> {
        loop {
            match self.next().await {
                Ok(_) => continue,
                Err(Closed::By(reason)) => return reason,
                Err(Closed::Ended) => return None,
            }
        }
    }

    /// Reads frames until `done` says the frames read so far are enough, and returns them.
    pub async fn until(&mut self, mut done: impl FnMut(&[Value]) -> bool) -> Vec<Value> {
        let mut frames = Vec::new();
        while !done(&frames) {
            frames.push(self.next().await.expect("socket open"));
        }
        frames
    }

    /// Reads frames until `count` of them are of type `kind`; returns those.
    pub async fn collect(&mut self, kind: &str, count: usize) -> Vec<Value> {
        self.until(|frames| frames.iter().filter(|f| f["type"] == kind).count() == count)
            .await
            .into_iter()
            .filter(|f| f["type"] == kind)
            .collect()
    }

    /// Reads exactly `count` frames, each of one of the `kinds` (in any order).
    pub async fn collect_any(&mut self, kinds: &[&str], count: usize) -> Vec<Value> {
        let mut frames = Vec::new();
        for _ in 0..count {
            let frame = self.next().await.expect("socket open");
            assert!(
                kinds.iter().any(|k| frame["type"] == *k),
                "unexpected frame {frame}"
            );
            frames.push(frame);
        }
        frames
    }

    /// Asks for a pong: proves the socket is alive, and returns what came before it.
    pub async fn round_trip(&mut self) -> Vec<Value> {
        self.send(json!({ "type": "ping" })).await;
        let mut before = Vec::new();
        loop {
            let frame = self.next().await.expect("socket open");
            if frame["type"] == "pong" {
                return before;
            }
            before.push(frame);
        }
    }

    pub async fn close(mut self) {
        let _ = self.framed.send(Message::Close(None)).await;
    }
}
