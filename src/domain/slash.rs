//! R47, A1: an agent's message that begins with `/` is a command, never a message to the
//! visitor.

use super::RuleError;

/// The slash commands an agent can type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlashCommand {
    /// `/dc` or `/disconnect`: end the chat, once the agent confirms.
    Disconnect,
}

/// `None` when `text` is an ordinary message; otherwise the command it names, or
/// `UnknownSlashCommand`. Case and surrounding whitespace are ignored.
pub fn parse(text: &str) -> Option<Result<SlashCommand, RuleError>> {
    let command = text.trim().strip_prefix('/')?;
    Some(match command.to_lowercase().as_str() {
        "dc" | "disconnect" => Ok(SlashCommand::Disconnect),
        _ => Err(RuleError::UnknownSlashCommand),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disconnect_in_any_case_with_spaces_r47_a1() {
        for text in ["/dc", "/DC", "  /Disconnect \n", "/disconnect"] {
            assert_eq!(parse(text), Some(Ok(SlashCommand::Disconnect)), "{text:?}");
        }
    }

    #[test]
    fn unknown_commands_are_refused_and_never_messages_r47() {
        for text in ["/", "/help", "/dc now", "/gelijkstroom", " /x"] {
            assert_eq!(
                parse(text),
                Some(Err(RuleError::UnknownSlashCommand)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn ordinary_text_is_not_a_command() {
        for text in ["hello", "price < 10 / month", "", "a/dc"] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
