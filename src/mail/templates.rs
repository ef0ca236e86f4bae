//! The mails offline messages cause (R64, R77) and supervisors' replies (R81): a plain text
//! body and an HTML alternative from the same lines, in the website's language when the
//! catalog has it (English otherwise). Everything a visitor or a supervisor typed is escaped in
//! the HTML; subjects are one line.

use serde_json::{Map, Value};

use super::OutgoingMail;
use crate::domain::email::{EmailAddress, Reply};
use crate::domain::form::{Field, FieldKind, Form};
use crate::domain::offline_message::OfflineReason;
use crate::domain::transcript::plain_text_html;
use crate::domain::visitor::Language;
use crate::protocol::VisitorDetails;
use crate::store::uploads::UploadInfo;

/// The texts of one language. `{website}` and `{visitor}` are replaced.
struct Catalog {
    forward_subject: &'static str,
    interaction_subject: &'static str,
    intro: &'static str,
    a_visitor: &'static str,
    reason: &'static str,
    outside_working_hours: &'static str,
    website_full: &'static str,
    no_agent: &'static str,
    received: &'static str,
    page: &'static str,
    language: &'static str,
    yes: &'static str,
    not_attached: &'static str,
}

const ENGLISH: Catalog = Catalog {
    forward_subject: "Offline message from {visitor} ({website})",
    interaction_subject: "Message from {visitor} ({website})",
    intro: "A visitor left this message on {website} while live chat was offline.",
    a_visitor: "a visitor",
    reason: "Why offline",
    outside_working_hours: "outside working hours",
    website_full: "all chat sessions were taken",
    no_agent: "no agent was available",
    received: "Received",
    page: "Page",
    language: "Language",
    yes: "yes",
    not_attached: "not attached (too large for mail; download it from the review)",
};

const GERMAN: Catalog = Catalog {
    forward_subject: "Offline-Nachricht von {visitor} ({website})",
    interaction_subject: "Nachricht von {visitor} ({website})",
    intro: "Ein Besucher hat diese Nachricht auf {website} hinterlassen, als der Live-Chat offline war.",
    a_visitor: "einem Besucher",
    reason: "Grund",
    outside_working_hours: "außerhalb der Arbeitszeit",
    website_full: "alle Chat-Sitzungen waren belegt",
    no_agent: "kein Agent war verfügbar",
    received: "Eingegangen",
    page: "Seite",
    language: "Sprache",
    yes: "ja",
    not_attached: "nicht angehängt (zu groß für eine Mail; in der Prüfung herunterladen)",
};

fn catalog(language: Option<&Language>) -> &'static Catalog {
    let primary = language.map(|l| l.as_str().split('-').next().unwrap_or_default());
    match primary {
        Some("de") => &GERMAN,
        _ => &ENGLISH,
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// A text fit for a mail subject: its first line, trimmed, at most 200 characters.
pub fn one_line_subject(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    line.unwrap_or_default().chars().take(200).collect()
}

/// A mail ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Label and value lines, written once as text and once as HTML.
struct Lines(Vec<(String, String)>);

impl Lines {
    fn text(&self, intro: &str) -> String {
        let mut text = format!("{intro}\n\n");
        for (label, value) in &self.0 {
            if value.contains('\n') {
                text.push_str(&format!("{label}:\n{value}\n\n"));
            } else {
                text.push_str(&format!("{label}: {value}\n"));
            }
        }
        text
    }

    fn html(&self, intro: &str) -> String {
        let mut html = format!(
            "<!DOCTYPE html>\n<html><body>\n<p>{}</p>\n<table cellpadding=\"4\">\n",
            escape_html(intro)
        );
        for (label, value) in &self.0 {
            let value = escape_html(value).replace('\n', "<br>\n");
            html.push_str(&format!(
                "<tr><th align=\"left\" valign=\"top\">{}</th><td>{value}</td></tr>\n",
                escape_html(label)
            ));
        }
        html.push_str("</table>\n</body></html>\n");
        html
    }
}

/// Which files go into the mail: in order, each while the total stays within `max_bytes`.
pub fn pick_attachments(files: &[UploadInfo], max_bytes: usize) -> Vec<String> {
    let mut total = 0usize;
    files
        .iter()
        .filter(|file| {
            let size = usize::try_from(file.size_bytes).unwrap_or(usize::MAX);
            let fits = total.saturating_add(size) <= max_bytes;
            if fits {
                total += size;
            }
            fits
        })
        .map(|file| file.id.clone())
        .collect()
}

/// An offline message, as the mails about it show it.
pub struct OfflineMail<'a> {
    pub website_name: &'a str,
    pub language: Option<&'a Language>,
    /// IANA zone the time is shown in.
    pub time_zone: &'a str,
    pub reason: OfflineReason,
    pub received_at_ms: i64,
    pub form: &'a Form,
    /// The cleaned form values (attachment fields hold upload ids).
    pub values: &'a Map<String, Value>,
    pub files: &'a [UploadInfo],
    /// The ids of the files attached to the mail.
    pub attached: &'a [String],
    pub visitor: &'a VisitorDetails,
    pub visitor_name: Option<&'a str>,
}

impl OfflineMail<'_> {
    fn texts(&self) -> &'static Catalog {
        catalog(self.language)
    }

    fn fill(&self, template: &str) -> String {
        let visitor = self.visitor_name.unwrap_or(self.texts().a_visitor);
        template
            .replace("{website}", self.website_name)
            .replace("{visitor}", visitor)
    }

    fn value_of(&self, field: &Field, value: &Value) -> String {
        let texts = self.texts();
        let choice = |v: &Value| {
            let v = v.as_str().unwrap_or_default();
            field
                .choices()
                .iter()
                .find(|c| c.value == v)
                .map_or(v, |c| c.label())
                .to_owned()
        };
        match (&field.kind, value) {
            (FieldKind::Agreement, _) => texts.yes.to_owned(),
            (FieldKind::Select(_) | FieldKind::Radio(_), v) => choice(v),
            (FieldKind::Checkboxes(_), Value::Array(picked)) => {
                picked.iter().map(choice).collect::<Vec<_>>().join(", ")
            }
            (FieldKind::Attachment { .. }, Value::Array(ids)) => ids
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|id| self.files.iter().find(|f| f.id == id))
                .map(|file| {
                    if self.attached.contains(&file.id) {
                        file.file_name.clone()
                    } else {
                        format!("{} ({})", file.file_name, texts.not_attached)
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
            (_, Value::String(text)) => text.clone(),
            (_, other) => other.to_string(),
        }
    }

    fn lines(&self) -> Lines {
        let texts = self.texts();
        let mut lines: Vec<(String, String)> = self
            .form
            .fields()
            .filter_map(|field| {
                let value = self.values.get(field.name.as_str())?;
                Some((field.label.clone(), self.value_of(field, value)))
            })
            .collect();
        let reason = match self.reason {
            OfflineReason::OutsideWorkingHours => texts.outside_working_hours,
            OfflineReason::WebsiteFull => texts.website_full,
            OfflineReason::NoAgent => texts.no_agent,
        };
        lines.push((texts.reason.to_owned(), reason.to_owned()));
        lines.push((
            texts.received.to_owned(),
            format_time(self.received_at_ms, self.time_zone),
        ));
        if let Some(page) = &self.visitor.page_url {
            lines.push((texts.page.to_owned(), page.clone()));
        }
        if let Some(language) = &self.visitor.language {
            lines.push((texts.language.to_owned(), language.clone()));
        }
        Lines(lines)
    }

    fn render(&self, subject: String) -> RenderedMail {
        let intro = self.fill(self.texts().intro);
        let lines = self.lines();
        RenderedMail {
            subject: one_line_subject(&subject),
            text: lines.text(&intro),
            html: lines.html(&intro),
        }
    }

    /// R64 Forward Offline: the message for the website's set address.
    pub fn forward(&self) -> RenderedMail {
        self.render(self.fill(self.texts().forward_subject))
    }

    /// R64 Open new interaction: the message for the website's mailbox, its subject the value
    /// of the chosen field (a default when that field was left empty).
    pub fn interaction(&self, subject_field: Option<&Field>) -> RenderedMail {
        let chosen = subject_field
            .and_then(|field| Some((field, self.values.get(field.name.as_str())?)))
            .map(|(field, value)| one_line_subject(&self.value_of(field, value)))
            .filter(|subject| !subject.is_empty());
        let subject = chosen.unwrap_or_else(|| self.fill(self.texts().interaction_subject));
        self.render(subject)
    }
}

/// R81: a supervisor's reply, from either review desk, as the mail to the visitor: the text as
/// typed, and the same escaped as HTML (line breaks kept) in the website's language.
pub fn reply_mail(to: &EmailAddress, reply: &Reply, language: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.as_str().to_owned(),
        subject: reply.subject.as_str().to_owned(),
        body: format!("{}\n", reply.body.as_str()),
        html: Some(plain_text_html(language, reply.body.as_str())),
        ..OutgoingMail::default()
    }
}

fn format_time(ms: i64, zone: &str) -> String {
    let Ok(at) = jiff::Timestamp::from_millisecond(ms) else {
        return ms.to_string();
    };
    match at.in_tz(zone) {
        Ok(local) => local.strftime("%Y-%m-%d %H:%M %Z").to_string(),
        Err(_) => at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn file(id: &str, name: &str, size: i64) -> UploadInfo {
        UploadInfo {
            id: id.to_owned(),
            field: "files".to_owned(),
            file_name: name.to_owned(),
            content_type: "application/pdf".to_owned(),
            size_bytes: size,
        }
    }

    fn form() -> Form {
        Form::parse_json(&json!({"elements": [
            {"type": "input", "input": "text", "name": "name", "label": "Name"},
            {"type": "select", "name": "topic", "label": "Topic",
             "options": [{"value": "sales", "label": "Sales & <Offers>"}]},
            {"type": "textarea", "name": "message", "label": "Message"},
            {"type": "agreement", "name": "gdpr", "label": "Privacy"},
            {"type": "attachment", "name": "files", "label": "Files", "max_files": 2}
        ]}))
        .unwrap()
        .unwrap()
    }

    #[test]
    fn attachments_fit_in_order_until_the_limit() {
        let files = [
            file("a", "a.pdf", 6),
            file("b", "b.pdf", 5),
            file("c", "c.pdf", 4),
        ];
        assert_eq!(pick_attachments(&files, 10), ["a", "c"]);
        assert_eq!(pick_attachments(&files, 3), Vec::<String>::new());
    }

    #[test]
    fn r64_an_offline_mail_escapes_what_visitors_typed_and_speaks_the_website_language() {
        let form = form();
        let values = json!({"name": "Ann <script>", "topic": "sales",
                            "message": "Line one\nLine & two", "gdpr": true, "files": ["a", "b"]});
        let files = [file("a", "small.pdf", 10), file("b", "big.pdf", 10_000_000)];
        let visitor = VisitorDetails {
            page_url: Some("https://shop.example/cart?x=<y>".to_owned()),
            ..VisitorDetails::default()
        };
        let german = Language::parse("de-AT").unwrap();
        let mail = OfflineMail {
            website_name: "Shop",
            language: Some(&german),
            time_zone: "Europe/Vienna",
            reason: OfflineReason::OutsideWorkingHours,
            received_at_ms: 1_763_740_800_000,
            form: &form,
            values: values.as_object().unwrap(),
            files: &files,
            attached: &["a".to_owned()],
            visitor: &visitor,
            visitor_name: Some("Ann <script>"),
        };
        let forward = mail.forward();
        assert_eq!(forward.subject, "Offline-Nachricht von Ann <script> (Shop)");
        assert!(
            forward.text.contains("Topic: Sales & <Offers>\n"),
            "{}",
            forward.text
        );
        assert!(
            forward.text.contains("Message:\nLine one\nLine & two\n"),
            "{}",
            forward.text
        );
        assert!(forward.text.contains("Privacy: ja\n"));
        assert!(forward.text.contains("big.pdf (nicht angehängt"));
        assert!(forward.text.contains("Grund: außerhalb der Arbeitszeit"));
        assert!(
            forward.text.contains("Eingegangen: 2025-11-21 17:00 CET"),
            "{}",
            forward.text
        );
        assert!(!forward.html.contains("<script>"), "{}", forward.html);
        assert!(forward.html.contains("Ann &lt;script&gt;"));
        assert!(forward.html.contains("Sales &amp; &lt;Offers&gt;"));
        assert!(forward.html.contains("Line one<br>\nLine &amp; two"));
        assert!(forward.html.contains("cart?x=&lt;y&gt;"));

        let topic = form.fields().find(|f| f.name.as_str() == "topic");
        assert_eq!(mail.interaction(topic).subject, "Sales & <Offers>");
        let message = form.fields().find(|f| f.name.as_str() == "message");
        assert_eq!(mail.interaction(message).subject, "Line one");
        let english = OfflineMail {
            language: None,
            visitor_name: None,
            ..mail
        };
        assert_eq!(
            english.interaction(None).subject,
            "Message from a visitor (Shop)"
        );
    }

    #[test]
    fn r81_a_reply_keeps_its_lines_and_is_escaped() {
        let to = EmailAddress::parse("ann@example.org").unwrap();
        let reply = Reply::parse("Your order", "Hi <b>Ann</b>,\nsee you\n").unwrap();
        let mail = reply_mail(&to, &reply, "de");
        assert_eq!(mail.to, "ann@example.org");
        assert_eq!(mail.subject, "Your order");
        assert_eq!(mail.body, "Hi <b>Ann</b>,\nsee you\n");
        let html = mail.html.unwrap();
        assert!(
            html.contains("Hi &lt;b&gt;Ann&lt;/b&gt;,<br>\nsee you"),
            "{html}"
        );
        assert!(html.contains("lang=\"de\""), "{html}");
    }
}
