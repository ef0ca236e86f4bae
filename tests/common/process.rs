//! The engine as its real binary, for what only a process shows: a kill (tests/restart.rs), a
//! stop signal and the exit status (tests/shutdown.rs), the log lines it writes
//! (tests/json_logs.rs). The in-process harness's clients talk to it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::{TestApp, VisitorChat, WsClient, AGENT_PASSWORD, ORIGIN, PATIENCE};

/// The engine binary on a given database; it reports its port on standard output. Every line
/// it writes (standard output and error) is kept.
pub struct EngineProcess {
    child: Child,
    pub base: String,
    pub ws_base: String,
    lines: Arc<Mutex<Vec<String>>>,
}

impl EngineProcess {
    /// Starts `parley serve` on `database` (a SQLite path or a PostgreSQL URL) with the demo
    /// data's passwords, the log filter `warn`, and `settings` as `CHAT__…` variables on top.
    pub fn start(database: &str, settings: &[(&str, &str)]) -> EngineProcess {
        let mut command = Command::new(env!("CARGO_BIN_EXE_parley"));
        command
            .arg("serve")
            .env("CHAT__SERVER__PORT", "0")
            .env("CHAT__DATABASE__URL", database)
            .env("CHAT__DEMO__AGENT_PASSWORD", AGENT_PASSWORD)
            .env("CHAT__DEMO__SUPERVISOR_PASSWORD", "supervisor-password")
            .env("CHAT__LOG__FILTER", "warn")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in settings {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("the engine binary starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        // Keep draining both pipes so the engine never blocks on a full one.
        let stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
        keep_lines(stderr, lines.clone());
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let port = loop {
            let Some(line) = stdout.next() else {
                // It exited: say why (its standard error is being collected).
                let status = child.wait().expect("wait for the engine");
                std::thread::sleep(std::time::Duration::from_millis(100));
                panic!(
                    "the engine exited ({status}) without printing its address: {:?}",
                    lines.lock().unwrap()
                );
            };
            let line = line.expect("readable output");
            // `HOST:PORT`, then possibly more words (a cluster node adds its id).
            let port = line
                .strip_prefix("parley listening on http://")
                .and_then(|rest| rest.split_whitespace().next())
                .map(|address| address.rsplit_once(':').expect("host:port").1.to_owned());
            lines.lock().unwrap().push(line);
            if let Some(port) = port {
                break port;
            }
        };
        keep_lines(stdout, lines.clone());
        EngineProcess {
            child,
            base: format!("http://127.0.0.1:{port}"),
            ws_base: format!("ws://127.0.0.1:{port}"),
            lines,
        }
    }

    /// Reuses the in-process harness's clients against this engine.
    pub fn clients(&self) -> Clients {
        Clients {
            base: self.base.clone(),
            ws_base: self.ws_base.clone(),
        }
    }

    /// Every line the engine wrote so far, standard output and error interleaved.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Sends SIGTERM, what a service manager's stop sends.
    pub fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM sent");
    }

    /// Waits for the process to exit (failing the test if it takes more than the harness's
    /// patience: a guard against hanging, not a timing assertion).
    pub async fn exit_status(&mut self) -> ExitStatus {
        let waited = tokio::time::timeout(PATIENCE, async {
            loop {
                if let Some(status) = self.child.try_wait().expect("wait") {
                    return status;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        })
        .await;
        waited.expect("the engine exits")
    }

    /// SIGKILL: no warning, no drain.
    pub fn kill(self) {
        // Dropping kills: see below.
    }
}

impl Drop for EngineProcess {
    /// SIGKILL, also when a failed assertion unwinds: no engine outlives its test.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keep_lines(
    pipe: impl Iterator<Item = std::io::Result<String>> + Send + 'static,
    lines: Arc<Mutex<Vec<String>>>,
) {
    std::thread::spawn(move || {
        for line in pipe.map_while(Result::ok) {
            lines.lock().unwrap().push(line);
        }
    });
}

/// A chat the demo agent has taken, with both sockets.
pub struct ChatInProgress {
    /// The agent's login token.
    pub token: String,
    pub agent: WsClient,
    pub visitor: WsClient,
    pub chat: VisitorChat,
}

/// The demo website's visitor and the demo agent, against an engine process.
pub struct Clients {
    pub base: String,
    pub ws_base: String,
}

impl Clients {
    pub async fn agent_token(&self) -> String {
        self.token_of("agent", AGENT_PASSWORD).await
    }

    /// Logs `username` in: the status and the body.
    pub async fn login(&self, username: &str, password: &str) -> (u16, Value) {
        let mut response = TestApp::client()
            .post(format!("{}/api/v1/auth/login", self.base))
            .send_json(&json!({ "username": username, "password": password }))
            .await
            .unwrap_or_else(|e| panic!("login of {username} at {}: {e}", self.base));
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (response.status().as_u16(), body)
    }

    /// The session token of `username`, who must be able to log in.
    pub async fn token_of(&self, username: &str, password: &str) -> String {
        let (status, body) = self.login(username, password).await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn agent_socket(&self, token: &str, resume: &str) -> WsClient {
        self.try_agent_socket(token, resume).await.unwrap()
    }

    pub async fn try_agent_socket(&self, token: &str, resume: &str) -> Result<WsClient, String> {
        WsClient::connect(
            TestApp::client()
                .ws(format!("{}/api/v1/agent/ws?resume={resume}", self.ws_base))
                .bearer_auth(token),
        )
        .await
    }

    /// A JSON request as the holder of `token` (or nobody): the status and the body (`null`
    /// when empty or not JSON).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (status, bytes) = super::call_at(&self.base, method, path, token, body).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// The public history of a chat, read over REST with the visitor's token.
    pub async fn visitor_history(&self, chat: &VisitorChat) -> Vec<Value> {
        let path = format!("/api/v1/chats/{}/events", chat.chat_id);
        let (status, body) = self.call("GET", &path, Some(&chat.token), None).await;
        assert_eq!(status, 200, "{body}");
        body["events"].as_array().cloned().unwrap_or_default()
    }

    /// `POST /websites/demo/chats`: the status and the body.
    pub async fn try_start_chat(&self, name: &str) -> (u16, Value) {
        let mut response = TestApp::client()
            .post(format!("{}/api/v1/websites/demo/chats", self.base))
            .insert_header(("Origin", ORIGIN))
            .send_json(&json!({ "name": name }))
            .await
            .unwrap_or_else(|e| panic!("the start of {name}'s chat at {}: {e}", self.base));
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (response.status().as_u16(), body)
    }

    pub async fn start_chat(&self, name: &str) -> VisitorChat {
        let (status, body) = self.try_start_chat(name).await;
        assert_eq!(status, 201, "{body}");
        VisitorChat {
            chat_id: body["chat_id"].as_i64().unwrap(),
            token: body["visitor_token"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn try_visitor_socket(
        &self,
        chat: &VisitorChat,
        after_seq: i64,
    ) -> Result<WsClient, String> {
        WsClient::connect(TestApp::client().ws(format!(
            "{}/api/v1/chats/{}/ws?token={}&after_seq={after_seq}",
            self.ws_base, chat.chat_id, chat.token
        )))
        .await
    }

    pub async fn visitor_socket(&self, chat: &VisitorChat, after_seq: i64) -> WsClient {
        self.try_visitor_socket(chat, after_seq).await.unwrap()
    }

    /// The agent, Available, in a new chat with visitor `name`, both sockets open and past
    /// the chat's first two events (request and join).
    pub async fn chat_in_progress(&self, name: &str) -> ChatInProgress {
        let token = self.agent_token().await;
        let mut agent = self.agent_socket(&token, "").await;
        agent.expect("agent_hello").await;
        agent
            .send(json!({ "type": "set_presence", "presence": "available" }))
            .await;
        agent.expect("presence").await;
        let chat = self.start_chat(name).await;
        assert_eq!(agent.expect("offer").await["chat_id"], chat.chat_id);
        agent
            .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
            .await;
        agent.expect("chat_assigned").await;
        let mut visitor = self.visitor_socket(&chat, 0).await;
        visitor.expect("visitor_hello").await;
        let seen: Vec<i64> = visitor
            .collect("event", 2)
            .await
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        assert_eq!(seen, vec![1, 2], "request and join");
        ChatInProgress {
            token,
            agent,
            visitor,
            chat,
        }
    }

    /// `GET /readyz`: the status and the body; `None` when nothing answers.
    pub async fn readyz(&self) -> Option<(u16, Value)> {
        let mut response = TestApp::client()
            .get(format!("{}/readyz", self.base))
            .send()
            .await
            .ok()?;
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        Some((response.status().as_u16(), body))
    }
}
