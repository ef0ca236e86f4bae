//! The form builder's forms (R62, R74): a website's pre-chat form (R4) and its offline form
//! (R77) are both a [`Form`], a list of elements a supervisor arranges. A form definition is
//! parsed once, when it is set, into a value that can only hold a valid form; a visitor's
//! submission is then checked against it field by field ([`Form::validate`]), so the visitor
//! learns every bad field at once.
//!
//! The JSON form (what supervisors send, widgets draw and the store keeps) is
//! `{"elements": [{"type": "input", "input": "email", "name": "email", "label": "E-mail",
//! "required": true}, …]}`; docs/protocol.md describes every element.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use super::email::EmailAddress;
use super::upload::{AcceptList, UploadId};
use super::{one_line, RuleError};

/// The name of a form field: the key of its value in a submission. 1 to 40 ASCII letters,
/// digits, `_` or `-`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FieldName(String);

impl FieldName {
    pub const MAX_CHARS: usize = 40;

    pub fn parse(raw: &str) -> Option<FieldName> {
        let ok = (1..=Self::MAX_CHARS).contains(&raw.len())
            && raw.starts_with(|c: char| c.is_ascii_alphabetic())
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        ok.then(|| FieldName(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FieldName {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        FieldName::parse(&value).ok_or_else(|| {
            format!("{value:?} is not a field name (1 to 40 letters, digits, '_' or '-')")
        })
    }
}

impl From<FieldName> for String {
    fn from(name: FieldName) -> String {
        name.0
    }
}

/// One option of a select, radio or checkboxes element: the value submitted and the text
/// shown (the value itself when no label is given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Choice {
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.value)
    }
}

/// The three kinds of the input element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    Text,
    Number,
    Email,
}

/// One element of a form as it is written in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ElementSpec {
    /// Text shown in the form; it takes no value.
    Label { text: String },
    Input {
        name: String,
        label: String,
        #[serde(default)]
        required: bool,
        input: InputKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    Textarea {
        name: String,
        label: String,
        #[serde(default)]
        required: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<usize>,
    },
    Select {
        name: String,
        label: String,
        #[serde(default)]
        required: bool,
        options: Vec<Choice>,
    },
    Radio {
        name: String,
        label: String,
        #[serde(default)]
        required: bool,
        options: Vec<Choice>,
    },
    Checkboxes {
        name: String,
        label: String,
        #[serde(default)]
        required: bool,
        options: Vec<Choice>,
    },
    /// A box that must be ticked before the form can be sent; always required.
    Agreement { name: String, label: String },
    Attachment {
        name: String,
        label: String,
        #[serde(default)]
        required: bool,
        /// R11: `.pdf`, `image/png`, `image/*`; empty: every type the engine knows.
        #[serde(default)]
        accept: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_files: Option<usize>,
    },
}

/// The JSON form of a form definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSpec {
    pub elements: Vec<ElementSpec>,
}

/// What a field takes, with its limits.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    Text {
        max_chars: usize,
    },
    Email,
    Number {
        min: Option<f64>,
        max: Option<f64>,
    },
    Textarea {
        max_chars: usize,
    },
    Select(Vec<Choice>),
    Radio(Vec<Choice>),
    Checkboxes(Vec<Choice>),
    Agreement,
    Attachment {
        accept: AcceptList,
        max_files: usize,
    },
}

/// A field of a parsed form.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: FieldName,
    pub label: String,
    pub required: bool,
    pub kind: FieldKind,
}

impl Field {
    /// The options of a select, radio or checkboxes field.
    pub fn choices(&self) -> &[Choice] {
        match &self.kind {
            FieldKind::Select(c) | FieldKind::Radio(c) | FieldKind::Checkboxes(c) => c,
            _ => &[],
        }
    }

    /// Whether the field's value is one short text, fit for a mail subject (R64).
    pub fn gives_text(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::Text { .. }
                | FieldKind::Email
                | FieldKind::Number { .. }
                | FieldKind::Textarea { .. }
                | FieldKind::Select(_)
                | FieldKind::Radio(_)
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Element {
    Label(String),
    Field(Field),
}

/// A valid form definition (R62).
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    elements: Vec<Element>,
}

/// A field of a submission that is not valid, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub error: RuleError,
}

/// A submission that passed its form: the values, cleaned (trimmed texts, numbers as numbers,
/// checkbox choices in the form's order, `true` for a ticked agreement, a list of upload ids
/// for an attachment field), and the uploads each attachment field names, which the caller
/// must still find in the store (R11).
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub values: Map<String, Value>,
    pub uploads: Vec<(FieldName, Vec<UploadId>)>,
}

const MAX_LABEL_CHARS: usize = 200;
const MAX_TEXT_CHARS: usize = 2000;
const MAX_OPTIONS: usize = 100;
const MAX_OPTION_CHARS: usize = 100;

impl Form {
    pub const MAX_ELEMENTS: usize = 50;
    pub const TEXT_DEFAULT_CHARS: usize = 200;
    pub const TEXT_MAX_CHARS: usize = 1000;
    pub const TEXTAREA_DEFAULT_CHARS: usize = 4000;
    pub const TEXTAREA_MAX_CHARS: usize = 10_000;
    pub const MAX_FILES: usize = 10;

    /// A definition in JSON; `null` is no form (R74: the name-only pre-chat step).
    pub fn parse_json(value: &Value) -> Result<Option<Form>, RuleError> {
        if value.is_null() {
            return Ok(None);
        }
        let spec: FormSpec =
            serde_json::from_value(value.clone()).map_err(|e| RuleError::InvalidForm {
                detail: e.to_string(),
            })?;
        Form::parse(&spec).map(Some)
    }

    pub fn parse(spec: &FormSpec) -> Result<Form, RuleError> {
        if spec.elements.len() > Self::MAX_ELEMENTS {
            return Err(RuleError::TooManyFormElements {
                max: Self::MAX_ELEMENTS,
            });
        }
        let mut names = BTreeSet::new();
        let mut elements = Vec::with_capacity(spec.elements.len());
        for (index, element) in spec.elements.iter().enumerate() {
            let at = index + 1;
            let parsed = parse_element(at, element)?;
            if let Element::Field(field) = &parsed {
                if !names.insert(field.name.clone()) {
                    return Err(RuleError::DuplicateFieldName { element: at });
                }
            }
            elements.push(parsed);
        }
        Ok(Form { elements })
    }

    /// R77: the offline form of a website that has none of its own: name, e-mail and message,
    /// all required, so a supervisor always has someone to answer.
    pub fn default_offline() -> Form {
        let field = |name: &str, label: &str, kind| {
            Element::Field(Field {
                name: FieldName(name.to_owned()),
                label: label.to_owned(),
                required: true,
                kind,
            })
        };
        Form {
            elements: vec![
                field(
                    "name",
                    "Name",
                    FieldKind::Text {
                        max_chars: Self::TEXT_DEFAULT_CHARS,
                    },
                ),
                field("email", "E-mail", FieldKind::Email),
                field(
                    "message",
                    "Message",
                    FieldKind::Textarea {
                        max_chars: Self::TEXTAREA_DEFAULT_CHARS,
                    },
                ),
            ],
        }
    }

    /// The form's fields (every element but labels), in order.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.elements.iter().filter_map(|e| match e {
            Element::Field(field) => Some(field),
            Element::Label(_) => None,
        })
    }

    pub fn field(&self, name: &FieldName) -> Option<&Field> {
        self.fields().find(|f| &f.name == name)
    }

    /// R64: the visitor's address, the value of the first e-mail input.
    pub fn first_email_field(&self) -> Option<&Field> {
        self.fields().find(|f| f.kind == FieldKind::Email)
    }

    /// The definition in its JSON form, every default filled in.
    pub fn to_spec(&self) -> FormSpec {
        let elements = self.elements.iter().map(element_spec).collect();
        FormSpec { elements }
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.to_spec()).unwrap_or(Value::Null)
    }

    /// R4, R62, R11: checks a submission against the form. Every field is checked and every
    /// bad one reported; a value for a field the form does not have is an error too.
    pub fn validate(&self, values: &Map<String, Value>) -> Result<Submission, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut submission = Submission {
            values: Map::new(),
            uploads: Vec::new(),
        };
        for field in self.fields() {
            let raw = values.get(field.name.as_str()).unwrap_or(&Value::Null);
            match field_value(field, raw) {
                Ok(Some(value)) => {
                    if let (FieldKind::Attachment { .. }, Value::Array(ids)) = (&field.kind, &value)
                    {
                        let ids = ids
                            .iter()
                            .filter_map(Value::as_str)
                            .filter_map(UploadId::parse)
                            .collect();
                        submission.uploads.push((field.name.clone(), ids));
                    }
                    submission.values.insert(field.name.0.clone(), value);
                }
                Ok(None) if field.required => errors.push(FieldError {
                    field: field.name.0.clone(),
                    error: match field.kind {
                        FieldKind::Agreement => RuleError::AgreementRequired,
                        _ => RuleError::FieldRequired,
                    },
                }),
                Ok(None) => {}
                Err(error) => errors.push(FieldError {
                    field: field.name.0.clone(),
                    error,
                }),
            }
        }
        for key in values.keys() {
            let known = FieldName::parse(key).is_some_and(|name| self.field(&name).is_some());
            if !known {
                errors.push(FieldError {
                    field: key.clone(),
                    error: RuleError::UnknownField,
                });
            }
        }
        if errors.is_empty() {
            Ok(submission)
        } else {
            Err(errors)
        }
    }

    /// R74: a website without a pre-chat form asks only for the name, so it takes no values.
    pub fn validate_optional(
        form: Option<&Form>,
        values: &Map<String, Value>,
    ) -> Result<Submission, Vec<FieldError>> {
        match form {
            Some(form) => form.validate(values),
            None => Form { elements: vec![] }.validate(values),
        }
    }
}

fn bad(element: usize, problem: &'static str) -> RuleError {
    RuleError::InvalidFormElement { element, problem }
}

/// A label on one line, trimmed, 1 to 200 characters.
fn field_label(at: usize, raw: &str) -> Result<String, RuleError> {
    let invalid = || bad(at, "a label has 1 to 200 characters on one line");
    one_line(raw, MAX_LABEL_CHARS, invalid(), invalid())
        .map(str::to_owned)
        .map_err(|_| invalid())
}

fn length_limit(
    at: usize,
    given: Option<usize>,
    default: usize,
    max: usize,
) -> Result<usize, RuleError> {
    match given {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(bad(
            at,
            "max_length is from 1 to 1000 for an input, to 10000 for a textarea",
        )),
    }
}

fn choices(at: usize, options: &[Choice]) -> Result<Vec<Choice>, RuleError> {
    if options.is_empty() || options.len() > MAX_OPTIONS {
        return Err(bad(at, "a choice has 1 to 100 options"));
    }
    let invalid = || {
        bad(
            at,
            "an option's value and label have 1 to 100 characters on one line",
        )
    };
    let mut seen = BTreeSet::new();
    options
        .iter()
        .map(|choice| {
            let value = one_line(&choice.value, MAX_OPTION_CHARS, invalid(), invalid())
                .map_err(|_| invalid())?;
            if !seen.insert(value.to_owned()) {
                return Err(bad(at, "two options have the same value"));
            }
            let label = choice
                .label
                .as_deref()
                .map(|l| one_line(l, MAX_OPTION_CHARS, invalid(), invalid()).map_err(|_| invalid()))
                .transpose()?;
            Ok(Choice {
                value: value.to_owned(),
                label: label.filter(|l| *l != value).map(str::to_owned),
            })
        })
        .collect()
}

fn parse_element(at: usize, spec: &ElementSpec) -> Result<Element, RuleError> {
    let field = |name: &str, label: &str, required: bool, kind: FieldKind| {
        let name = FieldName::parse(name).ok_or(RuleError::InvalidFieldName { element: at })?;
        Ok(Element::Field(Field {
            name,
            label: field_label(at, label)?,
            required,
            kind,
        }))
    };
    match spec {
        ElementSpec::Label { text } => {
            let text = text.trim();
            let length = text.chars().count();
            if length == 0 || length > MAX_TEXT_CHARS {
                return Err(bad(at, "a label element has 1 to 2000 characters"));
            }
            if text.chars().any(|c| c.is_control() && c != '\n') {
                return Err(RuleError::ControlCharacters);
            }
            Ok(Element::Label(text.to_owned()))
        }
        ElementSpec::Input {
            name,
            label,
            required,
            input,
            max_length,
            min,
            max,
        } => {
            let kind = match input {
                InputKind::Text if min.is_none() && max.is_none() => FieldKind::Text {
                    max_chars: length_limit(
                        at,
                        *max_length,
                        Form::TEXT_DEFAULT_CHARS,
                        Form::TEXT_MAX_CHARS,
                    )?,
                },
                InputKind::Email if min.is_none() && max.is_none() && max_length.is_none() => {
                    FieldKind::Email
                }
                InputKind::Number if max_length.is_none() => {
                    let finite = [min, max].iter().all(|v| v.is_none_or(|v| v.is_finite()));
                    let ordered = match (min, max) {
                        (Some(lo), Some(hi)) => lo <= hi,
                        _ => true,
                    };
                    if !finite || !ordered {
                        return Err(bad(at, "min and max are numbers, min not above max"));
                    }
                    FieldKind::Number {
                        min: *min,
                        max: *max,
                    }
                }
                _ => {
                    return Err(bad(
                        at,
                        "max_length is for text inputs, min and max for number inputs",
                    ))
                }
            };
            field(name, label, *required, kind)
        }
        ElementSpec::Textarea {
            name,
            label,
            required,
            max_length,
        } => {
            let max_chars = length_limit(
                at,
                *max_length,
                Form::TEXTAREA_DEFAULT_CHARS,
                Form::TEXTAREA_MAX_CHARS,
            )?;
            field(name, label, *required, FieldKind::Textarea { max_chars })
        }
        ElementSpec::Select {
            name,
            label,
            required,
            options,
        } => field(
            name,
            label,
            *required,
            FieldKind::Select(choices(at, options)?),
        ),
        ElementSpec::Radio {
            name,
            label,
            required,
            options,
        } => field(
            name,
            label,
            *required,
            FieldKind::Radio(choices(at, options)?),
        ),
        ElementSpec::Checkboxes {
            name,
            label,
            required,
            options,
        } => field(
            name,
            label,
            *required,
            FieldKind::Checkboxes(choices(at, options)?),
        ),
        ElementSpec::Agreement { name, label } => field(name, label, true, FieldKind::Agreement),
        ElementSpec::Attachment {
            name,
            label,
            required,
            accept,
            max_files,
        } => {
            let accept =
                AcceptList::parse(accept).ok_or(RuleError::InvalidAccept { element: at })?;
            let max_files = match max_files.unwrap_or(1) {
                n @ 1..=Form::MAX_FILES => n,
                _ => return Err(bad(at, "max_files is from 1 to 10")),
            };
            field(
                name,
                label,
                *required,
                FieldKind::Attachment { accept, max_files },
            )
        }
    }
}

fn element_spec(element: &Element) -> ElementSpec {
    let field = match element {
        Element::Label(text) => return ElementSpec::Label { text: text.clone() },
        Element::Field(field) => field,
    };
    let (name, label, required) = (field.name.0.clone(), field.label.clone(), field.required);
    let input = |input, max_length, min, max| ElementSpec::Input {
        name: name.clone(),
        label: label.clone(),
        required,
        input,
        max_length,
        min,
        max,
    };
    match &field.kind {
        FieldKind::Text { max_chars } => input(InputKind::Text, Some(*max_chars), None, None),
        FieldKind::Email => input(InputKind::Email, None, None, None),
        FieldKind::Number { min, max } => input(InputKind::Number, None, *min, *max),
        FieldKind::Textarea { max_chars } => ElementSpec::Textarea {
            name,
            label,
            required,
            max_length: Some(*max_chars),
        },
        FieldKind::Select(options) => ElementSpec::Select {
            name,
            label,
            required,
            options: options.clone(),
        },
        FieldKind::Radio(options) => ElementSpec::Radio {
            name,
            label,
            required,
            options: options.clone(),
        },
        FieldKind::Checkboxes(options) => ElementSpec::Checkboxes {
            name,
            label,
            required,
            options: options.clone(),
        },
        FieldKind::Agreement => ElementSpec::Agreement { name, label },
        FieldKind::Attachment { accept, max_files } => ElementSpec::Attachment {
            name,
            label,
            required,
            accept: accept.to_strings(),
            max_files: Some(*max_files),
        },
    }
}

/// A text value, trimmed: `None` when blank; refused when it is no string, too long, or has
/// control characters other than those `allowed`.
fn text_value(
    raw: &Value,
    max_chars: usize,
    allowed: &[char],
) -> Result<Option<String>, RuleError> {
    let text = raw
        .as_str()
        .ok_or(RuleError::InvalidValue { expected: "text" })?
        .trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text
        .chars()
        .any(|c| c.is_control() && !allowed.contains(&c))
    {
        return Err(RuleError::ControlCharacters);
    }
    if text.chars().count() > max_chars {
        return Err(RuleError::FieldTooLong { max: max_chars });
    }
    Ok(Some(text.to_owned()))
}

fn number_value(
    raw: &Value,
    min: Option<f64>,
    max: Option<f64>,
) -> Result<Option<Value>, RuleError> {
    let number = match raw {
        Value::Number(n) => n.as_f64().ok_or(RuleError::InvalidNumber)?,
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| RuleError::InvalidNumber)?,
        _ => return Err(RuleError::InvalidNumber),
    };
    if !number.is_finite() {
        return Err(RuleError::InvalidNumber);
    }
    if min.is_some_and(|lo| number < lo) || max.is_some_and(|hi| number > hi) {
        let range = match (min, max) {
            (Some(lo), Some(hi)) => format!("from {lo} to {hi}"),
            (Some(lo), None) => format!("at least {lo}"),
            (None, Some(hi)) => format!("at most {hi}"),
            (None, None) => String::new(),
        };
        return Err(RuleError::NumberOutOfRange { range });
    }
    // Whole numbers stay integers in JSON (`3`, not `3.0`).
    let whole = number.fract() == 0.0 && number.abs() < 9.0e15;
    let value = if whole {
        Number::from(number as i64)
    } else {
        Number::from_f64(number).ok_or(RuleError::InvalidNumber)?
    };
    Ok(Some(Value::Number(value)))
}

fn choice_value(raw: &Value, options: &[Choice]) -> Result<Option<Value>, RuleError> {
    let value = raw.as_str().ok_or(RuleError::InvalidValue {
        expected: "one option's value",
    })?;
    if value.is_empty() {
        return Ok(None);
    }
    options
        .iter()
        .find(|c| c.value == value)
        .map(|c| Some(Value::String(c.value.clone())))
        .ok_or(RuleError::InvalidOption)
}

fn list_of_strings<'a>(raw: &'a Value, expected: &'static str) -> Result<Vec<&'a str>, RuleError> {
    raw.as_array()
        .ok_or(RuleError::InvalidValue { expected })?
        .iter()
        .map(|v| v.as_str().ok_or(RuleError::InvalidValue { expected }))
        .collect()
}

/// One field's value: `Ok(None)` when it is missing or blank (the caller decides whether it
/// was required).
fn field_value(field: &Field, raw: &Value) -> Result<Option<Value>, RuleError> {
    if raw.is_null() {
        return Ok(None);
    }
    match &field.kind {
        FieldKind::Text { max_chars } => Ok(text_value(raw, *max_chars, &[])?.map(Value::String)),
        FieldKind::Textarea { max_chars } => {
            Ok(text_value(raw, *max_chars, &['\n', '\r', '\t'])?.map(Value::String))
        }
        FieldKind::Email => match text_value(raw, EmailAddress::MAX_CHARS, &[]) {
            Ok(Some(text)) => Ok(Some(Value::String(
                EmailAddress::parse(&text)?.as_str().to_owned(),
            ))),
            Ok(None) => Ok(None),
            Err(RuleError::InvalidValue { .. }) => {
                Err(RuleError::InvalidValue { expected: "text" })
            }
            Err(_) => Err(RuleError::InvalidEmail),
        },
        FieldKind::Number { min, max } => number_value(raw, *min, *max),
        FieldKind::Select(options) | FieldKind::Radio(options) => choice_value(raw, options),
        FieldKind::Checkboxes(options) => {
            let picked = list_of_strings(raw, "a list of option values")?;
            if picked
                .iter()
                .any(|p| !options.iter().any(|c| c.value == *p))
            {
                return Err(RuleError::InvalidOption);
            }
            let in_order: Vec<Value> = options
                .iter()
                .filter(|c| picked.contains(&c.value.as_str()))
                .map(|c| Value::String(c.value.clone()))
                .collect();
            Ok((!in_order.is_empty()).then_some(Value::Array(in_order)))
        }
        FieldKind::Agreement => match raw {
            Value::Bool(true) => Ok(Some(Value::Bool(true))),
            Value::Bool(false) => Ok(None),
            _ => Err(RuleError::InvalidValue { expected: "true" }),
        },
        FieldKind::Attachment { max_files, .. } => {
            let ids = list_of_strings(raw, "a list of upload ids")?;
            let mut unique = BTreeSet::new();
            for id in ids {
                unique.insert(UploadId::parse(id).ok_or(RuleError::UploadNotFound)?);
            }
            if unique.len() > *max_files {
                return Err(RuleError::TooManyFiles { max: *max_files });
            }
            let ids: Vec<Value> = unique
                .into_iter()
                .map(|id| Value::String(id.as_str().to_owned()))
                .collect();
            Ok((!ids.is_empty()).then_some(Value::Array(ids)))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn form(elements: Value) -> Form {
        Form::parse_json(&json!({ "elements": elements }))
            .unwrap()
            .unwrap()
    }

    fn definition_error(elements: Value) -> RuleError {
        Form::parse_json(&json!({ "elements": elements })).unwrap_err()
    }

    fn contact_form() -> Form {
        form(json!([
            {"type": "label", "text": "We answer within a day.\nPromise."},
            {"type": "input", "input": "text", "name": "name", "label": "Name", "required": true,
             "max_length": 20},
            {"type": "input", "input": "email", "name": "email", "label": "E-mail", "required": true},
            {"type": "input", "input": "number", "name": "seats", "label": "Seats", "min": 1, "max": 50},
            {"type": "textarea", "name": "message", "label": "Message", "max_length": 30},
            {"type": "select", "name": "topic", "label": "Topic", "required": true,
             "options": [{"value": "sales", "label": "Sales"}, {"value": "support"}]},
            {"type": "radio", "name": "contact_by", "label": "Contact me by",
             "options": [{"value": "mail"}, {"value": "phone"}]},
            {"type": "checkboxes", "name": "products", "label": "Products",
             "options": [{"value": "a"}, {"value": "b"}, {"value": "c"}]},
            {"type": "agreement", "name": "gdpr", "label": "I agree to the privacy policy"},
            {"type": "attachment", "name": "files", "label": "Files", "accept": [".pdf", "image/*"],
             "max_files": 2}
        ]))
    }

    fn values(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn errors(form: &Form, submitted: Value) -> Vec<(String, &'static str)> {
        form.validate(&values(submitted))
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.error.code()))
            .collect()
    }

    const UPLOAD: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn r62_every_element_kind_parses_and_round_trips_with_defaults_filled() {
        let form = contact_form();
        assert_eq!(form.fields().count(), 9);
        let spec = form.to_json();
        assert_eq!(
            spec["elements"][4],
            json!({"type": "textarea", "name": "message", "label": "Message", "required": false,
                   "max_length": 30})
        );
        assert_eq!(
            spec["elements"][9],
            json!({"type": "attachment", "name": "files", "label": "Files", "required": false,
                   "accept": [".pdf", "image/*"], "max_files": 2})
        );
        assert_eq!(spec["elements"][8]["type"], "agreement");
        assert_eq!(Form::parse_json(&spec).unwrap().unwrap(), form);
        let plain = form_with_defaults();
        assert_eq!(plain["elements"][0]["max_length"], 200);
        assert_eq!(Form::parse_json(&Value::Null), Ok(None));
    }

    fn form_with_defaults() -> Value {
        form(json!([{"type": "input", "input": "text", "name": "n", "label": "N"}])).to_json()
    }

    #[test]
    fn r62_bad_definitions_are_refused_with_the_element_they_concern() {
        let input =
            |name: &str| json!({"type": "input", "input": "text", "name": name, "label": "L"});
        assert_eq!(
            definition_error(json!([input("ok"), input("1st")])),
            RuleError::InvalidFieldName { element: 2 }
        );
        assert_eq!(
            definition_error(json!([input("a"), {"type": "label", "text": "x"}, input("a")])),
            RuleError::DuplicateFieldName { element: 3 }
        );
        assert_eq!(
            definition_error(json!([{"type": "select", "name": "s", "label": "S", "options": []}]))
                .code(),
            "invalid_form_element"
        );
        assert_eq!(
            definition_error(json!([{"type": "radio", "name": "s", "label": "S",
                                     "options": [{"value": "x"}, {"value": "x"}]}]))
            .code(),
            "invalid_form_element"
        );
        assert_eq!(
            definition_error(json!([{"type": "attachment", "name": "f", "label": "F",
                                     "accept": [".exe"]}])),
            RuleError::InvalidAccept { element: 1 }
        );
        for element in [
            json!({"type": "attachment", "name": "f", "label": "F", "max_files": 11}),
            json!({"type": "input", "input": "text", "name": "t", "label": "T", "max_length": 1001}),
            json!({"type": "input", "input": "email", "name": "e", "label": "E", "max_length": 10}),
            json!({"type": "input", "input": "number", "name": "n", "label": "N", "min": 5, "max": 1}),
            json!({"type": "input", "input": "text", "name": "t", "label": " "}),
            json!({"type": "textarea", "name": "t", "label": "T", "max_length": 0}),
            json!({"type": "label", "text": ""}),
        ] {
            assert_eq!(
                definition_error(json!([element])).code(),
                "invalid_form_element",
                "{element}"
            );
        }
        for shape in [
            json!([{"type": "video", "name": "v", "label": "V"}]),
            json!([{"type": "agreement", "name": "a", "label": "A", "required": false}]),
            json!([{"type": "input", "name": "t", "label": "T"}]),
            json!("not a list"),
        ] {
            assert_eq!(
                definition_error(shape.clone()).code(),
                "invalid_form",
                "{shape}"
            );
        }
        let many: Vec<Value> = (0..51).map(|i| input(&format!("f{i}"))).collect();
        assert_eq!(
            definition_error(Value::Array(many)),
            RuleError::TooManyFormElements { max: 50 }
        );
    }

    #[test]
    fn r4_a_valid_submission_is_cleaned() {
        let submission = contact_form()
            .validate(&values(json!({
                "name": "  Ann ", "email": "ann@example.org", "seats": "3", "message": "Hi\nthere",
                "topic": "sales", "contact_by": "", "products": ["c", "a", "c"], "gdpr": true,
                "files": [UPLOAD]
            })))
            .unwrap();
        assert_eq!(
            Value::Object(submission.values),
            json!({"name": "Ann", "email": "ann@example.org", "seats": 3, "message": "Hi\nthere",
                   "topic": "sales", "products": ["a", "c"], "gdpr": true, "files": [UPLOAD]})
        );
        assert_eq!(submission.uploads.len(), 1);
        assert_eq!(submission.uploads[0].0.as_str(), "files");
        assert_eq!(submission.uploads[0].1[0].as_str(), UPLOAD);
    }

    #[test]
    fn r4_r62_every_bad_field_is_reported_with_its_code() {
        let form = contact_form();
        assert_eq!(
            errors(&form, json!({})),
            [
                ("name".into(), "field_required"),
                ("email".into(), "field_required"),
                ("topic".into(), "field_required"),
                ("gdpr".into(), "agreement_required"),
            ]
        );
        assert_eq!(
            errors(
                &form,
                json!({
                    "name": "A name far longer than twenty", "email": "ann(at)example.org",
                    "seats": 51, "message": 7, "topic": "jobs", "contact_by": ["mail"],
                    "products": ["a", "z"], "gdpr": false, "files": [UPLOAD, "x"], "age": 40
                })
            ),
            [
                ("name".into(), "field_too_long"),
                ("email".into(), "invalid_email"),
                ("seats".into(), "number_out_of_range"),
                ("message".into(), "invalid_value"),
                ("topic".into(), "invalid_option"),
                ("contact_by".into(), "invalid_value"),
                ("products".into(), "invalid_option"),
                ("gdpr".into(), "agreement_required"),
                ("files".into(), "upload_not_found"),
                ("age".into(), "unknown_field"),
            ]
        );
        let required =
            json!({"name": "Ann", "email": "a@example.org", "topic": "sales", "gdpr": true});
        let with = |key: &str, value: Value| {
            let mut submitted = required.clone();
            submitted[key] = value;
            errors(&form, submitted)
        };
        assert_eq!(
            with("seats", json!("many")),
            [("seats".into(), "invalid_number")]
        );
        assert_eq!(
            with("name", json!("Ann\u{7}")),
            [("name".into(), "control_characters")]
        );
        assert_eq!(
            with(
                "files",
                json!([UPLOAD, UPLOAD.replace('0', "1"), UPLOAD.replace('0', "2")])
            ),
            [("files".into(), "too_many_files")]
        );
        assert_eq!(
            with("gdpr", json!("yes")),
            [("gdpr".into(), "invalid_value")]
        );
        let range = form
            .validate(&values(with_value(&required, "seats", json!(0))))
            .unwrap_err();
        assert_eq!(
            range[0].error.to_string(),
            "the number must be from 1 to 50"
        );
    }

    fn with_value(base: &Value, key: &str, value: Value) -> Value {
        let mut copy = base.clone();
        copy[key] = value;
        copy
    }

    #[test]
    fn r3_r74_without_a_form_no_fields_are_taken() {
        assert!(Form::validate_optional(None, &Map::new()).is_ok());
        let refused = Form::validate_optional(None, &values(json!({"order": "A-1"}))).unwrap_err();
        assert_eq!(refused[0].field, "order");
        assert_eq!(refused[0].error, RuleError::UnknownField);
    }

    #[test]
    fn r77_the_default_offline_form_asks_for_name_email_and_message() {
        let form = Form::default_offline();
        let names: Vec<&str> = form.fields().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["name", "email", "message"]);
        assert!(form.fields().all(|f| f.required));
        assert_eq!(form.first_email_field().unwrap().name.as_str(), "email");
        assert_eq!(Form::parse(&form.to_spec()).unwrap(), form);
    }
}
