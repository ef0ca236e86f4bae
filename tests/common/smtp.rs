//! A minimal SMTP server for tests, on a loopback port: it speaks the protocol over TCP and
//! keeps every message it accepts.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A minimal SMTP server: it speaks the protocol over TCP, keeps every accepted message, and
/// answers the first `refuse_first` transactions with a temporary failure (451).
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<String>>>,
}

/// What a server that requires SMTP AUTH accepts: `AUTH PLAIN` with this user and password.
#[derive(Clone)]
struct Login {
    user: String,
    password: String,
}

impl SmtpServer {
    pub fn start(refuse_first: usize) -> SmtpServer {
        Self::listen(
            TcpListener::bind("127.0.0.1:0").unwrap(),
            refuse_first,
            None,
        )
    }

    /// A server that offers `AUTH PLAIN` and takes mail only after a login with these.
    pub fn start_with_login(user: &str, password: &str) -> SmtpServer {
        let login = Login {
            user: user.to_owned(),
            password: password.to_owned(),
        };
        Self::listen(TcpListener::bind("127.0.0.1:0").unwrap(), 0, Some(login))
    }

    /// A server on a given port: one that was down when mail was queued comes back.
    pub fn start_on(port: u16) -> SmtpServer {
        Self::listen(TcpListener::bind(("127.0.0.1", port)).unwrap(), 0, None)
    }

    /// A loopback port nothing listens on (it was free a moment ago).
    pub fn unused_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    fn listen(listener: TcpListener, refuse_first: usize, login: Option<Login>) -> SmtpServer {
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let refusals = Arc::new(AtomicUsize::new(refuse_first));
        let store = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (store, refusals, login) = (store.clone(), refusals.clone(), login.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &store, &refusals, login.as_ref());
                });
            }
        });
        SmtpServer { port, received }
    }

    pub fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}

fn serve(
    stream: std::net::TcpStream,
    store: &Mutex<Vec<String>>,
    refusals: &AtomicUsize,
    login: Option<&Login>,
) -> std::io::Result<()> {
    let mut logged_in = login.is_none();
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
        let reply: &[u8] = if command.starts_with("EHLO") && login.is_some() {
            b"250-localhost\r\n250 AUTH PLAIN\r\n"
        } else if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 localhost\r\n"
        } else if command.starts_with("AUTH PLAIN ") {
            let given = line.trim_end()["AUTH PLAIN ".len()..].to_owned();
            let expected =
                login.map(|l| base64(format!("\0{}\0{}", l.user, l.password).as_bytes()));
            logged_in = expected.as_deref() == Some(given.as_str());
            if logged_in {
                b"235 ok\r\n"
            } else {
                b"535 bad credentials\r\n"
            }
        } else if command.starts_with("MAIL FROM") && !logged_in {
            b"530 authentication required\r\n"
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

pub async fn wait_for_mail(smtp: &SmtpServer, count: usize) -> Vec<String> {
    for _ in 0..500 {
        let received = smtp.received();
        if received.len() >= count {
            return received;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the SMTP server received {:?}", smtp.received());
}

/// Standard base64 with padding, enough to check an `AUTH PLAIN` line.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
