//! Issue 10: the website's signed visitor identity (R52), `identity::verify` against a fixed
//! secret (the worked example's in docs/protocol.md), at a fixed time before its `exp`.
//!
//! The input is used twice:
//! 1. as a token as a chat request brings it: refused with `invalid_identity`, or, should it
//!    verify, its signature is the secret's;
//! 2. as the JSON inside a payload that is then signed with the secret, as a website's backend
//!    does: the signature always passes (only the claims may be refused); a verified identity
//!    signed again verifies to itself; and a copy of the token with any one byte changed never
//!    verifies (except a hex letter of the signature in the other case, which is the same
//!    signature).
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use parley::domain::identity::{sign, verify, IdentityPolicy, IdentitySecret, MAX_TOKEN_CHARS};
use parley::domain::RuleError;
use serde_json::Value;

const SECRET: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
/// 2029-12-31T23:59:59Z, a second before the documented example's `exp`.
const NOW_MS: i64 = 1_893_455_999_000;

/// Refusals that concern the token's form or signature rather than its claims.
const SIGNATURE_DETAILS: &[&str] = &[
    "the token is too long",
    "a token is payload.signature",
    "the payload is not base64url without padding",
    "the signature is not 64 hex digits",
    "the signature does not match",
];

fuzz_target!(|data: &[u8]| {
    let secret = IdentitySecret::from_stored(SECRET).expect("the example secret");
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    as_token(text, &secret);
    // Nothing to sign: an empty payload is refused before any signature is read.
    if !text.is_empty() {
        as_claims(text, &secret);
    }
    if let Some(stored) = IdentitySecret::from_stored(text) {
        assert_eq!(stored.as_str(), text.to_ascii_lowercase());
    }
});

fn as_token(token: &str, secret: &IdentitySecret) {
    let policy = IdentityPolicy {
        secret: Some(secret.clone()),
        require_signed: true,
    };
    match policy.check(Some(token), NOW_MS) {
        Ok(identity) => {
            assert!(identity.is_some());
            let (payload, signature) = token.split_once('.').expect("payload.signature");
            assert!(signature.eq_ignore_ascii_case(&sign(SECRET, payload)));
        }
        Err(error) => assert_eq!(error.code(), "invalid_identity", "{error:?}"),
    }
}

fn signed(claims_json: &str) -> String {
    let payload = URL_SAFE_NO_PAD.encode(claims_json);
    let signature = sign(SECRET, &payload);
    format!("{payload}.{signature}")
}

fn as_claims(claims_json: &str, secret: &IdentitySecret) {
    let token = signed(claims_json);
    let identity = match verify(&token, secret, NOW_MS) {
        Ok(identity) => identity,
        Err(RuleError::InvalidIdentity { detail }) => {
            let too_long = token.len() > MAX_TOKEN_CHARS;
            assert!(
                !SIGNATURE_DETAILS.contains(&detail) || too_long,
                "a signed token refused: {detail}"
            );
            return;
        }
        Err(other) => panic!("not invalid_identity: {other:?}"),
    };

    // Verified values are values the verifier accepts again.
    let mut claims = serde_json::to_value(&identity).expect("an identity serialises");
    claims["exp"] = Value::from(NOW_MS / 1000 + 60);
    let resigned = signed(&claims.to_string());
    if resigned.len() <= MAX_TOKEN_CHARS {
        assert_eq!(verify(&resigned, secret, NOW_MS), Ok(identity), "{claims}");
    }

    // One byte changed, at a few places the input picks.
    let bytes = token.as_bytes();
    let seed = claims_json.bytes().fold(17usize, |h, b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    });
    for round in 0..4 {
        let at = seed.wrapping_add(round * 7919) % bytes.len();
        // Any ASCII byte but the one there, so the token stays text.
        let offset = (seed >> (round * 7)) % 127 + 1;
        let replacement = ((usize::from(bytes[at]) + offset) % 128) as u8;
        let mut changed = bytes.to_vec();
        changed[at] = replacement;
        let changed = String::from_utf8(changed).expect("ASCII for ASCII");
        let in_signature = at > token.rfind('.').unwrap_or(0);
        let same_hex_digit = in_signature && replacement.eq_ignore_ascii_case(&bytes[at]);
        if !same_hex_digit {
            assert!(
                verify(&changed, secret, NOW_MS).is_err(),
                "{changed:?} verifies, changed at {at}"
            );
        }
    }
}
