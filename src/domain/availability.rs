//! What the widget shows (R5, R30, R31): live chat (`online`), live chat with a wait (`busy`),
//! or the offline form (`offline`), decided from the website's working hours, its queue's
//! opening hours and what the queue's members can take right now.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::queue::MemberStatus;

/// R31: what a website's widget shows when no member of its queue is Available at all (every
/// one Away, in RONA or offline). Set per website by an admin; `busy` by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoAgentMode {
    #[default]
    Busy,
    Offline,
}

impl NoAgentMode {
    pub fn as_str(self) -> &'static str {
        match self {
            NoAgentMode::Busy => "busy",
            NoAgentMode::Offline => "offline",
        }
    }

    pub fn from_stored(value: &str) -> Option<NoAgentMode> {
        match value {
            "busy" => Some(NoAgentMode::Busy),
            "offline" => Some(NoAgentMode::Offline),
            _ => None,
        }
    }
}

/// R5: the widget's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WidgetMode {
    /// Live chat; an agent can take the chat now.
    Online,
    /// Live chat, but the visitor will wait: agents are there and none is free.
    Busy,
    /// No live chat: the offline form (R77).
    Offline,
}

/// Why the widget is in its mode, for clients to pick a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModeReason {
    /// `online`: at least one member is Available, connected and below capacity (R30).
    AgentAvailable,
    /// `busy`: members are Available but all at capacity or reconnecting (R26).
    AllAgentsBusy,
    /// `busy` or `offline` per the website's `no_agent_mode`: no member is Available (R31).
    NoAgentAvailable,
    /// `offline`: the queue is outside its opening hours (R29).
    QueueClosed,
    /// `offline`: the website is outside its working intervals (R5, R58).
    OutsideWorkingHours,
}

impl ModeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ModeReason::AgentAvailable => "agent_available",
            ModeReason::AllAgentsBusy => "all_agents_busy",
            ModeReason::NoAgentAvailable => "no_agent_available",
            ModeReason::QueueClosed => "queue_closed",
            ModeReason::OutsideWorkingHours => "outside_working_hours",
        }
    }
}

impl fmt::Display for ModeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// R30: what a queue's members can take right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staffing {
    /// At least one member is Available, connected and below capacity (an offer it holds
    /// does not count against it).
    Eligible,
    /// Members are Available, but every one is at capacity or reconnecting.
    AllBusy,
    /// No member is Available (Away, RONA, offline, or not signed in).
    NoneAvailable,
}

/// R30: a queue's staffing from each member's routing status and whether its agent last said
/// it has room (Available, connected, below capacity). The routing status alone cannot tell
/// "at capacity" from "holding an offer", which is why both are needed.
pub fn staffing(members: impl IntoIterator<Item = (Option<MemberStatus>, bool)>) -> Staffing {
    let mut any_busy = false;
    for (status, has_room) in members {
        match status {
            Some(MemberStatus::Ready) => return Staffing::Eligible,
            Some(MemberStatus::Busy) if has_room => return Staffing::Eligible,
            Some(MemberStatus::Busy) => any_busy = true,
            Some(MemberStatus::Unavailable) | None => {}
        }
    }
    if any_busy {
        Staffing::AllBusy
    } else {
        Staffing::NoneAvailable
    }
}

/// The widget's mode and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WidgetState {
    pub mode: WidgetMode,
    pub reason: ModeReason,
}

impl WidgetState {
    /// R5: a chat may start unless the widget is offline; in `busy` it starts and waits.
    pub fn accepts_chats(self) -> bool {
        self.mode != WidgetMode::Offline
    }
}

/// R5, R29, R30, R31: the widget's mode. Outside the website's working hours or the queue's
/// opening hours it is offline; with nobody Available it is what the website says; with
/// everybody busy it is busy; otherwise online.
pub fn widget_mode(
    website_open: bool,
    queue_open: bool,
    staffing: Staffing,
    no_agent_mode: NoAgentMode,
) -> WidgetState {
    let (mode, reason) = if !website_open {
        (WidgetMode::Offline, ModeReason::OutsideWorkingHours)
    } else if !queue_open {
        (WidgetMode::Offline, ModeReason::QueueClosed)
    } else {
        match staffing {
            Staffing::Eligible => (WidgetMode::Online, ModeReason::AgentAvailable),
            Staffing::AllBusy => (WidgetMode::Busy, ModeReason::AllAgentsBusy),
            Staffing::NoneAvailable => match no_agent_mode {
                NoAgentMode::Busy => (WidgetMode::Busy, ModeReason::NoAgentAvailable),
                NoAgentMode::Offline => (WidgetMode::Offline, ModeReason::NoAgentAvailable),
            },
        }
    };
    WidgetState { mode, reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MemberStatus::{Busy, Ready, Unavailable};

    #[test]
    fn a_ready_member_or_one_only_holding_an_offer_makes_the_queue_eligible_r30() {
        assert_eq!(staffing([(Some(Ready), true)]), Staffing::Eligible);
        // Busy with room: Available and below capacity, an offer pending.
        assert_eq!(
            staffing([(Some(Unavailable), false), (Some(Busy), true)]),
            Staffing::Eligible
        );
    }

    #[test]
    fn members_at_capacity_or_reconnecting_are_all_busy_r26_r30() {
        assert_eq!(
            staffing([
                (Some(Busy), false),
                (Some(Unavailable), false),
                (None, false)
            ]),
            Staffing::AllBusy
        );
    }

    #[test]
    fn nobody_available_when_all_are_away_rona_offline_or_absent_r31() {
        assert_eq!(
            staffing([(Some(Unavailable), false), (None, false)]),
            Staffing::NoneAvailable
        );
        assert_eq!(staffing([]), Staffing::NoneAvailable);
    }

    #[test]
    fn hours_come_first_website_then_queue_r5_r29() {
        for staffing in [
            Staffing::Eligible,
            Staffing::AllBusy,
            Staffing::NoneAvailable,
        ] {
            let state = widget_mode(false, false, staffing, NoAgentMode::Busy);
            assert_eq!(
                (state.mode, state.reason),
                (WidgetMode::Offline, ModeReason::OutsideWorkingHours)
            );
            let state = widget_mode(true, false, staffing, NoAgentMode::Busy);
            assert_eq!(
                (state.mode, state.reason),
                (WidgetMode::Offline, ModeReason::QueueClosed)
            );
            assert!(!state.accepts_chats());
        }
    }

    #[test]
    fn an_eligible_member_makes_it_online_and_all_busy_makes_it_busy_r30() {
        let online = widget_mode(true, true, Staffing::Eligible, NoAgentMode::Offline);
        assert_eq!(
            (online.mode, online.reason),
            (WidgetMode::Online, ModeReason::AgentAvailable)
        );
        let busy = widget_mode(true, true, Staffing::AllBusy, NoAgentMode::Offline);
        assert_eq!(
            (busy.mode, busy.reason),
            (WidgetMode::Busy, ModeReason::AllAgentsBusy)
        );
        assert!(online.accepts_chats() && busy.accepts_chats());
    }

    #[test]
    fn nobody_available_follows_the_websites_no_agent_mode_r31() {
        let busy = widget_mode(true, true, Staffing::NoneAvailable, NoAgentMode::Busy);
        assert_eq!(
            (busy.mode, busy.reason),
            (WidgetMode::Busy, ModeReason::NoAgentAvailable)
        );
        assert!(busy.accepts_chats());
        let offline = widget_mode(true, true, Staffing::NoneAvailable, NoAgentMode::Offline);
        assert_eq!(
            (offline.mode, offline.reason),
            (WidgetMode::Offline, ModeReason::NoAgentAvailable)
        );
        assert!(!offline.accepts_chats());
    }

    #[test]
    fn no_agent_mode_is_stored_as_its_name_r31() {
        for mode in [NoAgentMode::Busy, NoAgentMode::Offline] {
            assert_eq!(NoAgentMode::from_stored(mode.as_str()), Some(mode));
        }
        assert_eq!(NoAgentMode::from_stored("online"), None);
        assert_eq!(NoAgentMode::default(), NoAgentMode::Busy);
    }
}
