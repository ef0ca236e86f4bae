//! Forms, uploads, offline messages, contacts and their review over real HTTP, with mail to a
//! real SMTP server on a loopback port (issue 4: R3, R4, R11, R62-R65, R74, R75, R77, R81,
//! R88, A9).

mod common;

use common::smtp::{wait_for_mail, SmtpServer};
use common::{Backend, TestApp, ORIGIN};
use parley::clock::now_ms;
use parley::domain::ids::ChatId;
use parley::store;
use serde_json::{json, Value};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";
const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";

/// `POST /api/v1/websites/demo/uploads` with the file as the body.
async fn upload(
    app: &TestApp,
    form: &str,
    field: &str,
    file_name: &str,
    content: &[u8],
    origin: Option<&str>,
) -> (u16, Value) {
    let mut request = TestApp::client()
        .post(format!("{}/api/v1/websites/demo/uploads", app.base))
        .query(&[("form", form), ("field", field), ("filename", file_name)])
        .unwrap()
        .insert_header(("Content-Type", "application/octet-stream"));
    if let Some(origin) = origin {
        request = request.insert_header(("Origin", origin));
    }
    let mut response = request.send_body(content.to_vec()).await.unwrap();
    let body = response.json::<Value>().await.unwrap();
    (response.status().as_u16(), body)
}

async fn uploaded(app: &TestApp, form: &str, field: &str, file_name: &str) -> String {
    let (status, body) = upload(app, form, field, file_name, PDF, Some(ORIGIN)).await;
    assert_eq!(status, 201, "{body}");
    body["upload_id"].as_str().unwrap().to_owned()
}

async fn leave_message(app: &TestApp, body: Value) -> (u16, Value) {
    app.call(
        "POST",
        "/api/v1/websites/demo/offline-messages",
        None,
        Some(body),
    )
    .await
}

async fn review(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let path = format!("/api/v1/review/offline-messages{query}");
    let (status, body) = app.call("GET", &path, Some(token), None).await;
    assert_eq!(status, 200, "{body}");
    body["offline_messages"].as_array().unwrap().clone()
}

async fn open_chats(app: &TestApp) -> usize {
    app.engine.db().run(store::chats::open).await.unwrap().len()
}

/// The stored row of the chat a start-chat response names.
async fn chat_row(app: &TestApp, started: &Value) -> store::chats::ChatRow {
    let id = ChatId(started["chat_id"].as_i64().unwrap());
    app.engine
        .db()
        .run(move |conn| store::chats::by_id(conn, id))
        .await
        .unwrap()
        .unwrap()
}

fn field_errors(body: &Value) -> Vec<(String, String)> {
    assert_eq!(body["error"], "invalid_fields", "{body}");
    body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["error"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

fn prechat_form() -> Value {
    json!({"elements": [
        {"type": "label", "text": "Tell us who you are."},
        {"type": "input", "input": "email", "name": "email", "label": "E-mail", "required": true},
        {"type": "select", "name": "topic", "label": "Topic", "required": true,
         "options": [{"value": "sales", "label": "Sales"}, {"value": "support", "label": "Support"}]},
        {"type": "agreement", "name": "gdpr", "label": "I accept the privacy policy"},
        {"type": "attachment", "name": "files", "label": "Files", "accept": [".pdf"]}
    ]})
}

/// R4, R62, R74, R11, R65, R88: the pre-chat form is enforced (every bad field reported, no
/// chat created); a valid chat carries the cleaned values and its file, and its visitor
/// becomes a contact that the next chat and an offline message with the same address find.
async fn prechat_fields_are_checked_and_contacts_found(app: TestApp) {
    app.set_forms(prechat_form(), Value::Null).await;
    let (status, config) = app
        .call("GET", "/api/v1/websites/demo/config", None, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        config["prechat_form"]["elements"][2]["options"][0]["value"],
        "sales"
    );
    assert_eq!(config["offline_form"]["elements"][1]["input"], "email");
    assert_eq!(config["max_upload_bytes"], 10_485_760);

    let (status, body) = app
        .post_chat(
            json!({"name": "Ann", "fields": {"email": "ann(at)example.org", "topic": "jobs",
                                              "gdpr": false, "age": 40}}),
            &[],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        field_errors(&body),
        pairs(&[
            ("email", "invalid_email"),
            ("topic", "invalid_option"),
            ("gdpr", "agreement_required"),
            ("age", "unknown_field"),
        ])
    );
    let (status, body) = app
        .post_chat(json!({"name": "Ann", "fields": {}}), &[])
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        field_errors(&body),
        pairs(&[
            ("email", "field_required"),
            ("topic", "field_required"),
            ("gdpr", "agreement_required"),
        ])
    );
    // An upload id that was never made is refused with the field, and nothing is created.
    let (status, body) = app
        .post_chat(
            json!({"name": "Ann", "fields": {"email": "ann@example.org", "topic": "sales",
                   "gdpr": true, "files": ["ab".repeat(32)]}}),
            &[],
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(field_errors(&body), pairs(&[("files", "upload_not_found")]));
    assert_eq!(open_chats(&app).await, 0, "a refused start creates nothing");

    let file = uploaded(&app, "prechat", "files", "order.pdf").await;
    let valid = json!({"name": "Ann", "fields": {"email": " Ann@Example.org ", "topic": "sales",
                                                 "gdpr": true, "files": [file]}});
    let (status, body) = app.post_chat(valid.clone(), &[]).await;
    assert_eq!(status, 201, "{body}");
    let row = chat_row(&app, &body).await;
    let meta: Value = serde_json::from_str(&row.visitor_meta).unwrap();
    assert_eq!(meta["fields"]["email"], "Ann@Example.org");
    assert_eq!(meta["fields"]["gdpr"], true);
    assert_eq!(meta["fields"]["files"][0]["file_name"], "order.pdf");
    assert_eq!(
        meta["fields"]["files"][0]["content_type"],
        "application/pdf"
    );
    let contact = row
        .contact_id
        .expect("R88: the chat is linked to a contact");

    // The file went with the first chat; naming it again is refused.
    let (status, body) = app.post_chat(valid, &[]).await;
    assert_eq!(status, 422);
    assert_eq!(field_errors(&body), pairs(&[("files", "upload_not_found")]));

    // R88: the same address (in another case) finds the same contact.
    let (status, body) = app
        .post_chat(
            json!({"name": "Ann Lee", "fields": {"email": "ann@example.org", "topic": "support",
                                                  "gdpr": true}}),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let second = chat_row(&app, &body).await;
    assert_eq!(second.contact_id, Some(contact));
    let stored = app
        .engine
        .db()
        .run(move |conn| store::contacts::by_id(conn, contact))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.name, "Ann", "named after the first chat's visitor");
    assert_eq!(stored.email.as_deref(), Some("ann@example.org"));
    assert_eq!(stored.list, "default");

    // An offline message with that address is linked to the same contact.
    let (status, body) = leave_message(
        &app,
        json!({"fields": {"name": "Ann", "email": "ANN@example.org", "message": "Call me"}}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let token = app.supervisor_token().await;
    let path = format!(
        "/api/v1/review/offline-messages/{}",
        body["offline_message_id"]
    );
    let (_, detail) = app.call("GET", &path, Some(&token), None).await;
    assert_eq!(detail["contact"]["contact_id"], contact);
}

#[actix_web::test]
async fn prechat_fields_are_checked_and_contacts_found_on_sqlite() {
    prechat_fields_are_checked_and_contacts_found(TestApp::spawn(Backend::Sqlite).await.unwrap())
        .await;
}

#[actix_web::test]
async fn prechat_fields_are_checked_and_contacts_found_on_postgres() {
    if let Some(app) = TestApp::spawn(Backend::Postgres).await {
        prechat_fields_are_checked_and_contacts_found(app).await;
    }
}

/// R11, R63: uploads are refused by size, by type, by content that does not match the name,
/// for a field that takes no files, and from pages the website does not allow.
#[actix_web::test]
async fn uploads_are_refused_by_size_type_and_content() {
    let app = TestApp::builder(Backend::Sqlite)
        .settings(|s| s.uploads.max_bytes = 1_000)
        .spawn()
        .await
        .unwrap();
    app.set_forms(
        Value::Null,
        json!({"elements": [
            {"type": "input", "input": "email", "name": "email", "label": "E-mail"},
            {"type": "attachment", "name": "files", "label": "Files",
             "accept": [".pdf", "image/*"], "max_files": 2}
        ]}),
    )
    .await;
    let big = [PDF, &[b' '; 1_000]].concat();
    let here = Some(ORIGIN);
    // (status, code, form, field, file name, content)
    let cases = [
        (
            413,
            "file_too_large",
            "offline",
            "files",
            "big.pdf",
            &big[..],
        ),
        (
            415,
            "unsupported_file_type",
            "offline",
            "files",
            "setup.exe",
            EXE,
        ),
        (
            415,
            "file_content_mismatch",
            "offline",
            "files",
            "invoice.pdf",
            EXE,
        ),
        (
            415,
            "file_type_not_accepted",
            "offline",
            "files",
            "notes.txt",
            b"hello",
        ),
        (
            422,
            "empty_file",
            "offline",
            "files",
            "empty.pdf",
            b"".as_slice(),
        ),
        (422, "unknown_field", "offline", "email", "a.pdf", PDF),
        (422, "unknown_field", "prechat", "files", "a.pdf", PDF),
        (422, "invalid_input", "survey", "files", "a.pdf", PDF),
        (422, "invalid_file_name", "offline", "files", "../", PDF),
    ];
    for (status, code, form, field, name, content) in cases {
        let (got, body) = upload(&app, form, field, name, content, here).await;
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(code)),
            "{name}: {body}"
        );
    }
    for (origin, code) in [
        (None, "origin_required"),
        (Some("https://evil.example"), "origin_not_allowed"),
    ] {
        let (got, body) = upload(&app, "offline", "files", "a.pdf", PDF, origin).await;
        assert_eq!((got, body["error"].as_str()), (403, Some(code)), "{body}");
    }

    // A path in the name is dropped; the type is the one the name and content agree on.
    let (status, body) = upload(&app, "offline", "files", "..\\..\\cv.PDF", PDF, here).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["file_name"], "cv.PDF");
    assert_eq!(body["content_type"], "application/pdf");
    assert_eq!(body["size_bytes"], PDF.len());
    assert_eq!(body["upload_id"].as_str().unwrap().len(), 64);
    assert!(body["expires_at_ms"].as_i64().unwrap() > now_ms());
}

/// Sets the demo website's offline options (as an admin, R71).
async fn set_offline_options(app: &TestApp, token: &str, options: Value) -> (u16, Value) {
    app.call(
        "PUT",
        "/api/v1/websites/demo/offline-options",
        Some(token),
        Some(options),
    )
    .await
}

fn mail_to<'a>(received: &'a [String], address: &str) -> &'a str {
    received
        .iter()
        .find(|m| m.contains(&format!("\r\nTo: {address}\r\n")))
        .unwrap_or_else(|| panic!("no mail to {address} in {received:#?}"))
}

/// R75, R77, R64, R81, A9: a message left with a file while no agent is there is stored with
/// its reason, forwarded and opened as a new interaction by mail (Reply-To the visitor,
/// subject from the chosen field, the file attached), reviewed (the file downloadable by
/// supervisors only), answered by mail and closed.
async fn an_offline_message_is_stored_mailed_and_reviewed(app: TestApp, smtp: SmtpServer) {
    let token = app.supervisor_token().await;
    let admin = app.admin_token().await;
    app.set_forms(
        Value::Null,
        json!({"elements": [
            {"type": "input", "input": "text", "name": "name", "label": "Name", "required": true},
            {"type": "input", "input": "email", "name": "email", "label": "E-mail", "required": true},
            {"type": "select", "name": "topic", "label": "Topic", "required": true,
             "options": [{"value": "billing", "label": "Billing question"}]},
            {"type": "textarea", "name": "message", "label": "Message", "required": true},
            {"type": "attachment", "name": "files", "label": "Files", "accept": [".pdf"]}
        ]}),
    )
    .await;
    let (status, body) = set_offline_options(
        &app,
        &admin,
        json!({"language": "de", "forward_to": "desk@example.com",
               "open_interaction": {"mailbox": "inbox@example.com", "subject_field": "topic"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["forward_to"], "desk@example.com");

    let file = uploaded(&app, "offline", "files", "report.pdf").await;
    let (status, body) = leave_message(
        &app,
        json!({"fields": {"name": "Ann", "email": "ann@example.org", "topic": "billing",
                          "message": "Please call <me>\nafter 5", "files": [file]},
               "page_url": "http://localhost:3000/pricing", "language": "en"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["reason"], "no_agent", "nobody is signed in");
    let id = body["offline_message_id"].as_i64().unwrap();

    let received = wait_for_mail(&smtp, 2).await;
    let forward = mail_to(&received, "desk@example.com");
    assert!(
        forward.contains("Subject: Offline-Nachricht von Ann (Demo website)"),
        "{forward}"
    );
    assert!(forward.contains("Reply-To: ann@example.org"), "{forward}");
    assert!(forward.contains("filename=\"report.pdf\""), "{forward}");
    assert!(forward.contains("text/html"), "{forward}");
    let interaction = mail_to(&received, "inbox@example.com");
    assert!(
        interaction.contains("Subject: Billing question"),
        "{interaction}"
    );
    assert!(
        interaction.contains("Reply-To: ann@example.org"),
        "{interaction}"
    );

    // R81: the review lists it, newest first, per website and state.
    let listed = review(&app, &token, "?website=demo&state=open").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["offline_message_id"], id);
    assert_eq!(listed[0]["reason"], "no_agent");
    assert_eq!(listed[0]["disposition"], "offline");
    assert_eq!(listed[0]["visitor_email"], "ann@example.org");
    assert_eq!(listed[0]["attachment_count"], 1);
    let path = format!("/api/v1/review/offline-messages/{id}");
    let (status, detail) = app.call("GET", &path, Some(&token), None).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["fields"]["message"], "Please call <me>\nafter 5");
    assert_eq!(detail["fields"]["files"][0]["file_name"], "report.pdf");
    assert_eq!(detail["form"]["elements"][2]["name"], "topic");
    assert_eq!(
        detail["visitor"]["page_url"],
        "http://localhost:3000/pricing"
    );
    assert_eq!(detail["visitor"]["language"], "en");
    assert_eq!(detail["contact"]["email"], "ann@example.org");
    assert_eq!(detail["state"], "open");

    // The file, for supervisors only.
    let download = format!("{}{path}/attachments/{file}", app.base);
    let mut response = TestApp::client()
        .get(&download)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers.get("content-type").unwrap(), "application/pdf");
    let disposition = headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(response.body().await.unwrap().as_ref(), PDF);
    let agent = app.agent_token("agent").await;
    let (status, _) = app.call("GET", &path, Some(&agent), None).await;
    assert_eq!(status, 403);
    let attachment_path = format!("{path}/attachments/{file}");
    let (status, _) = app.call("GET", &attachment_path, Some(&agent), None).await;
    assert_eq!(status, 403);
    let (status, _) = app.call("GET", &attachment_path, None, None).await;
    assert_eq!(status, 401);

    // The file is the message's now: another message cannot name it, and writes nothing.
    let (status, body) = leave_message(
        &app,
        json!({"fields": {"name": "Bob", "email": "bob@example.org", "topic": "billing",
                          "message": "Me too", "files": [file]}}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(field_errors(&body), pairs(&[("files", "upload_not_found")]));
    assert_eq!(review(&app, &token, "").await.len(), 1);

    // R81: a reply goes to the visitor through the outbox.
    let reply = json!({"subject": "Your invoice", "body": "Hello Ann,\nwe will call you."});
    let (status, body) = app
        .call("POST", &format!("{path}/reply"), Some(&token), Some(reply))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["to_address"], "ann@example.org");
    assert_eq!(body["author_name"], "Demo Supervisor");
    let received = wait_for_mail(&smtp, 3).await;
    let answer = mail_to(&received, "ann@example.org");
    assert!(answer.contains("Subject: Your invoice"), "{answer}");

    let (status, closed) = app
        .call("POST", &format!("{path}/close"), Some(&token), None)
        .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["state"], "closed");
    assert!(closed["closed_at_ms"].as_i64().is_some());
    assert_eq!(closed["replies"][0]["subject"], "Your invoice");
    assert!(review(&app, &token, "?state=open").await.is_empty());
    assert_eq!(review(&app, &token, "?state=closed").await.len(), 1);
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/review/offline-messages/999/close",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("offline_message_not_found"))
    );
}

#[actix_web::test]
async fn an_offline_message_is_stored_mailed_and_reviewed_on_sqlite() {
    let smtp = SmtpServer::start(0);
    let app = TestApp::builder(Backend::Sqlite)
        .smtp(smtp.port)
        .spawn()
        .await
        .unwrap();
    an_offline_message_is_stored_mailed_and_reviewed(app, smtp).await;
}

#[actix_web::test]
async fn an_offline_message_is_stored_mailed_and_reviewed_on_postgres() {
    let smtp = SmtpServer::start(0);
    if let Some(app) = TestApp::builder(Backend::Postgres)
        .smtp(smtp.port)
        .spawn()
        .await
    {
        an_offline_message_is_stored_mailed_and_reviewed(app, smtp).await;
    }
}

/// R64: without an SMTP server the mail options are refused and nothing changes; bad values
/// are refused with their codes; only admins may set them (R71).
#[actix_web::test]
async fn mail_options_are_refused_without_smtp() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let token = app.admin_token().await;
    for options in [
        json!({"forward_to": "desk@example.com"}),
        json!({"open_interaction": {"mailbox": "inbox@example.com"}}),
    ] {
        let (status, body) = set_offline_options(&app, &token, options).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (422, Some("smtp_not_configured"))
        );
    }
    let (status, body) = app
        .call(
            "GET",
            "/api/v1/websites/demo/offline-options",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"language": null, "forward_to": null, "open_interaction": null})
    );
    let (status, body) = set_offline_options(&app, &token, json!({"language": "de"})).await;
    assert_eq!((status, body["language"].as_str()), (200, Some("de")));

    for (options, code) in [
        (
            json!({"forward_to": "desk(at)example.com"}),
            "invalid_email",
        ),
        (json!({"language": "deutsch!"}), "invalid_language"),
        (json!({"forward": "desk@example.com"}), "invalid_body"),
    ] {
        let (status, body) = set_offline_options(&app, &token, options).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (422, Some(code)),
            "{body}"
        );
    }
    let agent = app.agent_token("agent").await;
    let (status, _) = set_offline_options(&app, &agent, json!({})).await;
    assert_eq!(status, 403);
    // R71: a supervisor reads the options but only admins change them.
    let supervisor = app.supervisor_token().await;
    let (status, body) = set_offline_options(&app, &supervisor, json!({})).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
}

/// R64: with SMTP, the subject field must be a one-line field of the offline form.
#[actix_web::test]
async fn the_subject_field_must_exist_in_the_offline_form() {
    let smtp = SmtpServer::start(0);
    let app = TestApp::builder(Backend::Sqlite)
        .smtp(smtp.port)
        .spawn()
        .await
        .unwrap();
    let token = app.admin_token().await;
    let options = |field: &str| {
        let open = json!({"mailbox": "in@example.com", "subject_field": field});
        json!({ "open_interaction": open })
    };
    let (status, body) = set_offline_options(&app, &token, options("topic")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("unknown_form_field"))
    );
    let (status, body) = set_offline_options(&app, &token, options("message")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["open_interaction"]["subject_field"], "message");
}

/// R62: bad form definitions are refused, each form named as the field; nothing changes.
/// R65: a contact mapping must name fields the forms have.
#[actix_web::test]
async fn bad_forms_and_mappings_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let token = app.admin_token().await;
    let bad = json!({
        "prechat_form": {"elements": [{"type": "input", "input": "text", "name": "1st", "label": "X"}]},
        "offline_form": {"elements": [{"type": "select", "name": "s", "label": "S", "options": []}]}
    });
    let (status, body) = app
        .call(
            "PUT",
            "/api/v1/websites/demo/forms",
            Some(&token),
            Some(bad),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        field_errors(&body),
        pairs(&[
            ("prechat_form", "invalid_field_name"),
            ("offline_form", "invalid_form_element")
        ])
    );
    let (_, forms) = app
        .call("GET", "/api/v1/websites/demo/forms", Some(&token), None)
        .await;
    assert_eq!(forms["prechat_form"], Value::Null);
    assert_eq!(forms["offline_form"], Value::Null);
    assert_eq!(
        forms["effective_offline_form"]["elements"][0]["name"],
        "name"
    );

    let mapping = |body: Value| {
        app.call(
            "PUT",
            "/api/v1/websites/demo/contact-mapping",
            Some(&token),
            Some(body),
        )
    };
    let (status, body) = mapping(json!({"phone": "mobile"})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("unknown_form_field"))
    );
    let (status, body) = mapping(json!({"match_key": "name"})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_body"))
    );
    let (status, body) =
        mapping(json!({"list": "Web leads", "match_key": "email", "custom": {"note": "message"}}))
            .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"list": "Web leads", "match_key": "email", "name": "name", "email": "email",
               "phone": null, "custom": {"note": "message"}})
    );
    let agent = app.agent_token("agent").await;
    let (status, _) = app
        .call("GET", "/api/v1/websites/demo/forms", Some(&agent), None)
        .await;
    assert_eq!(status, 403);
}

/// A9, R75: the reason is recorded from the website's state: outside working hours (a closed
/// queue), the session cap, or no agent; while an agent can take a chat, no message is taken.
#[actix_web::test]
async fn the_offline_reason_follows_the_websites_state() {
    let app = TestApp::builder(Backend::Sqlite)
        .before_start(|db| {
            use diesel::{ExpressionMethods, RunQueryDsl};
            use store::schema::websites;
            db.run_now(|conn| {
                diesel::update(websites::table)
                    .set(websites::max_concurrent_sessions.eq(1))
                    .execute(conn)?;
                Ok(())
            })
            .unwrap()
        })
        .spawn()
        .await
        .unwrap();
    let message = json!({"fields": {"name": "Ann", "email": "ann@example.org", "message": "Hi"}});
    let leave = |body: Value| leave_message(&app, body);

    // Nobody signed in: no agent.
    let (status, body) = leave(message.clone()).await;
    assert_eq!((status, body["reason"].as_str()), (201, Some("no_agent")));

    // An Available agent: chat instead (once the queue has heard of the agent).
    let (_agent, _) = app.available_agent("agent").await;
    for _ in 0..500 {
        let (_, config) = app
            .call("GET", "/api/v1/websites/demo/config", None, None)
            .await;
        if config["mode"] == "online" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (status, body) = leave(message.clone()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("website_online"))
    );

    // The one session is taken: website full.
    let bea = app.start_chat("Bea").await;
    let (status, body) = leave(message.clone()).await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (201, Some("website_full"))
    );
    // The session is free again (a full website would be the reason before a closed queue).
    let end = format!("/api/v1/chats/{}/end", bea.chat_id);
    let (status, _) = app.call("POST", &end, Some(&bea.token), None).await;
    assert_eq!(status, 204);

    // The queue closed: outside working hours.
    let token = app.admin_token().await;
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let today = (now_ms().div_euclid(86_400_000) + 3).rem_euclid(7);
    let far_day = days[((today + 3) % 7) as usize];
    let closed = json!({"time_zone": "UTC",
                        "ranges": [{"days": [far_day], "start": "10:00", "end": "11:00"}]});
    let (status, _) = app
        .call(
            "PUT",
            "/api/v1/queues/1/opening-hours",
            Some(&token),
            Some(closed),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = leave(message.clone()).await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (201, Some("outside_working_hours"))
    );

    // Bad values are refused per field; a page URL that does not parse refuses the request.
    let (status, body) = leave(json!({"fields": {"email": "x"}})).await;
    assert_eq!(status, 422);
    assert_eq!(
        field_errors(&body),
        pairs(&[
            ("name", "field_required"),
            ("email", "invalid_email"),
            ("message", "field_required")
        ])
    );
    let mut bad_page = message.clone();
    bad_page["page_url"] = json!("javascript:alert(1)");
    let (status, body) = leave(bad_page).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_page_url"))
    );
    let listed = review(&app, &token, "?website=demo").await;
    let reasons: Vec<&str> = listed
        .iter()
        .map(|m| m["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        ["outside_working_hours", "website_full", "no_agent"]
    );
}
