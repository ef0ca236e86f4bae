//! The engine's own words to visitors (notices, mails), one catalogue per language. Texts
//! live here and nowhere else, so translating the engine means adding one catalogue.

/// Every text the engine writes to a visitor, in one language. `{website}`, `{queue}` and
/// `{name}` are replaced where noted; the results are plain text, escaped where shown.
#[derive(Debug, PartialEq, Eq)]
pub struct Texts {
    /// The language tag of this catalogue.
    pub language: &'static str,
    /// R76, R78: shown when nobody took the chat and the visitor may leave a message.
    pub unmanaged_leave_message: &'static str,
    /// R76: shown when nobody took the chat and the website takes no messages.
    pub unmanaged: &'static str,
    /// A13, R79: a direct chat whose agent did not take it (may leave a message).
    pub direct_unanswered_leave_message: &'static str,
    /// A13: a direct chat whose agent did not take it (no messages taken).
    pub direct_unanswered: &'static str,
    /// R8, R80: the chat was closed because nobody wrote for a while.
    pub unattended: &'static str,
    /// R86: the transcript mail's subject; `{website}`.
    pub transcript_subject: &'static str,
    /// R86: the transcript mail's first line; `{website}`.
    pub transcript_intro: &'static str,
    /// R86: the transcript line of the request; `{name}`.
    pub transcript_requested: &'static str,
    /// R86: an agent joined; `{name}`.
    pub transcript_joined: &'static str,
    /// R86: the chat moved to another queue; `{queue}`.
    pub transcript_redirected: &'static str,
    /// R9, R86: the options an agent offered; `{options}` (labels separated by " / ").
    pub transcript_choices: &'static str,
    /// R9, R86: what the visitor picked; `{label}`.
    pub transcript_picked: &'static str,
    /// R43, R44: an agent left the chat (the others stay).
    pub transcript_left: &'static str,
    /// R45: the chat went to another agent.
    pub transcript_transferred: &'static str,
    /// R86: the last line of every transcript.
    pub transcript_ended: &'static str,
    /// R86: the closing line of the mail.
    pub transcript_footer: &'static str,
    /// R86: the time zone note after the intro; `{zone}`.
    pub transcript_times: &'static str,
    /// R10, R86: a file sent with a message, named in the transcript; `{name}`.
    pub transcript_attachment: &'static str,
}

pub const ENGLISH: Texts = Texts {
    language: "en",
    unmanaged_leave_message: "Sorry, none of our agents could take your chat just now. \
        Leave us a message and we will get back to you.",
    unmanaged: "Sorry, none of our agents could take your chat just now. Please try again later.",
    direct_unanswered_leave_message: "Sorry, the agent you asked for is not available just now. \
        Leave a message and they will get back to you.",
    direct_unanswered: "Sorry, the agent you asked for is not available just now. \
        Please try again later.",
    unattended: "This chat was closed because nobody wrote for a while. \
        Start a new chat whenever you like.",
    transcript_subject: "Your chat with {website}",
    transcript_intro: "Here is the transcript of your chat with {website}.",
    transcript_requested: "{name} asked for a chat",
    transcript_joined: "{name} joined the chat",
    transcript_redirected: "You were passed on to {queue}",
    transcript_choices: "Options: {options}",
    transcript_picked: "Picked: {label}",
    transcript_left: "{name} left the chat",
    transcript_transferred: "{from} passed the chat on to {to}",
    transcript_ended: "The chat ended",
    transcript_footer: "Thank you for chatting with us.",
    transcript_times: "Times are in {zone}.",
    transcript_attachment: "[file: {name}]",
};

pub const GERMAN: Texts = Texts {
    language: "de",
    unmanaged_leave_message: "Leider konnte gerade niemand Ihren Chat annehmen. \
        Hinterlassen Sie uns eine Nachricht, wir melden uns bei Ihnen.",
    unmanaged: "Leider konnte gerade niemand Ihren Chat annehmen. \
        Bitte versuchen Sie es später noch einmal.",
    direct_unanswered_leave_message: "Leider ist die gewünschte Person gerade nicht erreichbar. \
        Hinterlassen Sie eine Nachricht, sie meldet sich bei Ihnen.",
    direct_unanswered: "Leider ist die gewünschte Person gerade nicht erreichbar. \
        Bitte versuchen Sie es später noch einmal.",
    unattended: "Dieser Chat wurde geschlossen, weil eine Weile niemand geschrieben hat. \
        Sie können jederzeit einen neuen Chat beginnen.",
    transcript_subject: "Ihr Chat mit {website}",
    transcript_intro: "Hier ist das Protokoll Ihres Chats mit {website}.",
    transcript_requested: "{name} hat einen Chat angefragt",
    transcript_joined: "{name} ist dem Chat beigetreten",
    transcript_redirected: "Sie wurden an {queue} weitergeleitet",
    transcript_choices: "Auswahl: {options}",
    transcript_picked: "Gewählt: {label}",
    transcript_left: "{name} hat den Chat verlassen",
    transcript_transferred: "{from} hat den Chat an {to} übergeben",
    transcript_ended: "Der Chat wurde beendet",
    transcript_footer: "Vielen Dank für Ihren Besuch.",
    transcript_times: "Zeiten in {zone}.",
    transcript_attachment: "[Datei: {name}]",
};

const CATALOGUES: &[&Texts] = &[&ENGLISH, &GERMAN];

impl Texts {
    /// The catalogue of the first of `languages` (BCP 47 tags, most wanted first) whose
    /// primary subtag has one; English when none has.
    pub fn for_languages<'a>(
        languages: impl IntoIterator<Item = Option<&'a str>>,
    ) -> &'static Texts {
        languages
            .into_iter()
            .flatten()
            .find_map(|tag| {
                let primary = tag.split(['-', '_']).next().unwrap_or_default();
                CATALOGUES
                    .iter()
                    .find(|texts| texts.language.eq_ignore_ascii_case(primary))
                    .copied()
            })
            .unwrap_or(&ENGLISH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_known_language_wins_and_english_is_the_fallback() {
        assert_eq!(Texts::for_languages([Some("de-AT")]).language, "de");
        assert_eq!(Texts::for_languages([Some("DE")]).language, "de");
        assert_eq!(
            Texts::for_languages([Some("cs"), Some("de")]).language,
            "de"
        );
        assert_eq!(Texts::for_languages([None, Some("fr")]).language, "en");
        assert_eq!(Texts::for_languages([]).language, "en");
    }
}
