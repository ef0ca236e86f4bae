//! R84, R85, R86: the transcript a visitor may ask for by mail. It holds only what the visitor
//! could see (never private events, R39), in plain text and in HTML with every text escaped.

use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::chat::ChatState;
use super::event::{Author, ChatEvent, EventBody};
use super::texts::Texts;
use super::RuleError;

/// A visitor may ask for its transcript this many times per chat (each ask is one mail):
/// enough to fix a typo in the address, too few to make the engine a mail cannon.
pub const MAX_REQUESTS_PER_CHAT: usize = 3;

/// When an asked-for transcript is mailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The chat is still going on: it is mailed when the chat ends.
    WhenChatEnds,
    /// The chat is over: it is mailed at once.
    Now,
}

/// R86: may the visitor ask for the transcript now? During the chat, or up to `window_ms`
/// after its end; at most [`MAX_REQUESTS_PER_CHAT`] times.
pub fn check_request(
    state: ChatState,
    ended_at_ms: Option<i64>,
    window_ms: i64,
    earlier_requests: usize,
    now_ms: i64,
) -> Result<Delivery, RuleError> {
    if earlier_requests >= MAX_REQUESTS_PER_CHAT {
        return Err(RuleError::TooManyTranscripts {
            max: MAX_REQUESTS_PER_CHAT,
        });
    }
    match (state, ended_at_ms) {
        (ChatState::Ended, Some(ended)) if now_ms > ended.saturating_add(window_ms.max(0)) => {
            Err(RuleError::TranscriptExpired)
        }
        (ChatState::Ended, _) => Ok(Delivery::Now),
        _ => Ok(Delivery::WhenChatEnds),
    }
}

/// A rendered transcript mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What a transcript is made of.
pub struct TranscriptSource<'a> {
    pub website_name: &'a str,
    /// The website's IANA time zone; times are shown there (UTC if it is unknown).
    pub time_zone: &'a str,
    pub texts: &'static Texts,
    /// The chat's events, in order; private ones are left out here (R86).
    pub events: &'a [ChatEvent],
}

/// One line of the transcript: when, who (for messages), what.
struct Line {
    at: String,
    who: Option<String>,
    text: String,
}

fn author_name(author: &Author) -> String {
    match author {
        Author::Visitor { name } | Author::Agent { name, .. } => name.clone(),
        Author::System => String::new(),
    }
}

/// R86: renders the visitor's transcript from the chat's events. Private events never appear.
pub fn render(source: &TranscriptSource<'_>) -> TranscriptMail {
    let texts = source.texts;
    let zone = TimeZone::get(source.time_zone).unwrap_or(TimeZone::UTC);
    let zone_name = zone.iana_name().unwrap_or("UTC").to_owned();
    let at = |ms: i64| {
        Timestamp::from_millisecond(ms)
            .map(|t| {
                t.to_zoned(zone.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    };
    let lines: Vec<Line> = source
        .events
        .iter()
        .filter(|event| event.visible_to_visitor())
        .map(|event| {
            let (who, text) = match &event.body {
                EventBody::ChatRequested { visitor_name, .. } => (
                    None,
                    texts.transcript_requested.replace("{name}", visitor_name),
                ),
                EventBody::Message { text, attachments } => {
                    // R10, R86: files by name, one per line after the text (the event is
                    // public, so its files are too).
                    let files = attachments.iter().map(|file| {
                        texts
                            .transcript_attachment
                            .replace("{name}", file.name.as_str())
                    });
                    let lines: Vec<String> = std::iter::once(text.clone())
                        .filter(|text| !text.is_empty())
                        .chain(files)
                        .collect();
                    (Some(author_name(&event.author)), lines.join("\n"))
                }
                EventBody::ChoicesOffered { prompt, options } => {
                    let labels: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
                    let offered = texts
                        .transcript_choices
                        .replace("{options}", &labels.join(" / "));
                    let text = match prompt {
                        Some(prompt) => format!("{prompt}\n{offered}"),
                        None => offered,
                    };
                    (Some(author_name(&event.author)), text)
                }
                EventBody::ChoicePicked { choice, .. } => (
                    Some(author_name(&event.author)),
                    texts.transcript_picked.replace("{label}", &choice.label),
                ),
                EventBody::AgentJoined { agent_name, .. } => {
                    (None, texts.transcript_joined.replace("{name}", agent_name))
                }
                EventBody::Redirected { queue_name, .. } => (
                    None,
                    texts.transcript_redirected.replace("{queue}", queue_name),
                ),
                EventBody::AgentLeft { agent_name, .. } => {
                    (None, texts.transcript_left.replace("{name}", agent_name))
                }
                EventBody::Transferred {
                    from_agent_name,
                    to_agent_name,
                    ..
                } => (
                    None,
                    texts
                        .transcript_transferred
                        .replace("{from}", from_agent_name)
                        .replace("{to}", to_agent_name),
                ),
                // Private: never reaches this far (filtered above), but named for the match.
                EventBody::TransferNote { text, .. } => (None, text.clone()),
                EventBody::ChatEnded { .. } => (None, texts.transcript_ended.to_owned()),
            };
            Line {
                at: at(event.at_ms),
                who,
                text,
            }
        })
        .collect();
    let subject = texts
        .transcript_subject
        .replace("{website}", source.website_name);
    let intro = texts
        .transcript_intro
        .replace("{website}", source.website_name);
    let times = texts.transcript_times.replace("{zone}", &zone_name);

    let mut text = format!("{intro}\n{times}\n\n");
    for line in &lines {
        match &line.who {
            Some(who) => text.push_str(&format!("[{}] {who}: {}\n", line.at, line.text)),
            None => text.push_str(&format!("[{}] * {}\n", line.at, line.text)),
        }
    }
    text.push_str(&format!("\n{}\n", texts.transcript_footer));

    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body>\n<p>{}</p>\n<p><small>{}</small></p>\n<table>\n",
        texts.language,
        escape_html(&subject),
        escape_html(&intro),
        escape_html(&times)
    );
    for line in &lines {
        let (who, what) = match &line.who {
            Some(who) => (
                format!("<strong>{}</strong>", escape_html(who)),
                escape_html(&line.text).replace('\n', "<br>"),
            ),
            None => (
                String::new(),
                format!("<em>{}</em>", escape_html(&line.text)),
            ),
        };
        html.push_str(&format!(
            "<tr><td>{}</td><td>{who}</td><td>{what}</td></tr>\n",
            escape_html(&line.at)
        ));
    }
    html.push_str(&format!(
        "</table>\n<p>{}</p>\n</body></html>\n",
        escape_html(texts.transcript_footer)
    ));
    TranscriptMail {
        subject,
        text,
        html,
    }
}

/// Text made safe to put in HTML, between tags or in a quoted attribute.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text as an HTML page: escaped, line breaks kept (a supervisor's reply, R81).
pub fn plain_text_html(language: &str, text: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"></head><body>\n\
         <p>{}</p>\n</body></html>\n",
        escape_html(language),
        escape_html(text).replace('\n', "<br>\n")
    )
}

#[cfg(test)]
mod tests {
    use super::super::chat::{Disposition, EndedBy};
    use super::super::choices::Choice;
    use super::super::ids::{ChatId, QueueId, Seq, UserId};
    use super::super::texts::{ENGLISH, GERMAN};
    use super::*;

    const HOUR: i64 = 3_600_000;
    /// 2026-11-21 14:00 UTC.
    const T0: i64 = 1_795_269_600_000;

    fn event(seq: i64, author: Author, private: bool, body: EventBody) -> ChatEvent {
        ChatEvent {
            chat_id: ChatId(1),
            seq: Seq(seq),
            at_ms: T0 + seq * 60_000,
            author,
            private,
            body,
        }
    }

    fn chat() -> Vec<ChatEvent> {
        let ann = || Author::Visitor { name: "Ann".into() };
        let agent = || Author::Agent {
            id: UserId(2),
            name: "Bo <b>".into(),
        };
        vec![
            event(
                1,
                ann(),
                false,
                EventBody::ChatRequested {
                    visitor_name: "Ann".into(),
                    website_key: "demo".into(),
                    queue_id: QueueId(1),
                },
            ),
            event(
                2,
                Author::System,
                false,
                EventBody::AgentJoined {
                    agent_id: UserId(2),
                    agent_name: "Bo <b>".into(),
                    conference: false,
                },
            ),
            event(
                3,
                ann(),
                false,
                EventBody::Message {
                    text: "Is 3 < 5 & \"true\"?\nSecond line".into(),
                    attachments: Vec::new(),
                },
            ),
            event(
                4,
                agent(),
                true,
                EventBody::Message {
                    text: "internal: she is a VIP".into(),
                    attachments: Vec::new(),
                },
            ),
            event(
                5,
                agent(),
                false,
                EventBody::Message {
                    text: "<script>alert(1)</script>".into(),
                    attachments: Vec::new(),
                },
            ),
            event(
                6,
                Author::System,
                false,
                EventBody::ChatEnded {
                    ended_by: EndedBy::Visitor,
                    disposition: Disposition::VisitorEnded,
                    notice: None,
                    leave_message_until_ms: None,
                },
            ),
        ]
    }

    fn render_with(texts: &'static Texts, zone: &str) -> TranscriptMail {
        let events = chat();
        render(&TranscriptSource {
            website_name: "Shop & Co",
            time_zone: zone,
            texts,
            events: &events,
        })
    }

    #[test]
    fn private_messages_never_reach_the_visitors_transcript_r86() {
        let mail = render_with(&ENGLISH, "UTC");
        assert!(!mail.text.contains("VIP"), "{}", mail.text);
        assert!(!mail.html.contains("VIP"), "{}", mail.html);
        assert!(mail.text.contains("Ann: Is 3 < 5"), "{}", mail.text);
        assert!(
            mail.text.contains("* Bo <b> joined the chat"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains("* The chat ended"), "{}", mail.text);
        assert_eq!(mail.subject, "Your chat with Shop & Co");
    }

    #[test]
    fn offers_and_picks_read_as_lines_r9() {
        let agent = Author::Agent {
            id: UserId(2),
            name: "Bo".into(),
        };
        let options = vec![
            Choice {
                id: "1".into(),
                label: "Basic".into(),
            },
            Choice {
                id: "2".into(),
                label: "<Pro>".into(),
            },
        ];
        let events = vec![
            event(
                1,
                agent,
                false,
                EventBody::ChoicesOffered {
                    prompt: Some("Which plan?".into()),
                    options: options.clone(),
                },
            ),
            event(
                2,
                Author::Visitor { name: "Ann".into() },
                false,
                EventBody::ChoicePicked {
                    offer_seq: Seq(1),
                    choice: options[1].clone(),
                },
            ),
        ];
        let mail = render(&TranscriptSource {
            website_name: "Shop",
            time_zone: "UTC",
            texts: &ENGLISH,
            events: &events,
        });
        assert!(
            mail.text
                .contains("Bo: Which plan?\nOptions: Basic / <Pro>\n"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains("Ann: Picked: <Pro>\n"), "{}", mail.text);
        assert!(mail.html.contains("Picked: &lt;Pro&gt;"), "{}", mail.html);
    }

    #[test]
    fn the_html_part_escapes_every_text() {
        let mail = render_with(&ENGLISH, "UTC");
        assert!(!mail.html.contains("<script>"), "{}", mail.html);
        assert!(!mail.html.contains("<b>"), "{}", mail.html);
        assert!(mail.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(mail
            .html
            .contains("Is 3 &lt; 5 &amp; &quot;true&quot;?<br>Second line"));
        assert!(mail.html.contains("Shop &amp; Co"));
    }

    #[test]
    fn times_are_in_the_websites_zone_and_texts_in_its_language() {
        let utc = render_with(&ENGLISH, "UTC");
        assert!(utc.text.contains("[2026-11-21 14:03] Ann:"), "{}", utc.text);
        let prague = render_with(&GERMAN, "Europe/Prague");
        assert!(
            prague.text.contains("[2026-11-21 15:03] Ann:"),
            "{}",
            prague.text
        );
        assert!(
            prague.text.contains("Zeiten in Europe/Prague"),
            "{}",
            prague.text
        );
        assert_eq!(prague.subject, "Ihr Chat mit Shop & Co");
        let unknown = render_with(&ENGLISH, "Mars/Olympus");
        assert!(
            unknown.text.contains("[2026-11-21 14:03]"),
            "{}",
            unknown.text
        );
    }

    #[test]
    fn a_transcript_is_asked_for_during_the_chat_or_within_the_window_r86() {
        assert_eq!(
            check_request(ChatState::Active, None, HOUR, 0, 5),
            Ok(Delivery::WhenChatEnds)
        );
        assert_eq!(
            check_request(ChatState::Queued, None, HOUR, 2, 5),
            Ok(Delivery::WhenChatEnds)
        );
        assert_eq!(
            check_request(ChatState::Ended, Some(0), HOUR, 0, HOUR),
            Ok(Delivery::Now)
        );
        assert_eq!(
            check_request(ChatState::Ended, Some(0), HOUR, 0, HOUR + 1),
            Err(RuleError::TranscriptExpired)
        );
        assert_eq!(
            check_request(ChatState::Active, None, HOUR, 3, 0),
            Err(RuleError::TooManyTranscripts { max: 3 })
        );
    }

    #[test]
    fn public_files_are_named_and_private_ones_never_r10_r39_r86() {
        use crate::domain::attachment::AttachmentRef;
        use crate::domain::upload::{FileName, UploadId};
        let file = |n: &str, name: &str| AttachmentRef {
            id: UploadId::parse(&n.repeat(64)).unwrap(),
            name: FileName::parse(name).unwrap(),
            mime_type: "application/pdf".into(),
            size: 10,
        };
        let mut events = chat();
        events.push(event(
            7,
            agent_author(),
            false,
            EventBody::Message {
                text: String::new(),
                attachments: vec![file("a", "offer <1>.pdf")],
            },
        ));
        events.push(event(
            8,
            agent_author(),
            true,
            EventBody::Message {
                text: "note".into(),
                attachments: vec![file("b", "secret-notes.pdf")],
            },
        ));
        let mail = render(&TranscriptSource {
            website_name: "Shop",
            time_zone: "UTC",
            texts: &ENGLISH,
            events: &events,
        });
        assert!(mail.text.contains("[file: offer <1>.pdf]"), "{}", mail.text);
        assert!(
            mail.html.contains("[file: offer &lt;1&gt;.pdf]"),
            "{}",
            mail.html
        );
        assert!(!mail.text.contains("secret-notes"), "{}", mail.text);
        assert!(!mail.html.contains("secret-notes"), "{}", mail.html);
    }

    fn agent_author() -> Author {
        Author::Agent {
            id: UserId(2),
            name: "Bo".into(),
        }
    }

    #[test]
    fn plain_text_becomes_escaped_html() {
        assert_eq!(
            plain_text_html("en", "a < b\nc"),
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"></head><body>\n\
             <p>a &lt; b<br>\nc</p>\n</body></html>\n"
        );
    }
}
