//! Mail goes through the outbox to a real SMTP server on a loopback port, and is retried with
//! backoff until the server accepts it.

mod common;

use std::time::Duration;

use common::smtp::{wait_for_mail, SmtpServer};
use common::{Backend, TestApp};
use parley::mail::OutgoingMail;
use parley::store::outbox;

fn mail(to: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.to_owned(),
        reply_to: Some("Ann <ann@example.org>".to_owned()),
        subject: "Your chat transcript".to_owned(),
        body: "Ann: Hello\nAgent: Hi Ann".to_owned(),
        ..OutgoingMail::default()
    }
}

#[actix_web::test]
async fn queued_mail_is_delivered_over_smtp() {
    let smtp = SmtpServer::start(0);
    let port = smtp.port;
    let app = TestApp::builder(Backend::Sqlite)
        .smtp(port)
        .spawn()
        .await
        .unwrap();
    let id = app
        .engine
        .send_mail(mail("visitor@example.org"))
        .await
        .unwrap();
    let received = wait_for_mail(&smtp, 1).await;
    assert!(
        received[0].contains("Subject: Your chat transcript"),
        "{}",
        received[0]
    );
    assert!(
        received[0].contains("Reply-To: Ann <ann@example.org>"),
        "{}",
        received[0]
    );
    assert!(
        received[0].contains("To: visitor@example.org"),
        "{}",
        received[0]
    );
    assert!(received[0].contains("Agent: Hi Ann"), "{}", received[0]);

    // The outbox row says it was sent, once.
    let row = app
        .outbox_row_when(id, |row| row.sent_at_ms.is_some())
        .await;
    assert_eq!(row.attempts, 1);
}

#[actix_web::test]
async fn a_refused_delivery_is_retried_until_accepted_and_a_bad_address_is_given_up() {
    let smtp = SmtpServer::start(2);
    let port = smtp.port;
    let app = TestApp::builder(Backend::Sqlite)
        .smtp(port)
        .spawn()
        .await
        .unwrap();
    let bad = app.engine.send_mail(mail("not an address")).await.unwrap();
    let good = app
        .engine
        .send_mail(mail("visitor@example.org"))
        .await
        .unwrap();
    wait_for_mail(&smtp, 1).await;

    // The server has the mail; the outbox row is marked once its answer is back.
    let (bad, good) = loop {
        let (bad, good) = app
            .engine
            .db()
            .run(move |conn| Ok((outbox::by_id(conn, bad)?, outbox::by_id(conn, good)?)))
            .await
            .unwrap();
        let (bad, good) = (bad.unwrap(), good.unwrap());
        if good.sent_at_ms.is_some() {
            break (bad, good);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(good.attempts, 3, "two temporary refusals, then accepted");
    assert!(bad.sent_at_ms.is_none());
    assert_eq!(bad.attempts, 1, "a bad address is not retried");
    assert_eq!(bad.next_attempt_at_ms, i64::MAX);
    assert!(bad.last_error.unwrap().starts_with("to:"));
    assert_eq!(smtp.received().len(), 1);
}

/// An SMTP server that is down when mail is queued: the mail waits in the outbox, each attempt
/// recorded, and is delivered once the server is back.
#[actix_web::test]
async fn mail_queued_while_the_smtp_server_is_down_is_delivered_when_it_is_back() {
    let port = SmtpServer::unused_port();
    let app = TestApp::builder(Backend::Sqlite)
        .smtp(port)
        .settings(|s| s.mail.max_attempts = 10_000)
        .spawn()
        .await
        .unwrap();
    let id = app
        .engine
        .send_mail(mail("visitor@example.org"))
        .await
        .unwrap();
    // The connection is refused: a temporary failure, retried.
    let failed = app.outbox_row_when(id, |row| row.attempts >= 2).await;
    assert!(failed.sent_at_ms.is_none());
    assert!(failed.last_error.is_some());
    assert!(failed.next_attempt_at_ms < i64::MAX, "not given up");

    let smtp = SmtpServer::start_on(port);
    let received = wait_for_mail(&smtp, 1).await;
    assert!(received[0].contains("Subject: Your chat transcript"));
    let sent = app
        .outbox_row_when(id, |row| row.sent_at_ms.is_some())
        .await;
    assert!(sent.attempts > failed.attempts);
    assert_eq!(smtp.received().len(), 1);
}

/// SMTP AUTH: with `mail.username` and `mail.password` the engine logs in before it sends;
/// with a wrong password the server refuses for good and the mail is given up, not retried.
#[actix_web::test]
async fn the_engine_logs_in_to_an_smtp_server_that_requires_it() {
    let smtp = SmtpServer::start_with_login("parley", "s3cret");
    let port = smtp.port;
    let app = TestApp::builder(Backend::Sqlite)
        .smtp(port)
        .settings(|s| {
            s.mail.username = "parley".to_owned();
            s.mail.password = "s3cret".to_owned();
        })
        .spawn()
        .await
        .unwrap();
    app.engine
        .send_mail(mail("visitor@example.org"))
        .await
        .unwrap();
    let received = wait_for_mail(&smtp, 1).await;
    assert!(received[0].contains("Subject: Your chat transcript"));

    let wrong = TestApp::builder(Backend::Sqlite)
        .smtp(port)
        .settings(|s| {
            s.mail.username = "parley".to_owned();
            s.mail.password = "wrong".to_owned();
        })
        .spawn()
        .await
        .unwrap();
    let id = wrong
        .engine
        .send_mail(mail("visitor@example.org"))
        .await
        .unwrap();
    let row = loop {
        let row = wrong
            .engine
            .db()
            .run(move |conn| outbox::by_id(conn, id))
            .await
            .unwrap()
            .unwrap();
        if row.attempts > 0 {
            break row;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(row.sent_at_ms.is_none());
    assert_eq!(
        row.next_attempt_at_ms,
        i64::MAX,
        "bad credentials are not retried"
    );
    assert_eq!(smtp.received().len(), 1);
}
