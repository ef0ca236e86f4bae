//! Contacts (R65, R88): e-mail addresses and phone numbers as visitors type them, and each
//! website's mapping from its form fields to a contact, with the key a contact is found by.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::email::EmailAddress;
use super::form::{FieldName, Form};
use super::{one_line, RuleError};

/// A phone number reduced to its digits, with a leading `+` if it had one: `+420 601-234 567`
/// and `+420601234567` are the same contact. 5 to 20 digits; spaces, `-`, `.`, `(` and `)`
/// may separate them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Option<PhoneNumber> {
        let raw = raw.trim();
        let (plus, rest) = match raw.strip_prefix('+') {
            Some(rest) => ("+", rest),
            None => ("", raw),
        };
        if !rest
            .chars()
            .all(|c| c.is_ascii_digit() || " -.()".contains(c))
        {
            return None;
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        (5..=20)
            .contains(&digits.len())
            .then(|| PhoneNumber(format!("{plus}{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// R65: which contact value a website finds its contacts by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKey {
    #[default]
    Email,
    Phone,
}

fn default_list() -> String {
    ContactMapping::DEFAULT_LIST.to_owned()
}

fn conventional(name: &str) -> Option<FieldName> {
    FieldName::parse(name)
}

/// R65: how a website turns form values into a contact, as stored and as supervisors send it.
/// Each of `name`, `email` and `phone` names the form field that gives that contact value
/// (`null`: none); `custom` maps custom contact fields to form fields. The defaults map the
/// fields named `name` and `email` (those of the default offline form), no phone, and find
/// contacts by e-mail, in the list `default`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactMapping {
    /// R57: the contact list the website's contacts go into; websites naming the same list
    /// share their contacts.
    #[serde(default = "default_list")]
    pub list: String,
    #[serde(default)]
    pub match_key: MatchKey,
    #[serde(default = "ContactMapping::default_name")]
    pub name: Option<FieldName>,
    #[serde(default = "ContactMapping::default_email")]
    pub email: Option<FieldName>,
    #[serde(default)]
    pub phone: Option<FieldName>,
    #[serde(default)]
    pub custom: BTreeMap<String, FieldName>,
}

impl Default for ContactMapping {
    fn default() -> ContactMapping {
        ContactMapping {
            list: default_list(),
            match_key: MatchKey::Email,
            name: Self::default_name(),
            email: Self::default_email(),
            phone: None,
            custom: BTreeMap::new(),
        }
    }
}

/// A contact as one submission describes it (R88): what a new contact is created from, and
/// what an existing one is found by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactDraft {
    pub name: Option<String>,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub custom: Map<String, Value>,
}

impl ContactMapping {
    pub const DEFAULT_LIST: &'static str = "default";
    pub const MAX_LIST_CHARS: usize = 60;
    pub const MAX_CUSTOM_FIELDS: usize = 20;

    fn default_name() -> Option<FieldName> {
        conventional("name")
    }

    fn default_email() -> Option<FieldName> {
        conventional("email")
    }

    /// Checks a mapping a supervisor sends: a list name on one line, custom field names like
    /// form field names, and every mapped field present in one of the website's forms (a
    /// typo would otherwise map nothing, silently). Returns it with the list name trimmed.
    pub fn parse(
        mut self,
        prechat: Option<&Form>,
        offline: &Form,
    ) -> Result<ContactMapping, RuleError> {
        let max = Self::MAX_LIST_CHARS;
        let invalid_list = || RuleError::InvalidContactList { max };
        self.list = one_line(&self.list, max, invalid_list(), invalid_list())
            .map_err(|_| invalid_list())?
            .to_owned();
        let invalid_custom = RuleError::InvalidContactField {
            max: Self::MAX_CUSTOM_FIELDS,
        };
        if self.custom.len() > Self::MAX_CUSTOM_FIELDS
            || self
                .custom
                .keys()
                .any(|key| FieldName::parse(key).is_none())
        {
            return Err(invalid_custom);
        }
        let known = |field: &FieldName| {
            offline.field(field).is_some() || prechat.is_some_and(|f| f.field(field).is_some())
        };
        let mapped = [&self.name, &self.email, &self.phone]
            .into_iter()
            .flatten()
            .chain(self.custom.values());
        for field in mapped {
            if !known(field) {
                return Err(RuleError::UnknownFormField {
                    field: field.as_str().to_owned(),
                });
            }
        }
        Ok(self)
    }

    /// R88: the contact a submission's values describe. `fallback_name` (the name a chat was
    /// started with) stands in when no mapped field gives a name. Values that are not valid
    /// for their contact field (a phone field holding words) are left out.
    pub fn draft(&self, values: &Map<String, Value>, fallback_name: Option<&str>) -> ContactDraft {
        let text = |field: &Option<FieldName>| {
            field
                .as_ref()
                .and_then(|f| values.get(f.as_str()))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let custom = self
            .custom
            .iter()
            .filter_map(|(key, field)| {
                let value = values.get(field.as_str())?;
                (!value.is_null()).then(|| (key.clone(), value.clone()))
            })
            .collect();
        ContactDraft {
            name: text(&self.name)
                .or(fallback_name.map(str::trim).filter(|n| !n.is_empty()))
                .map(str::to_owned),
            email: text(&self.email).and_then(|v| EmailAddress::parse(v).ok()),
            phone: text(&self.phone).and_then(PhoneNumber::parse),
            custom,
        }
    }

    /// R65, R88: the value a contact is found by; `None` when the submission has none, and
    /// then no contact is found or created (every nameless chat would be a new contact).
    pub fn match_value(&self, draft: &ContactDraft) -> Option<String> {
        match self.match_key {
            MatchKey::Email => draft.email.as_ref().map(EmailAddress::key),
            MatchKey::Phone => draft.phone.as_ref().map(|p| p.as_str().to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn phone_numbers_are_compared_by_their_digits() {
        let spaced = PhoneNumber::parse("+420 601-234 567").unwrap();
        assert_eq!(spaced.as_str(), "+420601234567");
        assert_eq!(PhoneNumber::parse("+420601234567"), Some(spaced));
        assert_eq!(
            PhoneNumber::parse("(030) 1234.56").unwrap().as_str(),
            "030123456"
        );
        assert_eq!(PhoneNumber::parse("call me"), None);
        assert_eq!(PhoneNumber::parse("123"), None);
        assert_eq!(PhoneNumber::parse("1+2345678"), None);
    }

    fn offline_form() -> Form {
        Form::parse_json(&json!({"elements": [
            {"type": "input", "input": "text", "name": "name", "label": "Name"},
            {"type": "input", "input": "email", "name": "email", "label": "E-mail"},
            {"type": "input", "input": "text", "name": "tel", "label": "Phone"},
            {"type": "input", "input": "text", "name": "company", "label": "Company"}
        ]}))
        .unwrap()
        .unwrap()
    }

    #[test]
    fn r65_the_default_mapping_finds_contacts_by_email() {
        let mapping: ContactMapping = serde_json::from_value(json!({})).unwrap();
        assert_eq!(mapping, ContactMapping::default());
        assert_eq!(mapping.match_key, MatchKey::Email);
        assert_eq!(mapping.list, "default");
        let values = json!({"name": " Ann ", "email": "Ann@Example.org", "phone": "+1 555 0100"});
        let draft = mapping.draft(values.as_object().unwrap(), None);
        assert_eq!(draft.name.as_deref(), Some("Ann"));
        assert_eq!(
            mapping.match_value(&draft).as_deref(),
            Some("ann@example.org")
        );
        assert_eq!(draft.phone, None, "no phone field is mapped by default");
    }

    #[test]
    fn r65_r88_a_mapping_names_form_fields_and_may_match_on_phone() {
        let mapping: ContactMapping = serde_json::from_value(json!({
            "list": " Sales leads ", "match_key": "phone", "phone": "tel", "email": null,
            "custom": {"company": "company"}
        }))
        .unwrap();
        let mapping = mapping.parse(None, &offline_form()).unwrap();
        assert_eq!(mapping.list, "Sales leads");
        let values = json!({"name": "Ann", "email": "ann@example.org", "tel": "601 234 567",
                            "company": "ACME"});
        let draft = mapping.draft(values.as_object().unwrap(), None);
        assert_eq!(draft.email, None, "e-mail is not mapped");
        assert_eq!(mapping.match_value(&draft).as_deref(), Some("601234567"));
        assert_eq!(draft.custom.get("company"), Some(&json!("ACME")));

        // Without a value for the match key there is nothing to match on.
        let values = json!({"name": "Ann", "tel": "no phone"});
        let draft = mapping.draft(values.as_object().unwrap(), None);
        assert_eq!(mapping.match_value(&draft), None);
    }

    #[test]
    fn a_chat_without_a_name_field_names_the_contact_after_the_visitor() {
        let mapping = ContactMapping::default();
        let values = json!({"email": "bea@example.org"});
        let draft = mapping.draft(values.as_object().unwrap(), Some("Bea"));
        assert_eq!(draft.name.as_deref(), Some("Bea"));
    }

    #[test]
    fn a_mapping_that_names_a_missing_field_or_a_bad_list_is_refused() {
        let parse = |value: Value| {
            serde_json::from_value::<ContactMapping>(value)
                .unwrap()
                .parse(None, &offline_form())
        };
        assert_eq!(
            parse(json!({"phone": "mobile"})),
            Err(RuleError::UnknownFormField {
                field: "mobile".into()
            })
        );
        assert_eq!(
            parse(json!({"list": "  "})),
            Err(RuleError::InvalidContactList { max: 60 })
        );
        assert_eq!(
            parse(json!({"custom": {"bad key": "company"}})),
            Err(RuleError::InvalidContactField { max: 20 })
        );
        assert!(serde_json::from_value::<ContactMapping>(json!({"match_key": "name"})).is_err());
        assert!(serde_json::from_value::<ContactMapping>(json!({"nickname": "x"})).is_err());
    }
}
