//! Verified visitor data (R52) and an agent's edits of the visitor's data (R89).
//!
//! A website's backend, which knows who its user is, signs that identity with the website's
//! secret; the widget passes the token with the chat request. The token is
//! `payload "." signature`: `payload` is the base64url encoding (RFC 4648 §5, no padding) of a
//! JSON object, and `signature` the lowercase hex HMAC-SHA256 of the payload's ASCII text under
//! the secret's ASCII text. The canonical form that is signed is the payload string exactly as
//! sent: nothing is re-encoded, so there is no ambiguity about key order or spacing.
//! Values that came in a valid token are shown to agents as verified; what the visitor typed
//! never is.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::chat::VisitorName;
use super::contact::{ContactDraft, PhoneNumber};
use super::email::EmailAddress;
use super::form::FieldError;
use super::{one_line, RuleError};

/// R52: a website's signing secret: 64 lowercase hex characters (256 random bits), generated
/// by the engine and shown once. HMAC needs the secret itself to check a signature, so it is
/// stored as it is (unlike passwords and tokens, which are stored hashed).
#[derive(Clone, PartialEq, Eq)]
pub struct IdentitySecret(String);

impl IdentitySecret {
    pub const HEX_CHARS: usize = 64;

    /// A secret from 32 random bytes.
    pub fn from_random_bytes(bytes: [u8; 32]) -> IdentitySecret {
        IdentitySecret(hex(&bytes))
    }

    /// A stored secret; `None` if it is not one the engine made.
    pub fn from_stored(raw: &str) -> Option<IdentitySecret> {
        (raw.len() == Self::HEX_CHARS && raw.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| IdentitySecret(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never printed: logs and debug output must not carry it.
impl std::fmt::Debug for IdentitySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentitySecret(…)")
    }
}

/// R52: how a website treats signed identities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityPolicy {
    /// `None` until a supervisor generates one; then signed identities can be checked.
    pub secret: Option<IdentitySecret>,
    /// Chats without a valid signed identity are refused.
    pub require_signed: bool,
}

impl IdentityPolicy {
    /// R52: what a chat request's token (if any) proves at `now_ms`. No token is fine unless
    /// the website requires one (`identity_required`); a token the website cannot check (it
    /// has no secret) or that does not verify is `invalid_identity`.
    pub fn check(
        &self,
        token: Option<&str>,
        now_ms: i64,
    ) -> Result<Option<VerifiedIdentity>, RuleError> {
        match (token, &self.secret) {
            (None, _) if self.require_signed => Err(RuleError::IdentityRequired),
            (None, _) => Ok(None),
            (Some(_), None) => Err(invalid("the website has no identity secret")),
            (Some(token), Some(secret)) => verify(token, secret, now_ms).map(Some),
        }
    }

    /// A website may require signed identities only once it has a secret to check them with.
    pub fn with_require_signed(&self, require_signed: bool) -> Result<IdentityPolicy, RuleError> {
        if require_signed && self.secret.is_none() {
            return Err(RuleError::IdentitySecretMissing);
        }
        Ok(IdentityPolicy {
            secret: self.secret.clone(),
            require_signed,
        })
    }
}

/// R52: what a valid token said about the visitor, each value checked like a typed one. Kept
/// with the chat's details and shown to agents marked as verified.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VerifiedIdentity {
    /// The website's own id of its user; bans apply to it too (R55).
    pub sub: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

/// The JSON inside the payload. Unknown members (`iat`, a nonce) are ignored.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: Option<String>,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    /// Unix seconds; required: a token that never expires could be replayed forever.
    exp: i64,
}

pub const MAX_TOKEN_CHARS: usize = 8192;
pub const MAX_SUB_CHARS: usize = 200;
pub const MAX_ATTRIBUTES: usize = 30;
pub const MAX_ATTRIBUTE_NAME_CHARS: usize = 60;
pub const MAX_ATTRIBUTE_VALUE_CHARS: usize = 500;

fn invalid(detail: &'static str) -> RuleError {
    RuleError::InvalidIdentity { detail }
}

/// The lowercase hex HMAC-SHA256 of `payload` under `secret`: what a website's backend
/// computes (also used by tests and the documentation's example).
pub fn sign(secret: &str, payload: &str) -> String {
    hex(&mac(secret, payload).finalize().into_bytes())
}

fn mac(secret: &str, payload: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(payload.as_bytes());
    mac
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    // Digits only: `from_str_radix` also takes a sign, so "+f" would read as "0f" and one
    // signature would have several spellings (found by the signed_identity fuzzer, issue 10).
    if !text.len().is_multiple_of(2) || !text.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// R52: checks a token against the secret at `now_ms`: the signature first (in constant
/// time, before the payload is even decoded), then the expiry, then every value.
pub fn verify(
    token: &str,
    secret: &IdentitySecret,
    now_ms: i64,
) -> Result<VerifiedIdentity, RuleError> {
    if token.len() > MAX_TOKEN_CHARS {
        return Err(invalid("the token is too long"));
    }
    let (payload, signature) = token
        .split_once('.')
        .ok_or(invalid("a token is payload.signature"))?;
    let base64url = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if payload.is_empty() || !payload.chars().all(base64url) {
        return Err(invalid("the payload is not base64url without padding"));
    }
    let signature = from_hex(signature)
        .filter(|s| s.len() == 32)
        .ok_or(invalid("the signature is not 64 hex digits"))?;
    mac(secret.as_str(), payload)
        .verify_slice(&signature)
        .map_err(|_| invalid("the signature does not match"))?;
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| invalid("the payload is not base64url without padding"))?;
    let claims: Claims = serde_json::from_slice(&json)
        .map_err(|_| invalid("the payload is not the documented JSON object"))?;
    if claims.exp.saturating_mul(1000) <= now_ms {
        return Err(invalid("the token has expired"));
    }
    claims.checked()
}

impl Claims {
    fn checked(self) -> Result<VerifiedIdentity, RuleError> {
        let bad = |detail: &'static str| move |_: RuleError| invalid(detail);
        let sub = self
            .sub
            .as_deref()
            .map(|s| one_line(s, MAX_SUB_CHARS, RuleError::EmptyName, RuleError::EmptyName))
            .transpose()
            .map_err(bad("sub is 1 to 200 characters on one line"))?;
        let name = self
            .name
            .as_deref()
            .map(VisitorName::parse)
            .transpose()
            .map_err(bad("name is not a valid visitor name"))?;
        let email = self
            .email
            .as_deref()
            .map(EmailAddress::parse)
            .transpose()
            .map_err(bad("email is not a valid address"))?;
        let phone = match self.phone.as_deref() {
            Some(raw) => Some(PhoneNumber::parse(raw).ok_or(invalid("phone is not a number"))?),
            None => None,
        };
        if self.attributes.len() > MAX_ATTRIBUTES {
            return Err(invalid("at most 30 attributes"));
        }
        let mut attributes = BTreeMap::new();
        for (key, value) in &self.attributes {
            let key = one_line(
                key,
                MAX_ATTRIBUTE_NAME_CHARS,
                RuleError::EmptyName,
                RuleError::EmptyName,
            )
            .map_err(bad("an attribute name is 1 to 60 characters on one line"))?;
            let value_ok = value.chars().count() <= MAX_ATTRIBUTE_VALUE_CHARS
                && !value.chars().any(char::is_control);
            if !value_ok {
                return Err(invalid(
                    "an attribute value is at most 500 characters, one line",
                ));
            }
            attributes.insert(key.to_owned(), value.clone());
        }
        Ok(VerifiedIdentity {
            sub: sub.map(str::to_owned),
            name: name.map(|n| n.as_str().to_owned()),
            email: email.map(|e| e.as_str().to_owned()),
            phone: phone.map(|p| p.as_str().to_owned()),
            attributes,
        })
    }
}

impl VerifiedIdentity {
    /// R52, R88: verified values win over the form's when the visitor's contact is found or
    /// created.
    pub fn complete(&self, mut draft: ContactDraft) -> ContactDraft {
        if let Some(name) = &self.name {
            draft.name = Some(name.clone());
        }
        if let Some(email) = self
            .email
            .as_deref()
            .and_then(|e| EmailAddress::parse(e).ok())
        {
            draft.email = Some(email);
        }
        if let Some(phone) = self.phone.as_deref().and_then(PhoneNumber::parse) {
            draft.phone = Some(phone);
        }
        draft
    }

    /// R52, R89: after an agent's edit, a value stays verified only if the agent left it as
    /// it was signed (e-mail addresses ignoring case, phone numbers by their digits).
    pub fn after_edit(mut self, edit: &VisitorEdit) -> VerifiedIdentity {
        if let Some(name) = &edit.name {
            if self.name.as_deref() != Some(name.as_str()) {
                self.name = None;
            }
        }
        if let Some(email) = &edit.email {
            let same = self
                .email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email.as_str()));
            if !same {
                self.email = None;
            }
        }
        if let Some(phone) = &edit.phone {
            if self.phone.as_deref() != Some(phone.as_str()) {
                self.phone = None;
            }
        }
        self
    }
}

/// R88, R89: the contact an agent creates from a chat: the chat's name (as an agent may have
/// edited it), then for e-mail and phone an agent's edit, else the verified value, else the
/// form's (`from_form`, the website's mapping of the pre-chat values).
pub fn contact_from_chat(
    from_form: ContactDraft,
    chat_name: &str,
    verified: Option<&VerifiedIdentity>,
    edited_email: Option<&str>,
    edited_phone: Option<&str>,
) -> ContactDraft {
    let mut draft = match verified {
        Some(verified) => verified.complete(from_form),
        None => from_form,
    };
    draft.name = Some(chat_name.to_owned());
    if let Some(email) = edited_email.and_then(|e| EmailAddress::parse(e).ok()) {
        draft.email = Some(email);
    }
    if let Some(phone) = edited_phone.and_then(PhoneNumber::parse) {
        draft.phone = Some(phone);
    }
    draft
}

/// R89: what an agent changes of the visitor's data; each value parsed like a visitor's own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VisitorEdit {
    pub name: Option<VisitorName>,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
}

impl VisitorEdit {
    /// Every bad value is reported, by the field it came in; nothing given is `invalid_input`
    /// at the caller.
    pub fn parse(
        name: Option<&str>,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<VisitorEdit, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut field = |field: &str, error: RuleError| {
            errors.push(FieldError {
                field: field.to_owned(),
                error,
            })
        };
        let name = name.and_then(|n| VisitorName::parse(n).map_err(|e| field("name", e)).ok());
        let email = email.and_then(|e| EmailAddress::parse(e).map_err(|e| field("email", e)).ok());
        let phone = phone.and_then(|p| {
            let parsed = PhoneNumber::parse(p);
            if parsed.is_none() {
                field("phone", RuleError::InvalidPhone);
            }
            parsed
        });
        if errors.is_empty() {
            Ok(VisitorEdit { name, email, phone })
        } else {
            Err(errors)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.email.is_none() && self.phone.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of `docs/protocol.md` (computed there with `openssl dgst`).
    const SECRET: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const PAYLOAD: &str = "eyJzdWIiOiJ1c2VyLTQyIiwibmFtZSI6IkFubiBTbWl0aCIsImVtYWlsIjoiYW5uQGV4YW1wbGUub3JnIiwiYXR0cmlidXRlcyI6eyJwbGFuIjoiZ29sZCJ9LCJleHAiOjE4OTM0NTYwMDB9";
    const SIGNATURE: &str = "4880b51489ae3084122fd635de22d8e322157d86d1652d12b1d2d495b8842ad9";
    /// 2029-12-31T23:59:59Z, one second before the example's `exp`.
    const BEFORE_EXP_MS: i64 = 1_893_455_999_000;

    fn secret() -> IdentitySecret {
        IdentitySecret::from_stored(SECRET).unwrap()
    }

    fn token(payload: &str, signature: &str) -> String {
        format!("{payload}.{signature}")
    }

    fn payload_of(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn rfc_4231_test_case_2_r52() {
        // Key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_documented_example_verifies_r52() {
        assert_eq!(sign(SECRET, PAYLOAD), SIGNATURE);
        let identity = verify(&token(PAYLOAD, SIGNATURE), &secret(), BEFORE_EXP_MS).unwrap();
        assert_eq!(identity.sub.as_deref(), Some("user-42"));
        assert_eq!(identity.name.as_deref(), Some("Ann Smith"));
        assert_eq!(identity.email.as_deref(), Some("ann@example.org"));
        assert_eq!(identity.phone, None);
        assert_eq!(identity.attributes["plan"], "gold");
        // Upper-case hex is the same signature.
        let upper = token(PAYLOAD, &SIGNATURE.to_ascii_uppercase());
        assert!(verify(&upper, &secret(), BEFORE_EXP_MS).is_ok());
    }

    #[test]
    fn the_canonical_form_is_the_payload_string_as_sent_r52() {
        // The same JSON with other spacing is another payload: the old signature fails.
        let respaced = payload_of(
            r#"{"sub": "user-42","name":"Ann Smith","email":"ann@example.org","attributes":{"plan":"gold"},"exp":1893456000}"#,
        );
        assert_ne!(respaced, PAYLOAD);
        let err = verify(&token(&respaced, SIGNATURE), &secret(), BEFORE_EXP_MS).unwrap_err();
        assert_eq!(err.code(), "invalid_identity");
        // Padding is not part of the canonical form.
        let padded = token(&format!("{PAYLOAD}="), SIGNATURE);
        assert!(verify(&padded, &secret(), BEFORE_EXP_MS).is_err());
        // Signed as it is, it verifies.
        let signature = sign(SECRET, &respaced);
        assert!(verify(&token(&respaced, &signature), &secret(), BEFORE_EXP_MS).is_ok());
    }

    #[test]
    fn tampering_a_wrong_secret_and_expiry_are_refused_r52() {
        let mut tampered = PAYLOAD.to_owned();
        tampered.replace_range(10..11, "A");
        let refused = [
            (token(&tampered, SIGNATURE), BEFORE_EXP_MS),
            (
                token(PAYLOAD, &sign("another secret", PAYLOAD)),
                BEFORE_EXP_MS,
            ),
            (token(PAYLOAD, SIGNATURE), 1_893_456_000_000),
            (token(PAYLOAD, "abc"), BEFORE_EXP_MS),
            (PAYLOAD.to_owned(), BEFORE_EXP_MS),
            ("x".repeat(MAX_TOKEN_CHARS + 1), BEFORE_EXP_MS),
        ];
        for (token, now) in refused {
            let err = verify(&token, &secret(), now).unwrap_err();
            assert_eq!(err.code(), "invalid_identity", "{token}");
        }
    }

    #[test]
    fn a_signature_is_hex_digits_only_r52_issue_10() {
        // The signed_identity fuzzer's find: "+f" was read as the byte 0x0f, so a signature
        // with a `0` before a hex digit could be changed and still verify.
        let payload = payload_of(r#"{"'ub":"x","exp":4611686018428728546}"#);
        let signature = sign(SECRET, &payload);
        assert!(verify(&token(&payload, &signature), &secret(), BEFORE_EXP_MS).is_ok());
        assert_eq!(&signature[18..20], "0f");
        let mut signed_with_a_sign = signature.clone();
        signed_with_a_sign.replace_range(18..19, "+");
        let err = verify(
            &token(&payload, &signed_with_a_sign),
            &secret(),
            BEFORE_EXP_MS,
        )
        .unwrap_err();
        assert_eq!(
            err,
            invalid("the signature is not 64 hex digits"),
            "{signed_with_a_sign}"
        );
        assert_eq!(from_hex("+f"), None);
        assert_eq!(from_hex("-0"), None);
        assert_eq!(from_hex("0F"), Some(vec![15]));
    }

    fn signed(json: &str) -> String {
        let payload = payload_of(json);
        token(&payload, &sign(SECRET, &payload))
    }

    #[test]
    fn values_are_checked_and_exp_is_required_r52() {
        for json in [
            r#"{"sub":"u1"}"#,
            r#"{"exp":"soon"}"#,
            r#"{"email":"not an address","exp":1893456000}"#,
            r#"{"phone":"call me","exp":1893456000}"#,
            r#"{"name":"   ","exp":1893456000}"#,
            r#"{"attributes":{"plan":"a\nb"},"exp":1893456000}"#,
            r#"[1,2]"#,
        ] {
            let err = verify(&signed(json), &secret(), BEFORE_EXP_MS).unwrap_err();
            assert_eq!(err.code(), "invalid_identity", "{json}");
        }
        let fine = r#"{"phone":"+420 601-234 567","exp":1893456000,"iat":1}"#;
        let identity = verify(&signed(fine), &secret(), BEFORE_EXP_MS).unwrap();
        assert_eq!(identity.phone.as_deref(), Some("+420601234567"));
    }

    #[test]
    fn the_policy_requires_or_allows_a_token_r52() {
        let none = IdentityPolicy::default();
        assert_eq!(none.check(None, 0), Ok(None));
        assert_eq!(
            none.check(Some("a.b"), 0).unwrap_err().code(),
            "invalid_identity"
        );
        assert_eq!(
            none.with_require_signed(true),
            Err(RuleError::IdentitySecretMissing)
        );
        let strict = IdentityPolicy {
            secret: Some(secret()),
            require_signed: true,
        };
        assert_eq!(strict.check(None, 0), Err(RuleError::IdentityRequired));
        let checked = strict.check(Some(&token(PAYLOAD, SIGNATURE)), BEFORE_EXP_MS);
        assert!(matches!(checked, Ok(Some(_))));
        assert!(format!("{strict:?}").contains("IdentitySecret(…)"));
        assert!(!format!("{strict:?}").contains(SECRET));
    }

    #[test]
    fn an_edit_unverifies_only_what_it_changes_r89() {
        let identity = verify(&token(PAYLOAD, SIGNATURE), &secret(), BEFORE_EXP_MS).unwrap();
        let same = VisitorEdit::parse(Some("Ann Smith"), Some("ANN@example.org"), None).unwrap();
        assert_eq!(identity.clone().after_edit(&same), identity);
        let other = VisitorEdit::parse(None, Some("ann@elsewhere.org"), None).unwrap();
        let after = identity.clone().after_edit(&other);
        assert_eq!(after.email, None);
        assert_eq!(after.name.as_deref(), Some("Ann Smith"));
        assert_eq!(after.sub.as_deref(), Some("user-42"));
    }

    #[test]
    fn an_edit_reports_every_bad_field_r89() {
        let errors = VisitorEdit::parse(Some(" "), Some("nope"), Some("x")).unwrap_err();
        let codes: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.error.code()))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("name", "empty_name"),
                ("email", "invalid_email"),
                ("phone", "invalid_phone")
            ]
        );
        assert!(VisitorEdit::parse(None, None, None).unwrap().is_empty());
    }

    #[test]
    fn a_contact_from_a_chat_prefers_edits_then_verified_then_the_form_r89() {
        let identity = verify(&token(PAYLOAD, SIGNATURE), &secret(), BEFORE_EXP_MS).unwrap();
        let form = ContactDraft {
            email: EmailAddress::parse("typed@example.org").ok(),
            phone: PhoneNumber::parse("+1 555 0100"),
            ..ContactDraft::default()
        };
        let draft = contact_from_chat(form.clone(), "Ann S.", Some(&identity), None, None);
        assert_eq!(draft.name.as_deref(), Some("Ann S."));
        assert_eq!(draft.email.unwrap().as_str(), "ann@example.org");
        assert_eq!(draft.phone.unwrap().as_str(), "+15550100");
        let edited = contact_from_chat(form, "Ann", Some(&identity), Some("a@b.org"), None);
        assert_eq!(edited.email.unwrap().as_str(), "a@b.org");
    }

    #[test]
    fn verified_values_complete_the_contact_draft_r52_r88() {
        let identity = verify(&token(PAYLOAD, SIGNATURE), &secret(), BEFORE_EXP_MS).unwrap();
        let draft = identity.complete(ContactDraft {
            name: Some("typed".into()),
            ..ContactDraft::default()
        });
        assert_eq!(draft.name.as_deref(), Some("Ann Smith"));
        assert_eq!(draft.email.unwrap().as_str(), "ann@example.org");
    }
}
