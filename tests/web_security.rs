//! Issue 10, web security, against the real engine: the CSRF check on cookie-authenticated
//! writes (a cross-site request is refused, the engine's own pages and Bearer clients are
//! not), the session cookie's flags, the security headers on pages and API answers, CORS for
//! the widget's endpoints only and only for a website's domains, and secrets (passwords,
//! session tokens, the website identity secret, the SMTP password, password hashes) absent
//! from API answers and from the log.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use common::{Backend, TestApp, ADMIN_PASSWORD, AGENT_PASSWORD, ORIGIN};
use serde_json::{json, Value};

struct Answer {
    status: u16,
    headers: awc::http::header::HeaderMap,
    body: Value,
}

async fn answer<S>(mut response: awc::ClientResponse<S>) -> Answer
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    let bytes = response.body().await.expect("a body");
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

fn header<'a>(answer: &'a Answer, name: &str) -> Option<&'a str> {
    answer.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Logs in as `username`: the login answer (whose cookie is the session).
async fn login(app: &TestApp, username: &str, password: &str) -> Answer {
    let response = TestApp::client()
        .post(format!("{}/api/v1/auth/login", app.base))
        .send_json(&json!({ "username": username, "password": password }))
        .await
        .expect("login");
    let answer = answer(response).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer
}

/// `POST /api/v1/invitation-codes` with the session cookie and these headers.
async fn create_code_with_cookie(app: &TestApp, token: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = TestApp::client()
        .post(format!("{}/api/v1/invitation-codes", app.base))
        .insert_header(("Cookie", format!("parley_session={token}")));
    for &(name, value) in headers {
        request = request.insert_header((name, value));
    }
    answer(request.send_json(&json!({})).await.expect("request")).await
}

async fn codes(app: &TestApp, token: &str) -> usize {
    let (status, body) = app
        .call("GET", "/api/v1/invitation-codes", Some(token), None)
        .await;
    assert_eq!(status, 200, "{body}");
    body.as_array().map_or(0, Vec::len)
}

/// A state-changing request that the cookie authenticates must come from the engine's own
/// origin (or, without Origin, carry X-Requested-With); Bearer clients are not checked.
async fn cross_site_writes_are_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let token = login(&app, "agent", AGENT_PASSWORD).await.body["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let own = app.base.clone();
    let refused = [
        vec![("Origin", "https://evil.example")],
        vec![("Origin", "null"), ("X-Requested-With", "x")],
        vec![],
        vec![("Origin", own.as_str()), ("Sec-Fetch-Site", "cross-site")],
    ];
    for headers in &refused {
        let answer = create_code_with_cookie(&app, &token, headers).await;
        assert_eq!(answer.status, 403, "{headers:?}: {}", answer.body);
        assert_eq!(answer.body["error"], "csrf_refused", "{}", answer.body);
    }
    assert_eq!(
        codes(&app, &token).await,
        0,
        "a refused request wrote nothing"
    );
    let accepted = [
        vec![("Origin", own.as_str())],
        vec![("X-Requested-With", "parley-admin")],
    ];
    for headers in &accepted {
        let answer = create_code_with_cookie(&app, &token, headers).await;
        assert_eq!(answer.status, 201, "{headers:?}: {}", answer.body);
    }
    // Bearer clients (API tools) send no cookie and are not checked, whatever the Origin.
    let bearer = TestApp::client()
        .post(format!("{}/api/v1/invitation-codes", app.base))
        .insert_header(("Origin", "https://evil.example"))
        .bearer_auth(&token)
        .send_json(&json!({}))
        .await
        .expect("request");
    assert_eq!(answer(bearer).await.status, 201);
    assert_eq!(codes(&app, &token).await, 3);
    // An agent's chat-file upload (a widget path the session may call too) is checked; the
    // visitor's, with its Bearer token, is not.
    let (mut desk, _) = app.available_agent("agent").await;
    let chat = app.taken_chat(&mut desk, "Visitor").await;
    let upload = |headers: Vec<(&'static str, String)>| {
        let mut request = TestApp::client().post(format!(
            "{}/api/v1/chats/{}/attachments?name=note.txt",
            app.base, chat.chat_id
        ));
        for (name, value) in headers {
            request = request.insert_header((name, value));
        }
        async move { answer(request.send_body("a note").await.expect("upload")).await }
    };
    let cookie = ("Cookie", format!("parley_session={token}"));
    let evil = ("Origin", "https://evil.example".to_owned());
    let refused = upload(vec![cookie.clone(), evil.clone()]).await;
    assert_eq!(refused.body["error"], "csrf_refused", "{}", refused.body);
    let ours = upload(vec![cookie.clone(), ("Origin", own.clone())]).await;
    assert_eq!(ours.status, 201, "{}", ours.body);
    let visitor = upload(vec![
        cookie,
        ("Origin", ORIGIN.to_owned()),
        ("Authorization", format!("Bearer {}", chat.token)),
    ])
    .await;
    assert_eq!(visitor.status, 201, "{}", visitor.body);
    // Reading is not checked.
    let read = TestApp::client()
        .get(format!("{}/api/v1/auth/me", app.base))
        .insert_header(("Cookie", format!("parley_session={token}")))
        .insert_header(("Origin", "https://evil.example"))
        .send()
        .await
        .expect("request");
    assert_eq!(answer(read).await.status, 200);
}

#[actix_web::test]
async fn cross_site_writes_are_refused_on_sqlite() {
    cross_site_writes_are_refused(Backend::Sqlite).await;
}

#[actix_web::test]
async fn cross_site_writes_are_refused_on_postgres() {
    cross_site_writes_are_refused(Backend::Postgres).await;
}

/// The session cookie is HttpOnly and SameSite=Strict, and Secure (with HSTS on every answer)
/// when the public URL is https.
#[actix_web::test]
async fn the_session_cookie_and_tls_headers() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let plain = login(&app, "agent", AGENT_PASSWORD).await;
    let cookie = header(&plain, "set-cookie").expect("a cookie");
    assert!(cookie.starts_with("parley_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(header(&plain, "strict-transport-security").is_none());

    let Some(app) = TestApp::builder(Backend::Sqlite)
        .settings(|s| s.server.public_url = "https://chat.example.com".to_owned())
        .spawn()
        .await
    else {
        return;
    };
    let secure = login(&app, "agent", AGENT_PASSWORD).await;
    let cookie = header(&secure, "set-cookie").expect("a cookie");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert!(header(&secure, "strict-transport-security").is_some());
    // Behind that public URL the browser's Origin is the public one: accepted.
    let token = secure.body["token"].as_str().expect("token");
    let created =
        create_code_with_cookie(&app, token, &[("Origin", "https://chat.example.com")]).await;
    assert_eq!(created.status, 201, "{}", created.body);
}

async fn get(app: &TestApp, path: &str, origin: Option<&str>) -> Answer {
    let mut request = TestApp::client().get(format!("{}{path}", app.base));
    if let Some(origin) = origin {
        request = request.insert_header(("Origin", origin));
    }
    answer(request.send().await.expect("request")).await
}

/// The dashboard page and every API answer carry the security headers.
#[actix_web::test]
async fn security_headers_are_on_pages_and_api_answers() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    for path in [
        "/admin/",
        "/api/v1/auth/me",
        "/api/v1/websites/demo/config",
        "/",
    ] {
        let answer = get(&app, path, None).await;
        assert_eq!(
            header(&answer, "x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            header(&answer, "referrer-policy"),
            Some("same-origin"),
            "{path}"
        );
        assert_eq!(header(&answer, "x-frame-options"), Some("DENY"), "{path}");
        let permissions = header(&answer, "permissions-policy").unwrap_or_default();
        assert!(permissions.contains("camera=()"), "{path}");
        let csp = header(&answer, "content-security-policy").expect("a policy");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            header(&answer, "strict-transport-security").is_none(),
            "{path}"
        );
    }
    let admin = get(&app, "/admin/", None).await;
    let csp = header(&admin, "content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("script-src 'self'"),
        "the page keeps its own policy: {csp}"
    );
}

/// CORS: a website's allowed domain gets CORS headers on the widget's endpoints; another
/// origin gets none, and no origin gets them on the dashboards' endpoints.
#[actix_web::test]
async fn cors_is_only_for_a_websites_domains_on_widget_endpoints() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let allowed = get(&app, "/api/v1/websites/demo/config", Some(ORIGIN)).await;
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        Some(ORIGIN)
    );
    let other = get(
        &app,
        "/api/v1/websites/demo/config",
        Some("https://evil.example"),
    )
    .await;
    assert!(header(&other, "access-control-allow-origin").is_none());
    let preflight = TestApp::client()
        .request(
            awc::http::Method::OPTIONS,
            format!("{}/api/v1/websites/demo/chats", app.base),
        )
        .insert_header(("Origin", "https://evil.example"))
        .insert_header(("Access-Control-Request-Method", "POST"))
        .send()
        .await
        .expect("preflight");
    assert!(answer(preflight)
        .await
        .headers
        .get("access-control-allow-origin")
        .is_none());
    let dashboard = get(&app, "/api/v1/auth/me", Some(ORIGIN)).await;
    assert!(header(&dashboard, "access-control-allow-origin").is_none());
    assert!(header(&allowed, "access-control-allow-credentials").is_none());
}

/// Everything the engine logs while these tests run, at every level.
fn log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || LogWriter(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        buffer
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const SMTP_PASSWORD: &str = "smtp-password-never-shown";

/// Secrets never appear in API answers or in the log: the passwords typed at login, the
/// session token, the website identity secret (shown once, to the admin who makes it), the
/// SMTP password and password hashes.
async fn secrets_stay_out_of_answers_and_logs(backend: Backend) {
    let log = log();
    let Some(app) = TestApp::builder(backend)
        .settings(|s| {
            s.log.filter = "trace".to_owned();
            s.mail.smtp_host = "127.0.0.1".to_owned();
            s.mail.smtp_port = 9;
            s.mail.username = "mailer".to_owned();
            s.mail.password = SMTP_PASSWORD.to_owned();
        })
        .spawn()
        .await
    else {
        return;
    };
    tracing::info!(settings = ?app.settings, "the engine's settings, as a careless log line would print them");
    let admin = login(&app, "admin", ADMIN_PASSWORD).await;
    let token = admin.body["token"].as_str().expect("token").to_owned();
    let (status, _) = app.login("agent", "a-wrong-password-typed").await;
    assert_eq!(status, 401);
    let (status, made) = app
        .call(
            "POST",
            "/api/v1/websites/demo/identity/secret",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let secret = made["secret"].as_str().expect("shown once").to_owned();
    let mut answers = Vec::new();
    for path in [
        "/api/v1/websites/demo/identity",
        "/api/v1/websites/demo",
        "/api/v1/websites",
        "/api/v1/users",
        "/api/v1/audit-log",
        "/api/v1/options",
        "/api/v1/auth/me",
    ] {
        let (status, body) = app.call("GET", path, Some(&token), None).await;
        assert_eq!(status, 200, "{path}: {body}");
        answers.push(body.to_string());
    }
    let answers = answers.join("\n");
    assert!(
        !answers.contains(&secret),
        "the identity secret is shown once only"
    );
    assert!(
        !answers.contains("$argon2"),
        "no password hash in an answer"
    );
    assert!(!answers.contains(&token));
    assert!(!answers.contains(SMTP_PASSWORD));
    assert!(!answers.contains(ADMIN_PASSWORD));
    let logged = String::from_utf8_lossy(&log.lock().expect("log")).into_owned();
    assert!(
        logged.contains("identity secret generated"),
        "the log is captured"
    );
    for (what, secret) in [
        ("the identity secret", secret.as_str()),
        ("the session token", token.as_str()),
        ("the SMTP password", SMTP_PASSWORD),
        ("the admin password", ADMIN_PASSWORD),
        ("a mistyped password", "a-wrong-password-typed"),
        ("a password hash", "$argon2"),
    ] {
        let line = logged.lines().find(|line| line.contains(secret));
        assert!(line.is_none(), "{what} was logged: {line:?}");
    }
}

#[actix_web::test]
async fn secrets_stay_out_of_answers_and_logs_on_sqlite() {
    secrets_stay_out_of_answers_and_logs(Backend::Sqlite).await;
}

#[actix_web::test]
async fn secrets_stay_out_of_answers_and_logs_on_postgres() {
    secrets_stay_out_of_answers_and_logs(Backend::Postgres).await;
}

/// CSRF in headless Chromium (`admin-ui/e2e/csrf.mjs`): a signed-in agent's browser on another
/// site posts a form and a fetch to the engine; nothing is created, while the dashboard's own
/// writes go through.
async fn a_cross_site_form_post_in_a_browser_creates_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let env = vec![
        ("PARLEY_URL".to_owned(), app.base.clone()),
        (
            "PARLEY_AGENT_PASSWORD".to_owned(),
            AGENT_PASSWORD.to_owned(),
        ),
        (
            "PARLEY_ADMIN_PASSWORD".to_owned(),
            ADMIN_PASSWORD.to_owned(),
        ),
        (
            "PARLEY_BACKEND".to_owned(),
            format!("{backend:?}").to_lowercase(),
        ),
    ];
    common::browser::run_node_script("admin-ui", "admin-ui/e2e/csrf.mjs", env).await;
}

#[actix_web::test]
async fn a_cross_site_form_post_in_a_browser_creates_nothing_on_sqlite() {
    a_cross_site_form_post_in_a_browser_creates_nothing(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_cross_site_form_post_in_a_browser_creates_nothing_on_postgres() {
    a_cross_site_form_post_in_a_browser_creates_nothing(Backend::Postgres).await;
}
