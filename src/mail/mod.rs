//! Outgoing mail through an outbox: [`queue_mail`] stores a mail, the [`Mailer`] actor delivers
//! due mail over SMTP and retries with exponential backoff until the server accepts it. Mail
//! survives an SMTP outage and an engine restart; a mail the server refuses for good (a bad
//! address) is given up after `mail.max_attempts`. [`templates`] writes the mails about
//! offline messages.

pub mod templates;

use std::time::Duration;

use actix::prelude::*;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Email, Tokio1Executor};

use crate::clock::now_ms;
use crate::domain::ids::WebsiteId;
use crate::domain::texts::Texts;
use crate::settings::{MailSecurity, MailSettings};
use crate::store::outbox::{self, NewMail, OutboxRow};
use crate::store::uploads::{self, UploadInfo};
use crate::store::{parse_json, to_json, AnyConnection, Db, StoreResult};

pub mod transcript;

/// A mail to send: plain text, optionally with an HTML alternative and uploaded files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub body: String,
    /// The same content as HTML, every text in it escaped; `None`: plain text only.
    pub html: Option<String>,
    /// Ids of uploads (R11) to attach, read when the mail is sent.
    pub attachments: Vec<String>,
}

/// The language a website's mails to visitors are written in (its unmanaged language, else
/// English): R81's replies.
pub fn website_language(conn: &mut AnyConnection, website: WebsiteId) -> StoreResult<&'static str> {
    let language = crate::store::websites::by_id(conn, website)?.and_then(|w| w.unmanaged.language);
    Ok(Texts::for_languages([language.as_deref()]).language)
}

/// Stores a mail in the outbox, due at once; returns its outbox id.
pub async fn queue_mail(db: &Db, mail: OutgoingMail) -> StoreResult<i64> {
    db.run(move |conn| insert_mail(conn, &mail, now_ms())).await
}

/// Stores a mail in the outbox, due at `now_ms`, on `conn`: inside a caller's transaction, so
/// the mail exists exactly when what caused it is stored. The caller wakes the mailer
/// ([`crate::actors::Engine::wake_mailer`]) once the transaction is committed.
pub fn insert_mail(conn: &mut AnyConnection, mail: &OutgoingMail, now_ms: i64) -> StoreResult<i64> {
    outbox::insert(
        conn,
        &NewMail {
            to_address: &mail.to,
            reply_to: mail.reply_to.as_deref(),
            subject: &mail.subject,
            body: &mail.body,
            next_attempt_at_ms: now_ms,
            created_at_ms: now_ms,
            body_html: mail.html.as_deref(),
            attachments: to_json(&mail.attachments),
        },
    )
}

/// How long to wait before attempt `attempts + 1`, after `attempts` failures: doubling from
/// `base_ms`, never more than `max_ms`.
pub fn retry_delay_ms(attempts: i32, base_ms: i64, max_ms: i64) -> i64 {
    let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
    base_ms.saturating_mul(1_i64 << doublings).min(max_ms)
}

/// Delivers the outbox. One per engine, started only when an SMTP host is configured.
pub struct Mailer {
    db: Db,
    settings: MailSettings,
    transport: Transport,
    busy: bool,
    /// Issue 10: the engine is stopping; no new round starts.
    stopping: bool,
    /// Told when the round under way ends ([`FinishSending`]).
    round_ended: Vec<tokio::sync::oneshot::Sender<()>>,
}

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// The SMTP connection the settings describe: plain, STARTTLS or TLS, with or without AUTH.
fn transport(settings: &MailSettings) -> Result<Transport, String> {
    let host = settings.smtp_host.trim();
    let builder = match settings.security {
        MailSecurity::None => Transport::builder_dangerous(host),
        MailSecurity::Starttls => Transport::starttls_relay(host).map_err(|e| e.to_string())?,
        MailSecurity::Tls => Transport::relay(host).map_err(|e| e.to_string())?,
    };
    let mut builder = builder
        .port(settings.smtp_port)
        .timeout(Some(Duration::from_millis(settings.timeout_ms)));
    if !settings.username.is_empty() || !settings.password.is_empty() {
        builder = builder.credentials(Credentials::new(
            settings.username.clone(),
            settings.password.clone(),
        ));
    }
    Ok(builder.build())
}

impl Mailer {
    /// Refused when the settings cannot make an SMTP connection (a host TLS cannot use).
    pub fn new(db: Db, settings: MailSettings) -> Result<Mailer, String> {
        Ok(Mailer {
            transport: transport(&settings)?,
            db,
            settings,
            busy: false,
            stopping: false,
            round_ended: Vec::new(),
        })
    }

    /// Sends every due mail, one batch at a time; a new round starts only when this one ends.
    fn deliver_due(&mut self, ctx: &mut Context<Self>) {
        if self.busy || self.stopping {
            return;
        }
        self.busy = true;
        let (db, transport, settings) = (
            self.db.clone(),
            self.transport.clone(),
            self.settings.clone(),
        );
        // No database connection is held while talking to the SMTP server.
        let round = async move {
            let due = db.run(|conn| outbox::due(conn, now_ms(), 50)).await?;
            for mail in due {
                let attempts = mail.attempts + 1;
                let files = attachments_of(&db, &mail).await?;
                let sent = match build_email(&settings, &mail, files) {
                    Ok(email) => transport
                        .send(email)
                        .await
                        .map(|_| ())
                        .map_err(|e| Failure {
                            permanent: e.is_permanent(),
                            reason: e.to_string(),
                        }),
                    Err(failure) => Err(failure),
                };
                let id = mail.id;
                match sent {
                    Ok(()) => {
                        db.run(move |conn| outbox::mark_sent(conn, id, attempts, now_ms()))
                            .await?
                    }
                    Err(failure) => {
                        let next = if failure.permanent || attempts >= settings.max_attempts {
                            i64::MAX
                        } else {
                            now_ms()
                                + retry_delay_ms(
                                    attempts,
                                    settings.retry_base_ms,
                                    settings.retry_max_ms,
                                )
                        };
                        tracing::warn!(mail = id, attempts, error = %failure.reason, "mail not delivered");
                        db.run(move |conn| {
                            outbox::mark_failed(conn, id, attempts, next, &failure.reason)
                        })
                        .await?
                    }
                }
            }
            Ok::<(), crate::store::StoreError>(())
        };
        round
            .into_actor(self)
            .map(|result, act, _ctx| {
                act.busy = false;
                if let Err(e) = result {
                    tracing::warn!(error = %e, "mail outbox unreachable");
                }
                for waiting in act.round_ended.drain(..) {
                    let _ = waiting.send(());
                }
            })
            .spawn(ctx);
    }
}

/// The files a mail names, read just before it is sent (one mail's files at a time).
async fn attachments_of(db: &Db, mail: &OutboxRow) -> StoreResult<Vec<(UploadInfo, Vec<u8>)>> {
    let ids: Vec<String> = parse_json("mail_outbox.attachments", &mail.attachments)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.run(move |conn| uploads::contents(conn, &ids)).await
}

struct Failure {
    reason: String,
    /// The mail itself is wrong (an address that does not parse, a 5xx answer): retrying
    /// cannot help.
    permanent: bool,
}

/// The message to send for an outbox row: plain text, or text with its HTML alternative and its
/// files. A mail that cannot be built (a bad address) fails for good.
fn build_email(
    settings: &MailSettings,
    mail: &OutboxRow,
    files: Vec<(UploadInfo, Vec<u8>)>,
) -> Result<Email, Failure> {
    let permanent = |reason: String| Failure {
        reason,
        permanent: true,
    };
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| permanent(format!("mail.from: {e}")))?;
    let to: Mailbox = mail
        .to_address
        .parse()
        .map_err(|e| permanent(format!("to: {e}")))?;
    let mut builder = Email::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone());
    if let Some(reply_to) = &mail.reply_to {
        let reply_to: Mailbox = reply_to
            .parse()
            .map_err(|e| permanent(format!("reply-to: {e}")))?;
        builder = builder.reply_to(reply_to);
    }
    let email = if mail.body_html.is_none() && files.is_empty() {
        builder
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
    } else {
        let text = match &mail.body_html {
            Some(html) => MultiPart::alternative_plain_html(mail.body.clone(), html.clone()),
            None => MultiPart::mixed().singlepart(SinglePart::plain(mail.body.clone())),
        };
        let mut parts = MultiPart::mixed().multipart(text);
        for (file, content) in files {
            let content_type = ContentType::parse(&file.content_type)
                .map_err(|e| permanent(format!("attachment type: {e}")))?;
            parts = parts.singlepart(Attachment::new(file.file_name).body(content, content_type));
        }
        builder.multipart(parts)
    }
    .map_err(|e| permanent(e.to_string()))?;
    Ok(email)
}

impl Actor for Mailer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let every = Duration::from_millis(self.settings.poll_interval_ms.max(10));
        self.deliver_due(ctx);
        ctx.run_interval(every, |act, ctx| act.deliver_due(ctx));
    }
}

impl Supervised for Mailer {}

/// New mail was queued: deliver now rather than at the next poll.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Wake;

impl Handler<Wake> for Mailer {
    type Result = ();

    fn handle(&mut self, _msg: Wake, ctx: &mut Context<Self>) {
        self.deliver_due(ctx);
    }
}

/// Issue 10: the engine is stopping. The mailer starts no new round, and the answer comes when
/// the round under way (if any) has ended: a mail being sent is then sent and marked, or failed
/// and due again. A round cut off by the shutdown timeout leaves its mail unmarked, so it is
/// sent after the restart (perhaps a second time, never not at all).
#[derive(Message)]
#[rtype(result = "()")]
pub struct FinishSending;

impl Handler<FinishSending> for Mailer {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _msg: FinishSending, _ctx: &mut Context<Self>) -> Self::Result {
        self.stopping = true;
        if !self.busy {
            return Box::pin(async {});
        }
        let (ended, round_ended) = tokio::sync::oneshot::channel();
        self.round_ended.push(ended);
        Box::pin(async move {
            let _ = round_ended.await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_by_doubling_up_to_a_ceiling() {
        assert_eq!(retry_delay_ms(1, 1_000, 60_000), 1_000);
        assert_eq!(retry_delay_ms(2, 1_000, 60_000), 2_000);
        assert_eq!(retry_delay_ms(4, 1_000, 60_000), 8_000);
        assert_eq!(retry_delay_ms(10, 1_000, 60_000), 60_000);
        assert_eq!(retry_delay_ms(1_000, 1_000, 60_000), 60_000);
    }
}
