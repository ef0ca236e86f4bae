//! Files visitors attach to forms (R11, R62, R63): which types the engine takes at all, which
//! ones a form element accepts, and whether a file's first bytes agree with its name, so that
//! a program renamed `invoice.pdf` is refused.
//!
//! The engine knows a short list of common document and image types ([`KNOWN_TYPES`]); every
//! upload must be one of them. Its type comes from the file name's extension and is confirmed
//! by the content; the `Content-Type` a browser sends is not trusted.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::RuleError;

/// How a type's content is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Signature {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Webp,
    /// Office Open XML and OpenDocument files are ZIP archives.
    Zip,
    /// Legacy Microsoft Office files (Compound File Binary).
    Ole,
    /// UTF-8 text without NUL or other control characters than tab, line feed, form feed and
    /// carriage return.
    Text,
}

impl Signature {
    pub(super) fn matches(self, bytes: &[u8]) -> bool {
        match self {
            Signature::Pdf => bytes.starts_with(b"%PDF-"),
            Signature::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            Signature::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
            Signature::Gif => bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a"),
            Signature::Webp => {
                bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP"
            }
            Signature::Zip => bytes.starts_with(b"PK\x03\x04"),
            Signature::Ole => bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]),
            Signature::Text => {
                std::str::from_utf8(bytes).is_ok_and(|text| text.chars().all(is_text_char))
            }
        }
    }
}

/// A character plain text may hold: anything but control characters other than tab, line
/// feed, form feed and carriage return (so no NUL, which marks binary files).
pub(super) fn is_text_char(c: char) -> bool {
    !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}')
}

/// A type of file the engine takes: an extension, its MIME type, and how its content looks.
#[derive(Debug, PartialEq, Eq)]
pub struct FileType {
    pub extension: &'static str,
    pub mime: &'static str,
    signature: Signature,
}

const fn known(extension: &'static str, mime: &'static str, signature: Signature) -> FileType {
    FileType {
        extension,
        mime,
        signature,
    }
}

/// Every type a visitor may upload. Scripts, programs, archives, HTML and SVG (which can carry
/// scripts) are not among them.
pub const KNOWN_TYPES: &[FileType] = &[
    known("pdf", "application/pdf", Signature::Pdf),
    known("png", "image/png", Signature::Png),
    known("jpg", "image/jpeg", Signature::Jpeg),
    known("jpeg", "image/jpeg", Signature::Jpeg),
    known("gif", "image/gif", Signature::Gif),
    known("webp", "image/webp", Signature::Webp),
    known("txt", "text/plain", Signature::Text),
    known("csv", "text/csv", Signature::Text),
    known("doc", "application/msword", Signature::Ole),
    known("xls", "application/vnd.ms-excel", Signature::Ole),
    known(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Signature::Zip,
    ),
    known(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Signature::Zip,
    ),
    known(
        "odt",
        "application/vnd.oasis.opendocument.text",
        Signature::Zip,
    ),
    known(
        "ods",
        "application/vnd.oasis.opendocument.spreadsheet",
        Signature::Zip,
    ),
];

impl FileType {
    /// The known type of a file name's extension (ignoring case).
    pub fn of(name: &FileName) -> Option<&'static FileType> {
        let (_, extension) = name.as_str().rsplit_once('.')?;
        KNOWN_TYPES
            .iter()
            .find(|t| t.extension.eq_ignore_ascii_case(extension))
    }

    pub fn from_mime(mime: &str) -> Option<&'static FileType> {
        KNOWN_TYPES.iter().find(|t| t.mime == mime)
    }
}

/// The name a visitor's file had, without any folder: `C:\Users\ann\cv.pdf` and
/// `../../cv.pdf` are both `cv.pdf`. 1 to 200 characters, no control characters, not `.` or
/// `..`. It is only ever shown and sent as a name, never used as a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FileName(String);

impl FileName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<FileName, RuleError> {
        let base = raw.rsplit(['/', '\\']).next().unwrap_or_default().trim();
        let ok = !base.is_empty()
            && base != "."
            && base != ".."
            && base.chars().count() <= Self::MAX_CHARS
            && !base.chars().any(char::is_control);
        if ok {
            Ok(FileName(base.to_owned()))
        } else {
            Err(RuleError::InvalidFileName {
                max: Self::MAX_CHARS,
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id a visitor gets for an upload and names in its form submission: random, so that one
/// visitor cannot name another's file (64 lower-case hexadecimal characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UploadId(String);

impl UploadId {
    pub fn parse(raw: &str) -> Option<UploadId> {
        let ok = raw.len() == 64 && raw.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'));
        ok.then(|| UploadId(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UploadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One entry of an attachment element's accept list, like HTML's "unique file type
/// specifiers" (R11): `.pdf`, `image/png`, or `image/*`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Accepted {
    Extension(&'static str),
    Mime(&'static str),
    Family(String),
}

/// R11: the types an attachment element accepts; empty means every known type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcceptList(Vec<Accepted>);

impl AcceptList {
    pub const MAX_ENTRIES: usize = 30;

    /// `None` when an entry names no known type (an `.exe` would never pass the content check,
    /// so listing it is a mistake to report now rather than a surprise for visitors later).
    pub fn parse(entries: &[String]) -> Option<AcceptList> {
        if entries.len() > Self::MAX_ENTRIES {
            return None;
        }
        entries
            .iter()
            .map(|entry| {
                let entry = entry.trim().to_ascii_lowercase();
                if let Some(extension) = entry.strip_prefix('.') {
                    let known = KNOWN_TYPES.iter().find(|t| t.extension == extension)?;
                    Some(Accepted::Extension(known.extension))
                } else if let Some(family) = entry.strip_suffix("/*") {
                    let prefix = format!("{family}/");
                    KNOWN_TYPES
                        .iter()
                        .any(|t| t.mime.starts_with(&prefix))
                        .then_some(Accepted::Family(prefix))
                } else {
                    FileType::from_mime(&entry).map(|t| Accepted::Mime(t.mime))
                }
            })
            .collect::<Option<Vec<_>>>()
            .map(AcceptList)
    }

    pub fn accepts(&self, file_type: &FileType) -> bool {
        self.0.is_empty()
            || self.0.iter().any(|entry| match entry {
                Accepted::Extension(extension) => *extension == file_type.extension,
                Accepted::Mime(mime) => *mime == file_type.mime,
                Accepted::Family(prefix) => file_type.mime.starts_with(prefix.as_str()),
            })
    }

    /// The list as it is stored and shown: lower case, `.ext`, `type/subtype` or `type/*`.
    pub fn to_strings(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|entry| match entry {
                Accepted::Extension(extension) => format!(".{extension}"),
                Accepted::Mime(mime) => (*mime).to_owned(),
                Accepted::Family(prefix) => format!("{prefix}*"),
            })
            .collect()
    }
}

/// R11, R63: may this file be uploaded for an element that accepts `accept`? Checked in this
/// order: not empty, at most `max_bytes`, a known type by its extension, accepted by the
/// element, and content that looks like that type. Returns the file's type.
pub fn check_upload(
    accept: &AcceptList,
    name: &FileName,
    content: &[u8],
    max_bytes: usize,
) -> Result<&'static FileType, RuleError> {
    if content.is_empty() {
        return Err(RuleError::EmptyFile);
    }
    if content.len() > max_bytes {
        return Err(RuleError::FileTooLarge { max: max_bytes });
    }
    let file_type = FileType::of(name).ok_or(RuleError::UnsupportedFileType)?;
    if !accept.accepts(file_type) {
        return Err(RuleError::FileTypeNotAccepted);
    }
    if !file_type.signature.matches(content) {
        return Err(RuleError::FileContentMismatch);
    }
    Ok(file_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";
    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0";

    fn name(raw: &str) -> FileName {
        FileName::parse(raw).unwrap()
    }

    fn accept(entries: &[&str]) -> AcceptList {
        let entries: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
        AcceptList::parse(&entries).unwrap()
    }

    #[test]
    fn file_names_lose_their_folders_and_path_tricks() {
        assert_eq!(name("C:\\Users\\ann\\cv.pdf").as_str(), "cv.pdf");
        assert_eq!(name("../../etc/passwd.txt").as_str(), "passwd.txt");
        assert_eq!(name(" report final.PDF ").as_str(), "report final.PDF");
        for bad in ["", "  ", "folder/", "..", "a/..", "tab\there.pdf"] {
            assert!(FileName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(FileName::parse(&"a".repeat(201)).is_err());
    }

    #[test]
    fn r11_a_file_is_checked_for_size_type_and_content() {
        let any = AcceptList::default();
        let pdf = check_upload(&any, &name("cv.PDF"), PDF, 1_000).unwrap();
        assert_eq!(pdf.mime, "application/pdf");
        assert_eq!(
            check_upload(&any, &name("cv.pdf"), b"", 1_000),
            Err(RuleError::EmptyFile)
        );
        assert_eq!(
            check_upload(&any, &name("cv.pdf"), PDF, 10),
            Err(RuleError::FileTooLarge { max: 10 })
        );
        assert_eq!(
            check_upload(&any, &name("setup.exe"), EXE, 1_000),
            Err(RuleError::UnsupportedFileType)
        );
        assert_eq!(
            check_upload(&any, &name("no-extension"), PDF, 1_000),
            Err(RuleError::UnsupportedFileType)
        );
    }

    #[test]
    fn r11_a_renamed_program_is_refused_by_its_content() {
        let any = AcceptList::default();
        for (file, content) in [
            ("invoice.pdf", EXE),
            ("photo.png", ELF),
            ("notes.txt", EXE),
            ("photo.jpg", PNG),
            ("sheet.xlsx", PDF),
        ] {
            assert_eq!(
                check_upload(&any, &name(file), content, 1_000),
                Err(RuleError::FileContentMismatch),
                "{file}"
            );
        }
        assert!(check_upload(&any, &name("notes.txt"), "Grüße\r\n\tok".as_bytes(), 100).is_ok());
        assert!(check_upload(&any, &name("a.png"), PNG, 100).is_ok());
    }

    #[test]
    fn r11_an_element_accepts_extensions_types_and_families() {
        let list = accept(&[".PDF", "image/*"]);
        assert_eq!(list.to_strings(), [".pdf", "image/*"]);
        assert!(check_upload(&list, &name("a.pdf"), PDF, 100).is_ok());
        assert!(check_upload(&list, &name("a.png"), PNG, 100).is_ok());
        assert_eq!(
            check_upload(&list, &name("a.txt"), b"hello", 100),
            Err(RuleError::FileTypeNotAccepted)
        );
        let text = accept(&["text/plain"]);
        assert!(text.accepts(FileType::of(&name("a.txt")).unwrap()));
        assert!(!text.accepts(FileType::of(&name("a.csv")).unwrap()));
    }

    #[test]
    fn accept_lists_name_only_known_types() {
        for bad in [
            ".exe",
            "application/x-msdownload",
            "video/*",
            "*",
            "pdf",
            "",
        ] {
            assert_eq!(AcceptList::parse(&[bad.to_owned()]), None, "{bad:?}");
        }
        let too_many = vec![".pdf".to_owned(); 31];
        assert_eq!(AcceptList::parse(&too_many), None);
    }

    #[test]
    fn upload_ids_are_64_hex_characters() {
        let id = "0123456789abcdef".repeat(4);
        assert!(UploadId::parse(&id).is_some());
        assert!(UploadId::parse(&id.to_uppercase()).is_none());
        assert!(UploadId::parse(&id[1..]).is_none());
        assert!(UploadId::parse("../../etc/passwd").is_none());
    }
}
