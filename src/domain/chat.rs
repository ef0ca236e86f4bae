//! A conversation's values and its lifecycle: queued → active → ended.

use serde::{Deserialize, Serialize};

use super::ids::UserId;
use super::{one_line, plain_text, RuleError};

/// R3: the name a visitor gives before a chat request is sent. Never empty or blank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct VisitorName(String);

impl VisitorName {
    pub const MAX_CHARS: usize = 80;

    pub fn parse(raw: &str) -> Result<VisitorName, RuleError> {
        let name = one_line(
            raw,
            Self::MAX_CHARS,
            RuleError::EmptyName,
            RuleError::NameTooLong {
                max: Self::MAX_CHARS,
            },
        )?;
        Ok(VisitorName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// R38: the text of one chat message, 1 to 1000 characters of plain text.
///
/// `<` and `>` are ordinary characters (decision A7): every text is escaped where it is shown.
/// Line breaks and tabs are allowed; other control characters are not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct MessageText(String);

impl MessageText {
    pub const MAX_CHARS: usize = 1000;

    pub fn parse(raw: &str) -> Result<MessageText, RuleError> {
        let text = plain_text(
            raw,
            Self::MAX_CHARS,
            RuleError::EmptyMessage,
            RuleError::MessageTooLong {
                max: Self::MAX_CHARS,
            },
        )?;
        Ok(MessageText(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a chat is in its life. Offers are a queue's business: an offered chat is still queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatState {
    /// Waiting for an agent to accept it.
    Queued,
    /// An agent accepted it; both sides exchange messages.
    Active,
    /// Over; nobody can post any more.
    Ended,
}

impl ChatState {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatState::Queued => "queued",
            ChatState::Active => "active",
            ChatState::Ended => "ended",
        }
    }

    pub fn from_stored(value: &str) -> Option<ChatState> {
        match value {
            "queued" => Some(ChatState::Queued),
            "active" => Some(ChatState::Active),
            "ended" => Some(ChatState::Ended),
            _ => None,
        }
    }
}

/// R91: how an interaction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    VisitorEnded,
    AgentEnded,
    Timeout,
    Offline,
    Unmanaged,
    /// R55: the visitor was banned during the chat.
    Banned,
}

impl Disposition {
    /// Every disposition, in the order the protocol lists them.
    pub const ALL: [Disposition; 6] = [
        Disposition::VisitorEnded,
        Disposition::AgentEnded,
        Disposition::Timeout,
        Disposition::Offline,
        Disposition::Unmanaged,
        Disposition::Banned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::VisitorEnded => "visitor_ended",
            Disposition::AgentEnded => "agent_ended",
            Disposition::Timeout => "timeout",
            Disposition::Offline => "offline",
            Disposition::Unmanaged => "unmanaged",
            Disposition::Banned => "banned",
        }
    }

    pub fn from_stored(value: &str) -> Option<Disposition> {
        Disposition::ALL.into_iter().find(|d| d.as_str() == value)
    }
}

/// Who ended a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EndedBy {
    Visitor,
    Agent {
        id: UserId,
    },
    /// The engine: a hunt that ended without an agent (R19, R76), or an active chat nobody
    /// wrote in for the unattended timeout (R80).
    System,
}

/// Who wants to post into a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poster {
    Visitor,
    Agent(UserId),
}

/// The lifecycle rules of one chat: who may post, who may join, how it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatLifecycle {
    state: ChatState,
    agents: Vec<UserId>,
}

impl ChatLifecycle {
    pub fn new() -> ChatLifecycle {
        ChatLifecycle {
            state: ChatState::Queued,
            agents: Vec::new(),
        }
    }

    /// Rebuilds the lifecycle of a stored chat.
    pub fn restore(state: ChatState, agents: Vec<UserId>) -> ChatLifecycle {
        ChatLifecycle { state, agents }
    }

    pub fn state(&self) -> ChatState {
        self.state
    }

    pub fn agents(&self) -> &[UserId] {
        &self.agents
    }

    pub fn has_agent(&self, agent: UserId) -> bool {
        self.agents.contains(&agent)
    }

    /// A visitor may write while waiting (the agent sees it on accepting) and while active;
    /// an agent only once it has joined. Nobody writes into an ended chat (R8).
    pub fn may_post(&self, poster: Poster) -> Result<(), RuleError> {
        match (self.state, poster) {
            (ChatState::Ended, _) => Err(RuleError::ChatEnded),
            (_, Poster::Visitor) => Ok(()),
            (_, Poster::Agent(agent)) if !self.has_agent(agent) => Err(RuleError::NotAParticipant),
            (ChatState::Queued, Poster::Agent(_)) => Err(RuleError::ChatNotActive),
            (ChatState::Active, Poster::Agent(_)) => Ok(()),
        }
    }

    /// R16: an agent accepted the offer; the chat becomes active with that agent.
    pub fn accept(&mut self, agent: UserId) -> Result<(), RuleError> {
        match self.state {
            ChatState::Ended => Err(RuleError::ChatEnded),
            ChatState::Active => Err(RuleError::ChatAlreadyAssigned),
            ChatState::Queued => {
                self.state = ChatState::Active;
                self.agents.push(agent);
                Ok(())
            }
        }
    }

    /// The agent who answers for the chat (R44, R45): the one who accepted it, or whoever
    /// took its place by a transfer or stayed when it left. The first of `agents`.
    pub fn owner(&self) -> Option<UserId> {
        self.agents.first().copied()
    }

    /// R43, R44: an invited agent joins the active chat (a conference).
    pub fn join(&mut self, agent: UserId) -> Result<(), RuleError> {
        self.require_active()?;
        if self.has_agent(agent) {
            return Err(RuleError::AgentAlreadyInChat);
        }
        self.agents.push(agent);
        Ok(())
    }

    /// R45: `to` takes the place of `from`, who leaves; the owner's place goes with it.
    pub fn transfer(&mut self, from: UserId, to: UserId) -> Result<(), RuleError> {
        self.require_active()?;
        if self.has_agent(to) {
            return Err(RuleError::AgentAlreadyInChat);
        }
        let place = self
            .agents
            .iter()
            .position(|&a| a == from)
            .ok_or(RuleError::NotAParticipant)?;
        self.agents[place] = to;
        Ok(())
    }

    /// R43: an agent leaves a conference; the chat stays with the others (the next one owns
    /// it if the owner left). The last agent cannot leave: it ends the chat instead.
    pub fn leave(&mut self, agent: UserId) -> Result<(), RuleError> {
        self.require_active()?;
        if !self.has_agent(agent) {
            return Err(RuleError::NotAParticipant);
        }
        if self.agents.len() == 1 {
            return Err(RuleError::LastAgentInChat);
        }
        self.agents.retain(|&a| a != agent);
        Ok(())
    }

    /// R44: the owner ends the conference: every added agent leaves; returns them.
    pub fn end_conference(&mut self, by: UserId) -> Result<Vec<UserId>, RuleError> {
        self.require_active()?;
        if !self.has_agent(by) {
            return Err(RuleError::NotAParticipant);
        }
        if self.owner() != Some(by) {
            return Err(RuleError::NotChatOwner);
        }
        if self.agents.len() == 1 {
            return Err(RuleError::NoConference);
        }
        Ok(self.agents.split_off(1))
    }

    fn require_active(&self) -> Result<(), RuleError> {
        match self.state {
            ChatState::Active => Ok(()),
            ChatState::Queued => Err(RuleError::ChatNotActive),
            ChatState::Ended => Err(RuleError::ChatEnded),
        }
    }

    /// R7, R8: the visitor or an agent of the chat ends it.
    pub fn end(&mut self, by: EndedBy) -> Result<Disposition, RuleError> {
        if self.state == ChatState::Ended {
            return Err(RuleError::ChatEnded);
        }
        let disposition = match by {
            EndedBy::Visitor => Disposition::VisitorEnded,
            EndedBy::Agent { id } if self.has_agent(id) => Disposition::AgentEnded,
            EndedBy::Agent { .. } => return Err(RuleError::NotAParticipant),
            EndedBy::System => return self.unmanaged(),
        };
        self.state = ChatState::Ended;
        Ok(disposition)
    }

    /// R55: the visitor was banned: the chat ends at once, waiting or active, whoever banned
    /// (the caller checked they may).
    pub fn ban(&mut self) -> Result<Disposition, RuleError> {
        if self.state == ChatState::Ended {
            return Err(RuleError::ChatEnded);
        }
        self.state = ChatState::Ended;
        Ok(Disposition::Banned)
    }

    /// R19, R76, A9: the hunt ended inside working hours and nobody took the chat: it ends
    /// and is kept as unmanaged. Only a waiting chat can end this way.
    pub fn unmanaged(&mut self) -> Result<Disposition, RuleError> {
        match self.state {
            ChatState::Queued => {
                self.state = ChatState::Ended;
                Ok(Disposition::Unmanaged)
            }
            ChatState::Active => Err(RuleError::ChatAlreadyAssigned),
            ChatState::Ended => Err(RuleError::ChatEnded),
        }
    }

    /// R80, A8: an active chat nobody wrote in for the unattended timeout ends with
    /// disposition Timeout. A waiting chat is the hunt's business (R19, R76).
    pub fn time_out(&mut self) -> Result<Disposition, RuleError> {
        match self.state {
            ChatState::Active => {
                self.state = ChatState::Ended;
                Ok(Disposition::Timeout)
            }
            ChatState::Queued => Err(RuleError::ChatNotActive),
            ChatState::Ended => Err(RuleError::ChatEnded),
        }
    }
}

impl Default for ChatLifecycle {
    fn default() -> Self {
        ChatLifecycle::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: UserId = UserId(1);
    const BOB: UserId = UserId(2);

    #[test]
    fn visitor_name_is_required_and_trimmed_r3() {
        assert_eq!(VisitorName::parse("  Ann ").unwrap().as_str(), "Ann");
        assert_eq!(VisitorName::parse(""), Err(RuleError::EmptyName));
        assert_eq!(VisitorName::parse(" \t\n "), Err(RuleError::EmptyName));
        assert!(matches!(
            VisitorName::parse(&"x".repeat(81)),
            Err(RuleError::NameTooLong { max: 80 })
        ));
        assert_eq!(
            VisitorName::parse("A\u{0}nn"),
            Err(RuleError::ControlCharacters)
        );
    }

    #[test]
    fn a_ban_ends_a_waiting_or_active_chat_once_r55() {
        let mut waiting = ChatLifecycle::new();
        assert_eq!(waiting.ban(), Ok(Disposition::Banned));
        assert_eq!(waiting.state(), ChatState::Ended);
        assert_eq!(waiting.ban(), Err(RuleError::ChatEnded));
        assert_eq!(
            Disposition::from_stored("banned"),
            Some(Disposition::Banned)
        );
    }

    #[test]
    fn message_has_at_most_1000_characters_r38() {
        assert!(MessageText::parse(&"é".repeat(1000)).is_ok());
        assert_eq!(
            MessageText::parse(&"é".repeat(1001)),
            Err(RuleError::MessageTooLong { max: 1000 })
        );
        assert_eq!(MessageText::parse("   "), Err(RuleError::EmptyMessage));
    }

    #[test]
    fn angle_brackets_and_line_breaks_are_plain_text_a7() {
        let text = MessageText::parse("price < 10 and > 5\nok?").unwrap();
        assert_eq!(text.as_str(), "price < 10 and > 5\nok?");
        assert_eq!(
            MessageText::parse("bell\u{7}"),
            Err(RuleError::ControlCharacters)
        );
    }

    #[test]
    fn visitor_may_write_while_waiting_but_agents_only_after_joining() {
        let mut chat = ChatLifecycle::new();
        assert_eq!(chat.may_post(Poster::Visitor), Ok(()));
        assert_eq!(
            chat.may_post(Poster::Agent(ALICE)),
            Err(RuleError::NotAParticipant)
        );
        chat.accept(ALICE).unwrap();
        assert_eq!(chat.state(), ChatState::Active);
        assert_eq!(chat.may_post(Poster::Agent(ALICE)), Ok(()));
        assert_eq!(
            chat.may_post(Poster::Agent(BOB)),
            Err(RuleError::NotAParticipant)
        );
    }

    #[test]
    fn a_chat_is_accepted_once_r16() {
        let mut chat = ChatLifecycle::new();
        chat.accept(ALICE).unwrap();
        assert_eq!(chat.accept(BOB), Err(RuleError::ChatAlreadyAssigned));
        assert_eq!(chat.agents(), &[ALICE]);
    }

    #[test]
    fn ending_records_who_ended_it_r7_r8_r91() {
        let mut by_visitor = ChatLifecycle::new();
        by_visitor.accept(ALICE).unwrap();
        assert_eq!(
            by_visitor.end(EndedBy::Visitor),
            Ok(Disposition::VisitorEnded)
        );

        let mut by_agent = ChatLifecycle::new();
        by_agent.accept(ALICE).unwrap();
        assert_eq!(
            by_agent.end(EndedBy::Agent { id: BOB }),
            Err(RuleError::NotAParticipant)
        );
        assert_eq!(
            by_agent.end(EndedBy::Agent { id: ALICE }),
            Ok(Disposition::AgentEnded)
        );
    }

    #[test]
    fn only_a_waiting_chat_ends_unmanaged_r76() {
        let mut waiting = ChatLifecycle::new();
        assert_eq!(waiting.end(EndedBy::System), Ok(Disposition::Unmanaged));
        let mut active = ChatLifecycle::new();
        active.accept(ALICE).unwrap();
        assert_eq!(
            active.end(EndedBy::System),
            Err(RuleError::ChatAlreadyAssigned)
        );
        assert_eq!(active.state(), ChatState::Active);
    }

    #[test]
    fn only_an_active_chat_times_out_r80() {
        let mut active = ChatLifecycle::new();
        active.accept(ALICE).unwrap();
        assert_eq!(active.time_out(), Ok(Disposition::Timeout));
        assert_eq!(active.state(), ChatState::Ended);
        assert_eq!(active.time_out(), Err(RuleError::ChatEnded));
        let mut waiting = ChatLifecycle::new();
        assert_eq!(waiting.time_out(), Err(RuleError::ChatNotActive));
        assert_eq!(waiting.state(), ChatState::Queued);
    }

    const CAROL: UserId = UserId(3);

    fn active_with(agent: UserId) -> ChatLifecycle {
        let mut chat = ChatLifecycle::new();
        chat.accept(agent).unwrap();
        chat
    }

    #[test]
    fn invited_agents_join_an_active_chat_once_r43_r44() {
        let mut waiting = ChatLifecycle::new();
        assert_eq!(waiting.join(BOB), Err(RuleError::ChatNotActive));
        let mut chat = active_with(ALICE);
        chat.join(BOB).unwrap();
        assert_eq!(chat.join(BOB), Err(RuleError::AgentAlreadyInChat));
        assert_eq!(chat.join(ALICE), Err(RuleError::AgentAlreadyInChat));
        chat.join(CAROL).unwrap();
        assert_eq!(chat.agents(), &[ALICE, BOB, CAROL]);
        assert_eq!(chat.owner(), Some(ALICE));
        assert_eq!(chat.may_post(Poster::Agent(CAROL)), Ok(()));
    }

    #[test]
    fn a_transfer_puts_the_new_agent_in_the_old_ones_place_r45() {
        let mut chat = active_with(ALICE);
        assert_eq!(
            chat.transfer(ALICE, ALICE),
            Err(RuleError::AgentAlreadyInChat)
        );
        assert_eq!(chat.transfer(CAROL, BOB), Err(RuleError::NotAParticipant));
        chat.transfer(ALICE, BOB).unwrap();
        assert_eq!(chat.agents(), &[BOB]);
        assert_eq!(chat.owner(), Some(BOB));
        assert_eq!(
            chat.may_post(Poster::Agent(ALICE)),
            Err(RuleError::NotAParticipant)
        );
        let mut ended = active_with(ALICE);
        ended.end(EndedBy::Visitor).unwrap();
        assert_eq!(ended.transfer(ALICE, BOB), Err(RuleError::ChatEnded));
    }

    #[test]
    fn the_inviter_may_leave_but_not_the_last_agent_r43() {
        let mut chat = active_with(ALICE);
        assert_eq!(chat.leave(ALICE), Err(RuleError::LastAgentInChat));
        chat.join(BOB).unwrap();
        assert_eq!(chat.leave(CAROL), Err(RuleError::NotAParticipant));
        chat.leave(ALICE).unwrap();
        assert_eq!(chat.owner(), Some(BOB), "the chat stays with the others");
        assert_eq!(chat.leave(BOB), Err(RuleError::LastAgentInChat));
    }

    #[test]
    fn only_the_owner_ends_a_conference_r44() {
        let mut chat = active_with(ALICE);
        assert_eq!(chat.end_conference(ALICE), Err(RuleError::NoConference));
        chat.join(BOB).unwrap();
        chat.join(CAROL).unwrap();
        assert_eq!(chat.end_conference(BOB), Err(RuleError::NotChatOwner));
        assert_eq!(
            chat.end_conference(UserId(9)),
            Err(RuleError::NotAParticipant)
        );
        assert_eq!(chat.end_conference(ALICE), Ok(vec![BOB, CAROL]));
        assert_eq!(chat.agents(), &[ALICE]);
    }

    #[test]
    fn stored_dispositions_round_trip_r91() {
        for d in [
            Disposition::VisitorEnded,
            Disposition::AgentEnded,
            Disposition::Timeout,
            Disposition::Offline,
            Disposition::Unmanaged,
        ] {
            assert_eq!(Disposition::from_stored(d.as_str()), Some(d));
        }
        assert_eq!(Disposition::from_stored("lost"), None);
    }

    #[test]
    fn nobody_posts_into_an_ended_chat_r8() {
        let mut chat = ChatLifecycle::new();
        chat.end(EndedBy::Visitor).unwrap();
        assert_eq!(chat.may_post(Poster::Visitor), Err(RuleError::ChatEnded));
        assert_eq!(chat.end(EndedBy::Visitor), Err(RuleError::ChatEnded));
        assert_eq!(chat.accept(ALICE), Err(RuleError::ChatEnded));
    }

    #[test]
    fn stored_states_round_trip() {
        for state in [ChatState::Queued, ChatState::Active, ChatState::Ended] {
            assert_eq!(ChatState::from_stored(state.as_str()), Some(state));
        }
        assert_eq!(ChatState::from_stored("lost"), None);
    }
}
