//! R61: a website's automatic (proactive) actions. The widget opens or highlights itself when
//! the visitor has been on a matching page for some seconds, or hovers over an element given by
//! a CSS selector; a rule may be limited to pages whose address contains a text. The rules live
//! in the website's appearance (`appearance.proactive`, read by the widget's loader), and are
//! parsed here when an admin saves them, so the widget only ever gets rules it can run.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::RuleError;

/// What a rule does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProactiveAction {
    #[default]
    Open,
    Highlight,
}

/// One rule as the widget runs it (widget/src/protocol.ts `ProactiveRule`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProactiveRule {
    /// Only on pages whose address contains this text; absent: every page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_contains: Option<String>,
    /// After this many seconds on the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_seconds: Option<u32>,
    /// When the visitor hovers over an element matching this CSS selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hover_selector: Option<String>,
    #[serde(default)]
    pub action: ProactiveAction,
}

impl ProactiveRule {
    pub const MAX_RULES: usize = 20;
    pub const MAX_SECONDS: u32 = 3600;
    pub const MAX_URL_CHARS: usize = 500;
    pub const MAX_SELECTOR_CHARS: usize = 200;
}

/// An optional text of one line: trimmed, `None` when empty.
fn optional_text(
    text: Option<String>,
    max: usize,
    rule: usize,
    reason: &'static str,
) -> Result<Option<String>, RuleError> {
    let Some(text) = text else { return Ok(None) };
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(RuleError::InvalidProactiveRule { rule, reason });
    }
    Ok(Some(text.to_owned()))
}

/// R61: parses the rules of an appearance (`appearance.proactive`; absent or `null`: none).
/// Each rule fires after some seconds, on hover, or both; rules are numbered from 1 in errors.
pub fn parse_rules(value: Option<&Value>) -> Result<Vec<ProactiveRule>, RuleError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) if items.len() <= ProactiveRule::MAX_RULES => items,
        Some(_) => {
            return Err(RuleError::InvalidProactiveRule {
                rule: 0,
                reason: "the rules are a list of at most 20",
            })
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let rule = i + 1;
            let raw: ProactiveRule =
                serde_json::from_value(item.clone()).map_err(|_| RuleError::InvalidProactiveRule {
                    rule,
                    reason: "a rule has url_contains, after_seconds, hover_selector and action (open or highlight)",
                })?;
            let url_contains = optional_text(
                raw.url_contains,
                ProactiveRule::MAX_URL_CHARS,
                rule,
                "the page address text is one line of at most 500 characters",
            )?;
            let hover_selector = optional_text(
                raw.hover_selector,
                ProactiveRule::MAX_SELECTOR_CHARS,
                rule,
                "the CSS selector is one line of at most 200 characters",
            )?;
            if raw.after_seconds.is_some_and(|s| s > ProactiveRule::MAX_SECONDS) {
                return Err(RuleError::InvalidProactiveRule {
                    rule,
                    reason: "the time on the page is 0 to 3600 seconds",
                });
            }
            if raw.after_seconds.is_none() && hover_selector.is_none() {
                return Err(RuleError::InvalidProactiveRule {
                    rule,
                    reason: "a rule fires after some seconds on the page, on hover, or both",
                });
            }
            Ok(ProactiveRule {
                url_contains,
                after_seconds: raw.after_seconds,
                hover_selector,
                action: raw.action,
            })
        })
        .collect()
}

/// R14, R60, R61: an appearance as an admin saves it: a JSON object whose proactive rules, if
/// any, are parsed and stored in their normal form.
pub fn parse_appearance(mut appearance: Value) -> Result<Value, RuleError> {
    let Some(object) = appearance.as_object_mut() else {
        return Err(RuleError::InvalidProactiveRule {
            rule: 0,
            reason: "the appearance is a JSON object",
        });
    };
    let rules = parse_rules(object.get("proactive"))?;
    if rules.is_empty() {
        object.remove("proactive");
    } else {
        object.insert(
            "proactive".to_owned(),
            serde_json::to_value(rules).unwrap_or(Value::Null),
        );
    }
    Ok(appearance)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reason(value: Value) -> RuleError {
        parse_rules(Some(&value)).unwrap_err()
    }

    #[test]
    fn a_rule_after_seconds_on_matching_pages_is_kept_trimmed() {
        let rules = parse_rules(Some(&json!([
            {"url_contains": " /pricing ", "after_seconds": 30},
            {"hover_selector": "#buy", "action": "highlight"}
        ])))
        .unwrap();
        assert_eq!(rules[0].url_contains.as_deref(), Some("/pricing"));
        assert_eq!(rules[0].after_seconds, Some(30));
        assert_eq!(rules[0].action, ProactiveAction::Open);
        assert_eq!(rules[1].action, ProactiveAction::Highlight);
    }

    #[test]
    fn a_rule_that_can_never_fire_is_refused() {
        assert!(matches!(
            reason(json!([{"url_contains": "/a"}])),
            RuleError::InvalidProactiveRule { rule: 1, .. }
        ));
        assert!(matches!(
            reason(json!([{"after_seconds": 1}, {"hover_selector": "  "}])),
            RuleError::InvalidProactiveRule { rule: 2, .. }
        ));
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in [
            json!([{"after_seconds": 3601}]),
            json!([{"after_seconds": -1}]),
            json!([{"after_seconds": 5, "action": "shout"}]),
            json!([{"after_seconds": 5, "colour": "red"}]),
            json!([{"hover_selector": "a\nb"}]),
            json!({"after_seconds": 5}),
            Value::Array(vec![json!({"after_seconds": 1}); 21]),
        ] {
            assert!(matches!(
                reason(bad),
                RuleError::InvalidProactiveRule { .. }
            ));
        }
    }

    #[test]
    fn an_appearance_keeps_its_other_keys_and_drops_an_empty_rule_list() {
        let look = parse_appearance(json!({"primary_color": "#123456", "proactive": []})).unwrap();
        assert_eq!(look, json!({"primary_color": "#123456"}));
        assert!(parse_appearance(json!("red")).is_err());
    }
}
