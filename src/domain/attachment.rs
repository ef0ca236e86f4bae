//! Files sent with chat messages (R10, R40, A10): which types a chat takes, told by content
//! alone (never by the name or the type a client claims), the name a file keeps, how many
//! files one message carries, and who may upload and download them (R39: a private
//! message's files reach agents only).
//!
//! The content rules are a streaming check ([`ContentCheck`]): the engine feeds it each
//! chunk of an upload as it arrives and stops at the first broken rule, so a file is never
//! held whole in memory and an oversized one is refused the moment it passes the limit.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::chat::{ChatState, Poster};
use super::ids::UserId;
use super::upload::{is_text_char, FileName, Signature, UploadId};
use super::RuleError;

/// The types a chat takes. HTML and SVG are never among them (a browser would run their
/// scripts), nor programs or archives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentType {
    /// UTF-8 text that no browser would take for HTML.
    Text,
    Pdf,
    Png,
    Jpeg,
    Gif,
    Webp,
}

/// The binary types, each recognised by its first bytes.
const BINARY_TYPES: [(AttachmentType, Signature); 5] = [
    (AttachmentType::Pdf, Signature::Pdf),
    (AttachmentType::Png, Signature::Png),
    (AttachmentType::Jpeg, Signature::Jpeg),
    (AttachmentType::Gif, Signature::Gif),
    (AttachmentType::Webp, Signature::Webp),
];

impl AttachmentType {
    /// The MIME type stored and shown with the file.
    pub fn mime(self) -> &'static str {
        match self {
            AttachmentType::Text => "text/plain",
            AttachmentType::Pdf => "application/pdf",
            AttachmentType::Png => "image/png",
            AttachmentType::Jpeg => "image/jpeg",
            AttachmentType::Gif => "image/gif",
            AttachmentType::Webp => "image/webp",
        }
    }

    pub fn from_mime(mime: &str) -> Option<AttachmentType> {
        [
            AttachmentType::Text,
            AttachmentType::Pdf,
            AttachmentType::Png,
            AttachmentType::Jpeg,
            AttachmentType::Gif,
            AttachmentType::Webp,
        ]
        .into_iter()
        .find(|t| t.mime() == mime)
    }

    /// The `Content-Type` a download is served with: text always says its charset, so a
    /// browser never guesses one.
    pub fn content_type(self) -> &'static str {
        match self {
            AttachmentType::Text => "text/plain; charset=utf-8",
            other => other.mime(),
        }
    }

    /// The extensions a file of this type may have; the first is added to names without one.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            AttachmentType::Text => &["txt", "text", "log", "md", "csv"],
            AttachmentType::Pdf => &["pdf"],
            AttachmentType::Png => &["png"],
            AttachmentType::Jpeg => &["jpg", "jpeg"],
            AttachmentType::Gif => &["gif"],
            AttachmentType::Webp => &["webp"],
        }
    }
}

/// How many first bytes decide a binary type (the longest signature, WebP's, needs 12).
const SIGNATURE_BYTES: usize = 16;

/// R40, A10: checks an upload chunk by chunk. `feed` each chunk as it arrives, then `finish`;
/// the first broken rule is returned at once (and the caller stops reading):
/// `file_too_large` past the limit, `unsupported_file_type` for content that is none of
/// [`AttachmentType`] (a program, an archive, HTML or SVG, text that is not UTF-8 or holds
/// control characters), `empty_file` for nothing at all.
#[derive(Debug)]
pub struct ContentCheck {
    max_bytes: u64,
    size: u64,
    /// The first bytes, until the type is decided.
    head: Vec<u8>,
    decided: Option<Decided>,
}

#[derive(Debug)]
enum Decided {
    Binary(AttachmentType),
    Text(TextCheck),
}

impl ContentCheck {
    pub fn new(max_bytes: u64) -> ContentCheck {
        ContentCheck {
            max_bytes,
            size: 0,
            head: Vec::with_capacity(SIGNATURE_BYTES),
            decided: None,
        }
    }

    /// Bytes seen so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), RuleError> {
        self.size += chunk.len() as u64;
        if self.size > self.max_bytes {
            return Err(RuleError::FileTooLarge {
                max: usize::try_from(self.max_bytes).unwrap_or(usize::MAX),
            });
        }
        match &mut self.decided {
            Some(Decided::Binary(_)) => Ok(()),
            Some(Decided::Text(text)) => text.feed(chunk),
            None => {
                let take = (SIGNATURE_BYTES - self.head.len()).min(chunk.len());
                self.head.extend_from_slice(&chunk[..take]);
                if self.head.len() < SIGNATURE_BYTES {
                    return Ok(());
                }
                self.decide()?;
                match &mut self.decided {
                    Some(Decided::Text(text)) => text.feed(&chunk[take..]),
                    _ => Ok(()),
                }
            }
        }
    }

    /// The file's type and size once every byte was fed.
    pub fn finish(mut self) -> Result<(AttachmentType, u64), RuleError> {
        if self.size == 0 {
            return Err(RuleError::EmptyFile);
        }
        if self.decided.is_none() {
            self.decide()?;
        }
        let kind = match self.decided {
            Some(Decided::Binary(kind)) => kind,
            Some(Decided::Text(text)) => {
                text.finish()?;
                AttachmentType::Text
            }
            None => return Err(RuleError::UnsupportedFileType),
        };
        Ok((kind, self.size))
    }

    /// From the head: a binary signature, else text (checked from its first byte on).
    fn decide(&mut self) -> Result<(), RuleError> {
        let head = std::mem::take(&mut self.head);
        if let Some((kind, _)) = BINARY_TYPES.iter().find(|(_, sig)| sig.matches(&head)) {
            self.decided = Some(Decided::Binary(*kind));
            return Ok(());
        }
        let mut text = TextCheck::default();
        text.feed(&head)?;
        self.decided = Some(Decided::Text(text));
        Ok(())
    }
}

/// How many characters after a byte-order mark and leading white space are compared with the
/// starts of HTML and XML.
const LEAD_CHARS: usize = 16;

/// The starts (lower case, without `<`) that make a browser take text for HTML or XML (the
/// WHATWG sniffing patterns, plus SVG and a few more). Each must be followed by white
/// space, `>`, `/` or the end to count; `!--` by anything.
const MARKUP_STARTS: &[&str] = &[
    "!doctype", "html", "head", "body", "script", "iframe", "svg", "?xml", "style", "title",
    "table", "div", "font", "br", "p", "a", "b", "h1", "img", "object", "embed", "math", "meta",
    "link", "form",
];

/// Streaming UTF-8 text check: valid UTF-8 across chunk borders, only text characters, and
/// no HTML or XML start.
#[derive(Debug, Default)]
struct TextCheck {
    /// The bytes of a character cut by the end of the last chunk (at most 3).
    carry: Vec<u8>,
    /// The first characters after a BOM and white space, until the markup check is done.
    lead: String,
    lead_done: bool,
}

impl TextCheck {
    fn feed(&mut self, chunk: &[u8]) -> Result<(), RuleError> {
        if chunk.is_empty() {
            return Ok(());
        }
        let joined;
        let bytes = if self.carry.is_empty() {
            chunk
        } else {
            joined = [self.carry.as_slice(), chunk].concat();
            joined.as_slice()
        };
        let (text, rest) = match std::str::from_utf8(bytes) {
            Ok(text) => (text, &[][..]),
            // A character cut by the chunk's end: the rest comes with the next chunk.
            Err(e) if e.error_len().is_none() => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                (std::str::from_utf8(valid).unwrap_or_default(), rest)
            }
            Err(_) => return Err(RuleError::UnsupportedFileType),
        };
        if !text.chars().all(is_text_char) {
            return Err(RuleError::UnsupportedFileType);
        }
        self.watch_lead(text)?;
        self.carry = rest.to_vec();
        Ok(())
    }

    fn watch_lead(&mut self, text: &str) -> Result<(), RuleError> {
        for c in text.chars() {
            if self.lead_done {
                return Ok(());
            }
            if self.lead.is_empty() && (c == '\u{feff}' || c.is_whitespace()) {
                continue;
            }
            self.lead.push(c.to_ascii_lowercase());
            if self.lead.chars().count() >= LEAD_CHARS {
                self.check_lead()?;
            }
        }
        Ok(())
    }

    fn check_lead(&mut self) -> Result<(), RuleError> {
        self.lead_done = true;
        if looks_like_markup(&self.lead) {
            Err(RuleError::UnsupportedFileType)
        } else {
            Ok(())
        }
    }

    fn finish(mut self) -> Result<(), RuleError> {
        if !self.carry.is_empty() {
            return Err(RuleError::UnsupportedFileType);
        }
        if !self.lead_done {
            self.check_lead()?;
        }
        Ok(())
    }
}

/// Whether text (lower case, from its first non-blank character) starts like HTML or XML.
fn looks_like_markup(lead: &str) -> bool {
    let Some(after) = lead.strip_prefix('<') else {
        return false;
    };
    if after.starts_with("!--") {
        return true;
    }
    MARKUP_STARTS.iter().any(|start| {
        after.strip_prefix(start).is_some_and(|rest| {
            rest.chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || c == '>' || c == '/')
        })
    })
}

/// R40: the name a file is kept and offered under. A name whose extension fits the content
/// keeps it; one whose extension names another type the chat takes (`photo.png` holding a
/// PDF) is refused as `unsupported_file_type`; any other name (none, or an extension such as
/// `.exe` or `.html`) gets the type's own extension added, so that a download never opens
/// in a program meant for another type.
pub fn attachment_name(name: &FileName, kind: AttachmentType) -> Result<FileName, RuleError> {
    let extension = name
        .as_str()
        .rsplit_once('.')
        .map(|(stem, extension)| (stem, extension.to_ascii_lowercase()))
        .filter(|(stem, extension)| !stem.is_empty() && !extension.is_empty())
        .map(|(_, extension)| extension);
    match extension {
        Some(extension) if kind.extensions().contains(&extension.as_str()) => Ok(name.clone()),
        Some(extension)
            if BINARY_TYPES
                .iter()
                .map(|(t, _)| *t)
                .chain([AttachmentType::Text])
                .any(|t| t.extensions().contains(&extension.as_str())) =>
        {
            Err(RuleError::UnsupportedFileType)
        }
        _ => FileName::parse(&format!("{}.{}", name.as_str(), kind.extensions()[0])),
    }
}

/// R40: may `poster` upload a file to a chat in `state` whose agents are `chat_agents`? The
/// visitor until the chat ends; an agent in the chat (its owner or an invited one, R43) while
/// it is active.
pub fn check_upload_allowed(
    poster: Poster,
    state: ChatState,
    chat_agents: &[UserId],
) -> Result<(), RuleError> {
    if let Poster::Agent(agent) = poster {
        if !chat_agents.contains(&agent) {
            return Err(RuleError::NotAParticipant);
        }
    }
    match (poster, state) {
        (_, ChatState::Ended) => Err(RuleError::ChatEnded),
        (Poster::Agent(_), ChatState::Queued) => Err(RuleError::ChatNotActive),
        _ => Ok(()),
    }
}

/// Who asks to download a chat's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Downloader {
    /// The chat's visitor (its token).
    Visitor,
    /// An agent in the chat (its owner or an invited one).
    ChatAgent,
    /// A supervisor or an administrator: the organisation log (R85).
    Supervisor,
    /// Anyone else with a session: an agent not in the chat.
    Stranger,
}

/// R10, R39, R40: a file is downloadable once its message was sent: by the chat's agent and
/// by supervisors always, by the visitor only if the message was not private, by nobody
/// else. Unsent uploads are nobody's to download.
pub fn may_download(who: Downloader, sent: bool, private: bool) -> bool {
    sent && match who {
        Downloader::Visitor => !private,
        Downloader::ChatAgent | Downloader::Supervisor => true,
        Downloader::Stranger => false,
    }
}

/// A file as a `message` event carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub id: UploadId,
    pub name: FileName,
    pub mime_type: String,
    pub size: u64,
}

/// What a `send_message` carries, checked: its text (empty only with files) and its files'
/// ids (each once, in the order given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageParts {
    pub text: String,
    pub attachments: Vec<UploadId>,
}

/// R10, R40, A10: a message has text, files, or both; at most `max_files` files
/// (`too_many_files`); an id that cannot be an upload's is `unknown_attachment`. A message
/// with files may have no text; otherwise the text follows [`super::chat::MessageText`].
pub fn message_parts(
    text: &str,
    attachments: &[String],
    max_files: usize,
) -> Result<MessageParts, RuleError> {
    let mut ids: Vec<UploadId> = Vec::with_capacity(attachments.len());
    for raw in attachments {
        let id = UploadId::parse(raw).ok_or(RuleError::UnknownAttachment)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > max_files {
        return Err(RuleError::TooManyFiles { max: max_files });
    }
    let text = if ids.is_empty() || !text.trim().is_empty() {
        super::chat::MessageText::parse(text)?.as_str().to_owned()
    } else {
        String::new()
    };
    Ok(MessageParts {
        text,
        attachments: ids,
    })
}

/// The `Content-Disposition` of a download: always `attachment` (never shown inline), with
/// the name in RFC 6266's `filename*` (UTF-8, percent-encoded) and a plain ASCII `filename`
/// for old clients.
pub fn content_disposition(name: &FileName) -> String {
    let ascii: String = name
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.as_str().bytes() {
        let plain = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            );
        if plain {
            encoded.push(byte as char);
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0";
    const PE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0";

    fn check(content: &[u8]) -> Result<(AttachmentType, u64), RuleError> {
        let mut check = ContentCheck::new(1_000_000);
        check.feed(content)?;
        check.finish()
    }

    /// Feeds `content` one byte at a time: every chunk border is exercised.
    fn check_bytewise(content: &[u8]) -> Result<(AttachmentType, u64), RuleError> {
        let mut check = ContentCheck::new(1_000_000);
        for byte in content.chunks(1) {
            check.feed(byte)?;
        }
        check.finish()
    }

    fn name(raw: &str) -> FileName {
        FileName::parse(raw).unwrap()
    }

    #[test]
    fn r40_types_are_told_by_content() {
        for (content, kind) in [
            (PDF, AttachmentType::Pdf),
            (PNG, AttachmentType::Png),
            (
                &b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01"[..],
                AttachmentType::Jpeg,
            ),
            (
                &b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0"[..],
                AttachmentType::Gif,
            ),
            (&b"RIFF\x24\0\0\0WEBPVP8 "[..], AttachmentType::Webp),
            ("Grüße,\r\n\tok\x0c".as_bytes(), AttachmentType::Text),
            (b"hi", AttachmentType::Text),
        ] {
            assert_eq!(check(content).map(|(k, _)| k), Ok(kind), "{content:?}");
            assert_eq!(check_bytewise(content).map(|(k, _)| k), Ok(kind));
        }
        assert_eq!(check(PDF), Ok((AttachmentType::Pdf, PDF.len() as u64)));
    }

    #[test]
    fn r40_programs_and_binary_junk_are_refused() {
        for content in [ELF, PE, b"PK\x03\x04\x14\0\0\0\x08\0\0\0\0\0\0\0", b"a\0b"] {
            assert_eq!(check(content), Err(RuleError::UnsupportedFileType));
            assert_eq!(check_bytewise(content), Err(RuleError::UnsupportedFileType));
        }
        // Not UTF-8 (Latin-1), and a character cut off at the very end.
        assert_eq!(
            check(b"caf\xe9 au lait"),
            Err(RuleError::UnsupportedFileType)
        );
        assert_eq!(check(b"caf\xc3"), Err(RuleError::UnsupportedFileType));
        assert_eq!(check(b""), Err(RuleError::EmptyFile));
    }

    #[test]
    fn a10_html_svg_and_xml_are_never_text() {
        for content in [
            "<!DOCTYPE html><p>x",
            "<html>",
            "\u{feff}  \n <HTML lang=en>",
            "<script>alert(1)</script>",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            "<?xml version=\"1.0\"?><svg/>",
            "<!-- comment -->",
            "<a href=x>click</a>",
            "<p>",
            "<body onload=x>",
            "<iframe src=x>",
        ] {
            assert_eq!(
                check(content.as_bytes()),
                Err(RuleError::UnsupportedFileType),
                "{content:?}"
            );
            assert_eq!(
                check_bytewise(content.as_bytes()),
                Err(RuleError::UnsupportedFileType),
                "{content:?}"
            );
        }
        for fine in [
            "<3 thanks",
            "<about the price>",
            "a < b and <html> later",
            "  ",
        ] {
            assert_eq!(
                check(fine.as_bytes()).map(|(k, _)| k),
                Ok(AttachmentType::Text),
                "{fine:?}"
            );
        }
        let padded = format!("{}<svg>", " ".repeat(5000));
        assert_eq!(
            check(padded.as_bytes()),
            Err(RuleError::UnsupportedFileType)
        );
    }

    #[test]
    fn a10_the_limit_stops_the_check_at_once() {
        let mut check = ContentCheck::new(10);
        assert_eq!(check.feed(b"0123456789"), Ok(()));
        assert_eq!(check.feed(b"x"), Err(RuleError::FileTooLarge { max: 10 }));
        assert_eq!(check.size(), 11);
    }

    #[test]
    fn r40_names_keep_a_fitting_extension_or_get_one() {
        let pdf = AttachmentType::Pdf;
        assert_eq!(
            attachment_name(&name("Offer.PDF"), pdf),
            Ok(name("Offer.PDF"))
        );
        assert_eq!(attachment_name(&name("offer"), pdf), Ok(name("offer.pdf")));
        assert_eq!(
            attachment_name(&name("setup.exe"), pdf),
            Ok(name("setup.exe.pdf"))
        );
        assert_eq!(attachment_name(&name(".pdf"), pdf), Ok(name(".pdf.pdf")));
        assert_eq!(
            attachment_name(&name("photo.png"), pdf),
            Err(RuleError::UnsupportedFileType)
        );
        let text = AttachmentType::Text;
        assert_eq!(
            attachment_name(&name("page.html"), text),
            Ok(name("page.html.txt"))
        );
        assert_eq!(
            attachment_name(&name("notes.md"), text),
            Ok(name("notes.md"))
        );
        assert_eq!(
            attachment_name(&name("notes.jpg"), text),
            Err(RuleError::UnsupportedFileType)
        );
        let long = "a".repeat(FileName::MAX_CHARS);
        assert!(attachment_name(&name(&long), pdf).is_err());
    }

    #[test]
    fn r40_uploads_by_the_visitor_until_the_end_and_by_the_chat_agent_while_active() {
        let (me, other) = (UserId(2), UserId(3));
        let visitor = Poster::Visitor;
        assert_eq!(
            check_upload_allowed(visitor, ChatState::Queued, &[]),
            Ok(())
        );
        assert_eq!(
            check_upload_allowed(visitor, ChatState::Active, &[me]),
            Ok(())
        );
        assert_eq!(
            check_upload_allowed(visitor, ChatState::Ended, &[me]),
            Err(RuleError::ChatEnded)
        );
        let agent = Poster::Agent(me);
        assert_eq!(
            check_upload_allowed(agent, ChatState::Active, &[me]),
            Ok(())
        );
        assert_eq!(
            check_upload_allowed(agent, ChatState::Active, &[other]),
            Err(RuleError::NotAParticipant)
        );
        assert_eq!(
            check_upload_allowed(agent, ChatState::Queued, &[]),
            Err(RuleError::NotAParticipant)
        );
        assert_eq!(
            check_upload_allowed(agent, ChatState::Ended, &[me]),
            Err(RuleError::ChatEnded)
        );
    }

    #[test]
    fn r39_private_files_reach_agents_only() {
        use Downloader::*;
        assert!(may_download(Visitor, true, false));
        assert!(!may_download(Visitor, true, true));
        assert!(may_download(ChatAgent, true, true));
        assert!(may_download(Supervisor, true, true));
        assert!(!may_download(Stranger, true, false));
        for who in [Visitor, ChatAgent, Supervisor] {
            assert!(!may_download(who, false, false), "unsent, {who:?}");
        }
    }

    #[test]
    fn a10_a_message_has_text_or_files_and_a_limited_number_of_files() {
        let id = |n: u8| format!("{n:x}").repeat(64);
        let parts = message_parts("", &[id(1), id(2), id(1)], 5).unwrap();
        assert_eq!(parts.text, "");
        assert_eq!(parts.attachments.len(), 2);
        assert_eq!(
            message_parts("hi", &(1..=6).map(id).collect::<Vec<_>>(), 5),
            Err(RuleError::TooManyFiles { max: 5 })
        );
        assert_eq!(message_parts("  ", &[], 5), Err(RuleError::EmptyMessage));
        assert_eq!(
            message_parts("hi", &["../../etc/passwd".to_owned()], 5),
            Err(RuleError::UnknownAttachment)
        );
        assert_eq!(message_parts("hi", &[], 5).unwrap().text, "hi");
        assert_eq!(
            message_parts("a\u{7}", &[id(1)], 5),
            Err(RuleError::ControlCharacters)
        );
    }

    #[test]
    fn downloads_are_attachments_with_an_encoded_name() {
        assert_eq!(
            content_disposition(&name("Angebot für \"Ann\".pdf")),
            "attachment; filename=\"Angebot f_r _Ann_.pdf\"; \
             filename*=UTF-8''Angebot%20f%C3%BCr%20%22Ann%22.pdf"
        );
    }
}
