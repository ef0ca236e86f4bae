//! Mail goes through the outbox to a real SMTP server on a loopback port, and is retried with
//! backoff until the server accepts it.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Backend, TestApp};
use parley::mail::OutgoingMail;
use parley::store::outbox;

/// A minimal SMTP server: it speaks the protocol over TCP, keeps every accepted message, and
/// answers the first `refuse_first` transactions with a temporary failure (451).
struct SmtpServer {
    port: u16,
    received: Arc<Mutex<Vec<String>>>,
}

impl SmtpServer {
    fn start(refuse_first: usize) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let refusals = Arc::new(AtomicUsize::new(refuse_first));
        let store = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (store, refusals) = (store.clone(), refusals.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &store, &refusals);
                });
            }
        });
        SmtpServer { port, received }
    }

    fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}

fn serve(
    stream: std::net::TcpStream,
    store: &Mutex<Vec<String>>,
    refusals: &AtomicUsize,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    writer.write_all(b"220 localhost test SMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 localhost\r\n"
        } else if command.starts_with("MAIL FROM") {
            let refused = refusals
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if refused {
                b"451 try again later\r\n"
            } else {
                b"250 ok\r\n"
            }
        } else if command.starts_with("RCPT TO")
            || command.starts_with("RSET")
            || command.starts_with("NOOP")
        {
            b"250 ok\r\n"
        } else if command == "DATA" {
            writer.write_all(b"354 go ahead\r\n")?;
            let mut message = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                message.push_str(&line);
            }
            store.lock().unwrap().push(message);
            b"250 queued\r\n"
        } else if command == "QUIT" {
            writer.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            b"502 not implemented\r\n"
        };
        writer.write_all(reply)?;
    }
}

async fn wait_for_mail(smtp: &SmtpServer, count: usize) -> Vec<String> {
    for _ in 0..500 {
        let received = smtp.received();
        if received.len() >= count {
            return received;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the SMTP server received {:?}", smtp.received());
}

fn mail(to: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.to_owned(),
        reply_to: Some("Ann <ann@example.org>".to_owned()),
        subject: "Your chat transcript".to_owned(),
        body: "Ann: Hello\nAgent: Hi Ann".to_owned(),
    }
}

#[actix_web::test]
async fn queued_mail_is_delivered_over_smtp() {
    let smtp = SmtpServer::start(0);
    let port = smtp.port;
    let app = TestApp::builder(Backend::Sqlite)
        .settings(move |s| {
            s.mail.smtp_host = "127.0.0.1".to_owned();
            s.mail.smtp_port = port;
        })
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
    let row = loop {
        let row = app
            .engine
            .db()
            .run(move |conn| outbox::by_id(conn, id))
            .await
            .unwrap()
            .unwrap();
        if row.sent_at_ms.is_some() {
            break row;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(row.attempts, 1);
}

#[actix_web::test]
async fn a_refused_delivery_is_retried_until_accepted_and_a_bad_address_is_given_up() {
    let smtp = SmtpServer::start(2);
    let port = smtp.port;
    let app = TestApp::builder(Backend::Sqlite)
        .settings(move |s| {
            s.mail.smtp_host = "127.0.0.1".to_owned();
            s.mail.smtp_port = port;
            s.mail.poll_interval_ms = 20;
            s.mail.retry_base_ms = 10;
            s.mail.retry_max_ms = 40;
        })
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
