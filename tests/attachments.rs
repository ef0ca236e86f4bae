//! Chat files over real HTTP and sockets (R10, R39, R40, R84, R86, A10): uploaded to a chat,
//! sent with a message, downloaded by those who may; refused when too many, too large, of a
//! type told by content that is not allowed (a program renamed `.pdf`, HTML, SVG), or asked
//! for by a stranger; private ones never reach the visitor.

mod common;

use actix_web::web::Bytes;
use common::smtp::{wait_for_mail, SmtpServer};
use common::{Backend, TestApp, VisitorChat, WsClient, ORIGIN};
use serde_json::{json, Value};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9";
const GIF: &[u8] = b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff!\xf9\x04\x01\0\0\0\0;";
const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0\x01\0\0\0";
const PE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0@\0";
const HTML: &[u8] = b"<!DOCTYPE html>\n<html><script>alert(document.cookie)</script></html>";
const SVG: &[u8] = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";

struct Download {
    status: u16,
    headers: awc::http::header::HeaderMap,
    body: Bytes,
}

impl Download {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn error(&self) -> String {
        serde_json::from_slice::<Value>(&self.body).map_or_else(
            |_| String::new(),
            |v| v["error"].as_str().unwrap_or_default().to_owned(),
        )
    }
}

/// `POST /api/v1/chats/{chat}/attachments?name=…` with `content` as the body.
async fn upload(app: &TestApp, chat: i64, token: &str, name: &str, content: &[u8]) -> (u16, Value) {
    let mut response = TestApp::client()
        .post(format!(
            "{}/api/v1/chats/{chat}/attachments?name={}",
            app.base,
            encode(name)
        ))
        .insert_header(("Origin", ORIGIN))
        .bearer_auth(token)
        .send_body(content.to_vec())
        .await
        .expect("upload request");
    let body = response.json::<Value>().await.expect("a JSON answer");
    (response.status().as_u16(), body)
}

/// An upload the caller must get: its id.
async fn uploaded(app: &TestApp, chat: i64, token: &str, name: &str, content: &[u8]) -> String {
    let (status, body) = upload(app, chat, token, name, content).await;
    assert_eq!(status, 201, "{name}: {body}");
    body["attachment_id"].as_str().expect("an id").to_owned()
}

async fn download(app: &TestApp, chat: i64, id: &str, token: Option<&str>) -> Download {
    let mut request = TestApp::client()
        .get(format!("{}/api/v1/chats/{chat}/attachments/{id}", app.base))
        .insert_header(("Origin", ORIGIN));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let mut response = request.send().await.expect("download request");
    let body = response.body().limit(1 << 26).await.expect("download body");
    Download {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body,
    }
}

/// Percent-encodes a query value.
fn encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sends `send_message` and returns the answer: the `ack`, or the `error` frame.
async fn send(socket: &mut WsClient, frame: Value) -> Value {
    socket.send(frame).await;
    let frames = socket
        .until(|f| f.iter().any(|f| f["type"] == "ack" || f["type"] == "error"))
        .await;
    frames
        .into_iter()
        .find(|f| f["type"] == "ack" || f["type"] == "error")
        .expect("an answer")
}

fn message_events(frames: &[Value]) -> Vec<&Value> {
    frames.iter().filter(|f| f["kind"] == "message").collect()
}

/// R10, R40, A10: the agent sends five files with a message; the visitor gets the event with
/// their names, types and sizes and downloads the exact bytes, with headers that keep a
/// browser from running them; the visitor sends a file without text; supervisors download
/// from the log (R85).
async fn files_travel_with_messages(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.taken_chat(&mut agent, "Ann").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.round_trip().await;
    let agent_token = app.agent_token("agent").await;

    let files: [(&str, &[u8], &str); 5] = [
        ("Angebot für Ann.pdf", PDF, "application/pdf"),
        ("chart.png", PNG, "image/png"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("dot.gif", GIF, "image/gif"),
        ("notes", "Grüße,\r\nthe team\n".as_bytes(), "text/plain"),
    ];
    let mut ids = Vec::new();
    for (name, content, mime) in files {
        let (status, body) = upload(&app, chat.chat_id, &agent_token, name, content).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["mime_type"], mime, "{body}");
        assert_eq!(body["size"], content.len(), "{body}");
        ids.push(body["attachment_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(app.stored_files().len(), 5);

    let ack = send(
        &mut agent,
        json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "Here you go",
                "attachments": ids, "client_key": "k1" }),
    )
    .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let live = visitor.until(|f| !message_events(f).is_empty()).await;
    let event = message_events(&live)[0].clone();
    assert_eq!(event["text"], "Here you go");
    let sent = event["attachments"]
        .as_array()
        .expect("attachments")
        .clone();
    assert_eq!(sent.len(), 5, "{event}");
    for ((name, content, mime), (file, id)) in files.iter().zip(sent.iter().zip(&ids)) {
        assert_eq!(file["id"], id.as_str());
        assert_eq!(file["mime_type"], *mime);
        assert_eq!(file["size"], content.len());
        if *name == "notes" {
            // A name without an extension gets its type's.
            assert_eq!(file["name"], "notes.txt");
        } else {
            assert_eq!(file["name"], *name);
        }
        let got = download(&app, chat.chat_id, id, Some(&chat.token)).await;
        assert_eq!(got.status, 200, "{name}");
        assert_eq!(&got.body[..], *content, "{name}");
        assert_eq!(got.header("x-content-type-options"), "nosniff");
        assert_eq!(got.header("content-security-policy"), "sandbox");
        assert_eq!(got.header("cache-control"), "private, no-store");
        assert!(got.header("content-disposition").starts_with("attachment;"));
    }
    let pdf = download(&app, chat.chat_id, &ids[0], Some(&chat.token)).await;
    assert_eq!(pdf.header("content-type"), "application/pdf");
    assert_eq!(
        pdf.header("content-disposition"),
        "attachment; filename=\"Angebot f_r Ann.pdf\"; \
         filename*=UTF-8''Angebot%20f%C3%BCr%20Ann.pdf"
    );
    let text = download(&app, chat.chat_id, &ids[4], Some(&chat.token)).await;
    assert_eq!(text.header("content-type"), "text/plain; charset=utf-8");
    // The browser's own way: the token in the query.
    let by_query = download(
        &app,
        chat.chat_id,
        &format!("{}?token={}", ids[1], chat.token),
        None,
    )
    .await;
    assert_eq!(by_query.status, 200);
    assert_eq!(&by_query.body[..], PNG);

    // A sent file cannot be sent again.
    let again = send(
        &mut agent,
        json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "again",
                "attachments": [ids[0]] }),
    )
    .await;
    assert_eq!(again["error"], "unknown_attachment", "{again}");

    // The visitor sends a file alone; the agent downloads it.
    let report = b"order 1234: broken\n";
    let id = uploaded(&app, chat.chat_id, &chat.token, "report.txt", report).await;
    let ack = send(
        &mut visitor,
        json!({ "type": "send_message", "text": "", "attachments": [id] }),
    )
    .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let frames = agent.until(|f| !message_events(f).is_empty()).await;
    let event = message_events(&frames)[0];
    assert_eq!(event["text"], "");
    assert_eq!(event["attachments"][0]["name"], "report.txt");
    let got = download(&app, chat.chat_id, &id, Some(&agent_token)).await;
    assert_eq!((got.status, &got.body[..]), (200, &report[..]));

    // A visitor cannot send an agent's upload, nor anything unknown.
    let agents = uploaded(&app, chat.chat_id, &agent_token, "a.pdf", PDF).await;
    for attachments in [json!([agents]), json!(["0".repeat(64)]), json!(["../x"])] {
        let refused = send(
            &mut visitor,
            json!({ "type": "send_message", "text": "x", "attachments": attachments }),
        )
        .await;
        assert_eq!(refused["error"], "unknown_attachment", "{refused}");
    }
    // A message with neither text nor files is refused as ever.
    let empty = send(&mut visitor, json!({ "type": "send_message", "text": " " })).await;
    assert_eq!(empty["error"], "empty_message", "{empty}");

    // R85: supervisors see the files in the log and download them.
    let supervisor = app.supervisor_token().await;
    let path = format!("/api/v1/chats/{}/log", chat.chat_id);
    let (status, log) = app.call("GET", &path, Some(&supervisor), None).await;
    assert_eq!(status, 200, "{log}");
    let logged: usize = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["attachments"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(logged, 6, "{log}");
    let got = download(&app, chat.chat_id, &ids[2], Some(&supervisor)).await;
    assert_eq!((got.status, &got.body[..]), (200, JPEG));

    // Messages without files look as they always did.
    let plain = send(
        &mut agent,
        json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "plain" }),
    )
    .await;
    assert_eq!(plain["type"], "ack", "{plain}");
    let history = app.visitor_history(&chat).await;
    let last = history.last().unwrap();
    assert_eq!(last["text"], "plain");
    assert!(last.get("attachments").is_none(), "{last}");
}

#[actix_web::test]
async fn files_travel_with_messages_sqlite() {
    files_travel_with_messages(Backend::Sqlite).await;
}

#[actix_web::test]
async fn files_travel_with_messages_postgres() {
    files_travel_with_messages(Backend::Postgres).await;
}

/// A10, R40: six files, a 21 MB file (declared, and streamed without a length), a program
/// renamed `.pdf`, HTML (also named `.txt`), SVG, a PNG named `.pdf` and an empty file are
/// each refused with a clear code, and nothing is left on disk or recorded.
async fn bad_files_are_refused(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.taken_chat(&mut agent, "Ann").await;
    let agent_token = app.agent_token("agent").await;

    let mut six = Vec::new();
    for n in 0..6 {
        six.push(uploaded(&app, chat.chat_id, &agent_token, &format!("{n}.pdf"), PDF).await);
    }
    let before = app.visitor_history(&chat).await.len();
    let refused = send(
        &mut agent,
        json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "six",
                "attachments": six }),
    )
    .await;
    assert_eq!(refused["error"], "too_many_files", "{refused}");
    assert_eq!(app.visitor_history(&chat).await.len(), before);
    // Nothing was claimed: five of them still go.
    let ack = send(
        &mut agent,
        json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "five",
                "attachments": six[..5] }),
    )
    .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let stored_before = app.stored_files();

    // 21 MB (the limit is 20 MiB), with its length declared...
    let big = vec![b'a'; 21_000_000];
    let (status, body) = upload(&app, chat.chat_id, &chat.token, "big.txt", &big).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("file_too_large"))
    );
    // ...and streamed without one: cut off as it passes the limit.
    let chunks: Vec<Result<Bytes, std::io::Error>> = big
        .chunks(1 << 20)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let mut response = TestApp::client()
        .post(format!(
            "{}/api/v1/chats/{}/attachments?name=big.txt",
            app.base, chat.chat_id
        ))
        .bearer_auth(&chat.token)
        .send_stream(futures_util::stream::iter(chunks))
        .await
        .expect("streamed upload");
    let body = response.json::<Value>().await.expect("a JSON answer");
    assert_eq!(response.status().as_u16(), 413, "{body}");
    assert_eq!(body["error"], "file_too_large");

    for (name, content, code) in [
        ("invoice.pdf", ELF, "unsupported_file_type"),
        ("setup.pdf", PE, "unsupported_file_type"),
        ("page.html", HTML, "unsupported_file_type"),
        ("notes.txt", HTML, "unsupported_file_type"),
        ("logo.svg", SVG, "unsupported_file_type"),
        ("logo.png", SVG, "unsupported_file_type"),
        ("photo.pdf", PNG, "unsupported_file_type"),
        ("empty.txt", b"", "empty_file"),
    ] {
        let (status, body) = upload(&app, chat.chat_id, &chat.token, name, content).await;
        assert_eq!(body["error"], code, "{name}: {body}");
        let expected = if code == "empty_file" { 422 } else { 415 };
        assert_eq!(status, expected, "{name}");
    }
    let (status, body) = upload(&app, chat.chat_id, &chat.token, "", PDF).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_file_name"))
    );
    // Nothing refused left a file behind.
    assert_eq!(app.stored_files(), stored_before);

    // Only participants upload: not a stranger, not an agent outside the chat, not after
    // the end.
    app.add_user("outsider", "agent");
    let outsider = app.agent_token("outsider").await;
    let (status, body) = upload(&app, chat.chat_id, &outsider, "a.pdf", PDF).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("not_a_participant"))
    );
    let (status, _) = upload(&app, chat.chat_id, "not-a-token", "a.pdf", PDF).await;
    assert_eq!(status, 403);
    agent
        .send(json!({ "type": "end_chat", "chat_id": chat.chat_id }))
        .await;
    agent
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    let (status, body) = upload(&app, chat.chat_id, &chat.token, "a.pdf", PDF).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("chat_ended")));
    assert_eq!(app.stored_files(), stored_before);
}

#[actix_web::test]
async fn bad_files_are_refused_sqlite() {
    bad_files_are_refused(Backend::Sqlite).await;
}

#[actix_web::test]
async fn bad_files_are_refused_postgres() {
    bad_files_are_refused(Backend::Postgres).await;
}

/// R39, R40, R84, R86: a private message's file reaches the agent and the log, never the
/// visitor: not downloadable, not in the replay, the REST history or the transcript mail,
/// which names the public file. Strangers download nothing (R10).
async fn private_files_and_strangers(backend: Backend) {
    let smtp = SmtpServer::start(0);
    let Some(app) = TestApp::builder(backend).smtp(smtp.port).spawn().await else {
        return;
    };
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.taken_chat(&mut agent, "Ann").await;
    let agent_token = app.agent_token("agent").await;
    let path = format!("/api/v1/chats/{}/transcript", chat.chat_id);
    let body = json!({ "email": "ann@example.org" });
    let (status, asked) = app.call("POST", &path, Some(&chat.token), Some(body)).await;
    assert_eq!(status, 202, "{asked}");

    let secret = uploaded(&app, chat.chat_id, &agent_token, "vip-notes.pdf", PDF).await;
    let ack = send(
        &mut agent,
        json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "",
                "private": true, "attachments": [secret] }),
    )
    .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let public = uploaded(&app, chat.chat_id, &agent_token, "price-list.pdf", PDF).await;
    let ack = send(
        &mut agent,
        json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "prices",
                "attachments": [public] }),
    )
    .await;
    assert_eq!(ack["type"], "ack", "{ack}");

    // The agent downloads both; the visitor only the public one.
    for id in [&secret, &public] {
        assert_eq!(
            download(&app, chat.chat_id, id, Some(&agent_token))
                .await
                .status,
            200
        );
    }
    let hidden = download(&app, chat.chat_id, &secret, Some(&chat.token)).await;
    assert_eq!(
        (hidden.status, hidden.error()),
        (404, "attachment_not_found".into())
    );
    assert_eq!(
        download(&app, chat.chat_id, &public, Some(&chat.token))
            .await
            .status,
        200
    );

    // Replay and REST history carry the public file only.
    let mut replayed = app.visitor_socket(&chat, 0).await;
    let mut frames = replayed.until(|f| !message_events(f).is_empty()).await;
    frames.extend(replayed.round_trip().await);
    let history = app.visitor_history(&chat).await;
    for seen in [frames, history] {
        let text = serde_json::to_string(&seen).unwrap();
        assert!(text.contains("price-list.pdf"), "{text}");
        assert!(
            !text.contains("vip-notes") && !text.contains(&secret),
            "{text}"
        );
    }

    // Strangers: another chat's visitor (on this chat, and on its own with this id), an
    // agent not in the chat, nobody.
    let other = app.start_chat("Bob").await;
    let foreign = download(&app, chat.chat_id, &public, Some(&other.token)).await;
    assert_eq!((foreign.status, foreign.error()), (403, "forbidden".into()));
    let own_path = download(&app, other.chat_id, &public, Some(&other.token)).await;
    assert_eq!(
        (own_path.status, own_path.error()),
        (404, "attachment_not_found".into())
    );
    app.add_user("outsider", "agent");
    let outsider = app.agent_token("outsider").await;
    let outside = download(&app, chat.chat_id, &public, Some(&outsider)).await;
    assert_eq!(
        (outside.status, outside.error()),
        (404, "attachment_not_found".into())
    );
    let nobody = download(&app, chat.chat_id, &public, None).await;
    assert_eq!(
        (nobody.status, nobody.error()),
        (401, "unauthorized".into())
    );

    // The log shows the private file, marked private.
    let supervisor = app.supervisor_token().await;
    let path = format!("/api/v1/chats/{}/log", chat.chat_id);
    let (_, log) = app.call("GET", &path, Some(&supervisor), None).await;
    let private: Vec<&Value> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["private"] == true)
        .collect();
    assert_eq!(
        private[0]["attachments"][0]["name"], "vip-notes.pdf",
        "{log}"
    );

    // The transcript names the public file and not the private one.
    agent
        .send(json!({ "type": "end_chat", "chat_id": chat.chat_id }))
        .await;
    let mail = wait_for_mail(&smtp, 1).await[0].replace("=\r\n", "");
    assert!(mail.contains("price-list.pdf"), "{mail}");
    assert!(!mail.contains("vip-notes"), "{mail}");
    // After the end, the visitor still downloads what it was sent.
    assert_eq!(
        download(&app, chat.chat_id, &public, Some(&chat.token))
            .await
            .status,
        200
    );
}

#[actix_web::test]
async fn private_files_and_strangers_sqlite() {
    private_files_and_strangers(Backend::Sqlite).await;
}

#[actix_web::test]
async fn private_files_and_strangers_postgres() {
    private_files_and_strangers(Backend::Postgres).await;
}

/// A10: an upload no message carries is deleted, row and file, after
/// `attachments.unclaimed_ttl_ms`; it can no longer be sent.
async fn unsent_files_are_swept(backend: Backend) {
    let Some(app) = TestApp::builder(backend)
        .settings(|s| {
            s.uploads.sweep_interval_ms = 20;
            s.attachments.unclaimed_ttl_ms = 50;
        })
        .spawn()
        .await
    else {
        return;
    };
    let chat: VisitorChat = app.start_chat("Ann").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    let id = uploaded(&app, chat.chat_id, &chat.token, "a.txt", b"hello").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !app.stored_files().is_empty() {
        assert!(std::time::Instant::now() < deadline, "never swept");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let refused = send(
        &mut visitor,
        json!({ "type": "send_message", "text": "", "attachments": [id] }),
    )
    .await;
    assert_eq!(refused["error"], "unknown_attachment", "{refused}");
}

#[actix_web::test]
async fn unsent_files_are_swept_sqlite() {
    unsent_files_are_swept(Backend::Sqlite).await;
}

#[actix_web::test]
async fn unsent_files_are_swept_postgres() {
    unsent_files_are_swept(Backend::Postgres).await;
}

/// R38, R40: the agent's hello tells the limits its dashboard shows before an upload: the
/// message length and the files' count and size, as the settings make them.
#[actix_web::test]
async fn the_agent_hello_tells_the_message_and_file_limits_sqlite() {
    agent_hello_tells_the_limits(Backend::Sqlite).await;
}

#[actix_web::test]
async fn the_agent_hello_tells_the_message_and_file_limits_postgres() {
    agent_hello_tells_the_limits(Backend::Postgres).await;
}

async fn agent_hello_tells_the_limits(backend: Backend) {
    let Some(app) = TestApp::builder(backend)
        .settings(|s| {
            s.attachments.max_files_per_message = 4;
            s.attachments.max_bytes = 1_048_576;
        })
        .spawn()
        .await
    else {
        return;
    };
    let token = app.agent_token("agent").await;
    let mut agent = app.agent_socket(&token, "").await;
    let hello = agent.expect("agent_hello").await;
    assert_eq!(
        hello["limits"],
        json!({"max_message_chars": 1000, "max_files_per_message": 4, "max_attachment_bytes": 1_048_576}),
        "{hello}"
    );
}
