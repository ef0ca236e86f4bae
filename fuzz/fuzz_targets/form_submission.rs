//! Issue 10: a visitor's submitted values against a form (R4, R11, R62, R74, R77), through
//! `Form::validate` and `Form::validate_optional` as the chat start and the offline form call
//! them.
//!
//! An input that starts with `{` is a JSON case `{"form": <definition>, "values": {…}}` (the
//! seed corpus is written so); any other input is read with `arbitrary` into a form and values
//! drawn from small pools of names and texts, so that submitted keys meet the form's fields and
//! values meet its options.
//!
//! Properties: an accepted submission holds only the form's fields, every required one, and
//! cleaned values that pass again unchanged; its uploads belong to attachment fields. A refused
//! one names each bad field once, and only fields of the form or keys that were sent. Without
//! a form only an empty submission passes.
#![no_main]

use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use parley::domain::form::{Choice, ElementSpec, FieldKind, Form, FormSpec, InputKind};
use serde_json::{Map, Number, Value};

fuzz_target!(|data: &[u8]| {
    let Some((form, values)) = case(data) else {
        return;
    };
    check(&form, &values);
    let without_form = Form::validate_optional(None, &values);
    assert_eq!(without_form.is_ok(), values.is_empty());
});

fn case(data: &[u8]) -> Option<(Form, Map<String, Value>)> {
    if data.first() == Some(&b'{') {
        let case: Value = serde_json::from_slice(data).ok()?;
        let form = Form::parse_json(case.get("form")?).ok()??;
        let values = case.get("values")?.as_object()?.clone();
        return Some((form, values));
    }
    let case = Case::arbitrary(&mut Unstructured::new(data)).ok()?;
    let spec = FormSpec {
        elements: case.elements.iter().map(Element::spec).collect(),
    };
    let form = Form::parse(&spec).ok()?;
    let values = case
        .values
        .into_iter()
        .map(|(key, value)| (key.text(), value.json()))
        .collect();
    Some((form, values))
}

fn check(form: &Form, values: &Map<String, Value>) {
    let fields: BTreeSet<&str> = form.fields().map(|f| f.name.as_str()).collect();
    match form.validate(values) {
        Ok(submission) => {
            for key in values.keys().chain(submission.values.keys()) {
                assert!(fields.contains(key.as_str()), "{key:?} is no field");
            }
            for field in form.fields().filter(|f| f.required) {
                assert!(submission.values.contains_key(field.name.as_str()));
            }
            for (name, ids) in &submission.uploads {
                let field = form.field(name).expect("uploads of a field of the form");
                assert!(matches!(field.kind, FieldKind::Attachment { .. }));
                let listed = &submission.values[name.as_str()];
                for id in ids {
                    assert!(listed
                        .as_array()
                        .is_some_and(|l| l.contains(&id.as_str().into())));
                }
            }
            let again = form
                .validate(&submission.values)
                .unwrap_or_else(|e| panic!("cleaned values refused: {e:?}"));
            assert_eq!(again, submission, "cleaning is not stable");
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            let mut seen = BTreeSet::new();
            for error in &errors {
                assert!(seen.insert(error.field.as_str()), "{} twice", error.field);
                let known = fields.contains(error.field.as_str());
                assert!(known || values.contains_key(&error.field), "{error:?}");
            }
        }
    }
}

/// Field names: valid ones, some the seed forms use, and invalid ones.
const NAMES: &[&str] = &[
    "name", "email", "seats", "message", "topic", "products", "gdpr", "files", "a", "b-c", "x_1",
    "1st", "", " name", "Name", "naïve",
];

/// Texts for labels, options and values: ordinary, blank, padded, multi-line, numbers, an
/// address and an upload id.
const TEXTS: &[&str] = &[
    "a",
    "b",
    "sales",
    " sales ",
    "",
    "  ",
    "x\ny",
    "tab\there",
    "bell\u{7}",
    "é",
    "ann@example.org",
    "ANN@Example.ORG ",
    "3",
    " 1.5 ",
    "-0",
    "1e400",
    "NaN",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
];

const ACCEPT: &[&str] = &[
    ".pdf",
    "image/*",
    "image/png",
    ".exe",
    "",
    "text/plain",
    ".PDF",
];

#[derive(Debug, Arbitrary)]
struct Case {
    elements: Vec<Element>,
    values: Vec<(Text, Submitted)>,
}

#[derive(Debug, Arbitrary)]
enum Text {
    Pooled(u8),
    Name(u8),
    Raw(String),
}

impl Text {
    fn text(&self) -> String {
        match self {
            Text::Pooled(i) => TEXTS[usize::from(*i) % TEXTS.len()].to_owned(),
            Text::Name(i) => NAMES[usize::from(*i) % NAMES.len()].to_owned(),
            Text::Raw(raw) => raw.clone(),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Kind {
    Text,
    Number,
    Email,
}

#[derive(Debug, Arbitrary)]
enum Element {
    Label(Text),
    Input {
        name: Text,
        required: bool,
        kind: Kind,
        max_length: Option<u16>,
        min: Option<f64>,
        max: Option<f64>,
    },
    Textarea {
        name: Text,
        required: bool,
        max_length: Option<u16>,
    },
    Select(Text, bool, Vec<(Text, Option<Text>)>),
    Radio(Text, bool, Vec<(Text, Option<Text>)>),
    Checkboxes(Text, bool, Vec<(Text, Option<Text>)>),
    Agreement(Text),
    Attachment {
        name: Text,
        required: bool,
        accept: Vec<u8>,
        max_files: Option<u8>,
    },
}

fn options(raw: &[(Text, Option<Text>)]) -> Vec<Choice> {
    raw.iter()
        .map(|(value, label)| Choice {
            value: value.text(),
            label: label.as_ref().map(Text::text),
        })
        .collect()
}

impl Element {
    fn spec(&self) -> ElementSpec {
        let label = "Label".to_owned();
        match self {
            Element::Label(text) => ElementSpec::Label { text: text.text() },
            Element::Input {
                name,
                required,
                kind,
                max_length,
                min,
                max,
            } => ElementSpec::Input {
                name: name.text(),
                label,
                required: *required,
                input: match kind {
                    Kind::Text => InputKind::Text,
                    Kind::Number => InputKind::Number,
                    Kind::Email => InputKind::Email,
                },
                max_length: max_length.map(usize::from),
                min: *min,
                max: *max,
            },
            Element::Textarea {
                name,
                required,
                max_length,
            } => ElementSpec::Textarea {
                name: name.text(),
                label,
                required: *required,
                max_length: max_length.map(usize::from),
            },
            Element::Select(name, required, raw) => ElementSpec::Select {
                name: name.text(),
                label,
                required: *required,
                options: options(raw),
            },
            Element::Radio(name, required, raw) => ElementSpec::Radio {
                name: name.text(),
                label,
                required: *required,
                options: options(raw),
            },
            Element::Checkboxes(name, required, raw) => ElementSpec::Checkboxes {
                name: name.text(),
                label,
                required: *required,
                options: options(raw),
            },
            Element::Agreement(name) => ElementSpec::Agreement {
                name: name.text(),
                label,
            },
            Element::Attachment {
                name,
                required,
                accept,
                max_files,
            } => ElementSpec::Attachment {
                name: name.text(),
                label,
                required: *required,
                accept: accept
                    .iter()
                    .map(|i| ACCEPT[usize::from(*i) % ACCEPT.len()].to_owned())
                    .collect(),
                max_files: max_files.map(usize::from),
            },
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Submitted {
    Null,
    Bool(bool),
    Integer(i64),
    Float(f64),
    Text(Text),
    List(Vec<Text>),
    Object,
}

impl Submitted {
    fn json(&self) -> Value {
        match self {
            Submitted::Null => Value::Null,
            Submitted::Bool(b) => Value::Bool(*b),
            Submitted::Integer(n) => Value::from(*n),
            // JSON has no NaN or infinity: a client cannot send them.
            Submitted::Float(x) => Number::from_f64(*x).map_or(Value::Null, Value::Number),
            Submitted::Text(text) => Value::String(text.text()),
            Submitted::List(items) => items.iter().map(|t| Value::String(t.text())).collect(),
            Submitted::Object => Value::Object(Map::new()),
        }
    }
}
