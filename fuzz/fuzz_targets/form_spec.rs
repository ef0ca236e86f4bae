//! Issue 10: any JSON as a supervisor's form definition (R62, R74), through `Form::parse_json`
//! as the website endpoints call it.
//!
//! Properties: an accepted form has at most 50 elements and distinct field names; its JSON form
//! (`to_json`, what the store keeps and widgets draw) parses back to the same form and is a
//! fixed point.
#![no_main]

use std::collections::BTreeSet;

use libfuzzer_sys::fuzz_target;
use parley::domain::form::Form;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let form = match Form::parse_json(&value) {
        Ok(Some(form)) => form,
        Ok(None) => return assert!(value.is_null()),
        Err(error) => return assert!(DEFINITION_CODES.contains(&error.code()), "{error:?}"),
    };
    let names: BTreeSet<&str> = form.fields().map(|f| f.name.as_str()).collect();
    assert_eq!(names.len(), form.fields().count(), "duplicate field names");
    assert!(form.to_spec().elements.len() <= Form::MAX_ELEMENTS);
    let stored = form.to_json();
    let reread = Form::parse_json(&stored)
        .unwrap_or_else(|e| panic!("the stored form {stored} is refused: {e:?}"))
        .expect("a stored form is not null");
    assert_eq!(reread, form, "{stored}");
    assert_eq!(reread.to_json(), stored);
});

/// The codes a bad definition is refused with (docs/protocol.md, the forms section).
const DEFINITION_CODES: &[&str] = &[
    "invalid_form",
    "too_many_form_elements",
    "invalid_field_name",
    "duplicate_field_name",
    "invalid_form_element",
    "invalid_accept",
    "control_characters",
];
