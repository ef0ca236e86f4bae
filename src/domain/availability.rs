//! What the widget shows (R5, R30, R31, R59): live chat (`online`), live chat with a wait
//! (`busy`), or the offline form (`offline`), decided from the website's working hours and
//! session cap, its queue's opening hours and what the queue's members can take right now.

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
    /// `offline`: the website has its maximum of open chats (R5, R59, R75).
    WebsiteFull,
}

impl ModeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ModeReason::AgentAvailable => "agent_available",
            ModeReason::AllAgentsBusy => "all_agents_busy",
            ModeReason::NoAgentAvailable => "no_agent_available",
            ModeReason::QueueClosed => "queue_closed",
            ModeReason::OutsideWorkingHours => "outside_working_hours",
            ModeReason::WebsiteFull => "website_full",
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

/// R29, R30: what a website needs to know of its queue: is it open, and what can its members
/// take right now?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueAvailability {
    pub open: bool,
    pub staffing: Staffing,
}

impl QueueAvailability {
    /// What a website whose queue has no running actor (or has not reported yet) sees: closed.
    pub const NO_QUEUE: QueueAvailability = QueueAvailability {
        open: false,
        staffing: Staffing::NoneAvailable,
    };
}

/// R59: a website's open (queued or active) chats against its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sessions {
    pub open: u32,
    /// `max_concurrent_sessions`; 0 means no limit.
    pub max: u32,
}

impl Sessions {
    /// R59: the cap is reached: a new request is handled as offline (R75).
    pub fn is_full(self) -> bool {
        self.max > 0 && self.open >= self.max
    }
}

/// What the website itself contributes to its widget's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebsiteConditions {
    /// R58: inside the website's working intervals.
    pub in_working_hours: bool,
    pub sessions: Sessions,
    pub no_agent_mode: NoAgentMode,
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

/// R5, R29, R30, R31, R59, R75: the widget's mode. Offline outside the website's working
/// hours, with the website at its session cap, or outside the queue's opening hours (checked
/// in that order: the website's own conditions first); with nobody Available it is what the
/// website says; with everybody busy it is busy; otherwise online.
pub fn widget_mode(website: WebsiteConditions, queue: QueueAvailability) -> WidgetState {
    let (mode, reason) = if !website.in_working_hours {
        (WidgetMode::Offline, ModeReason::OutsideWorkingHours)
    } else if website.sessions.is_full() {
        (WidgetMode::Offline, ModeReason::WebsiteFull)
    } else if !queue.open {
        (WidgetMode::Offline, ModeReason::QueueClosed)
    } else {
        match queue.staffing {
            Staffing::Eligible => (WidgetMode::Online, ModeReason::AgentAvailable),
            Staffing::AllBusy => (WidgetMode::Busy, ModeReason::AllAgentsBusy),
            Staffing::NoneAvailable => match website.no_agent_mode {
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

    fn website(
        in_working_hours: bool,
        open: u32,
        max: u32,
        no_agent_mode: NoAgentMode,
    ) -> WebsiteConditions {
        WebsiteConditions {
            in_working_hours,
            sessions: Sessions { open, max },
            no_agent_mode,
        }
    }

    /// Inside working hours, below the cap, the given no-agent mode.
    fn open_website(no_agent_mode: NoAgentMode) -> WebsiteConditions {
        website(true, 0, 0, no_agent_mode)
    }

    fn queue(open: bool, staffing: Staffing) -> QueueAvailability {
        QueueAvailability { open, staffing }
    }

    fn pair(state: WidgetState) -> (WidgetMode, ModeReason) {
        (state.mode, state.reason)
    }

    #[test]
    fn hours_come_first_then_the_cap_then_the_queue_r5_r29_r59() {
        for staffing in [
            Staffing::Eligible,
            Staffing::AllBusy,
            Staffing::NoneAvailable,
        ] {
            let closed = website(false, 5, 5, NoAgentMode::Busy);
            assert_eq!(
                pair(widget_mode(closed, queue(false, staffing))),
                (WidgetMode::Offline, ModeReason::OutsideWorkingHours)
            );
            let full = website(true, 5, 5, NoAgentMode::Busy);
            assert_eq!(
                pair(widget_mode(full, queue(false, staffing))),
                (WidgetMode::Offline, ModeReason::WebsiteFull)
            );
            let state = widget_mode(open_website(NoAgentMode::Busy), queue(false, staffing));
            assert_eq!(pair(state), (WidgetMode::Offline, ModeReason::QueueClosed));
            assert!(!state.accepts_chats());
        }
    }

    #[test]
    fn the_session_cap_makes_the_widget_offline_only_when_reached_r59_r75() {
        let eligible = queue(true, Staffing::Eligible);
        let below = website(true, 2, 3, NoAgentMode::Busy);
        assert_eq!(
            pair(widget_mode(below, eligible)),
            (WidgetMode::Online, ModeReason::AgentAvailable)
        );
        for open in [3, 4] {
            let state = widget_mode(website(true, open, 3, NoAgentMode::Busy), eligible);
            assert_eq!(pair(state), (WidgetMode::Offline, ModeReason::WebsiteFull));
            assert!(!state.accepts_chats());
        }
        // 0 is no limit, however many chats are open.
        let unlimited = website(true, 10_000, 0, NoAgentMode::Busy);
        assert!(!unlimited.sessions.is_full());
        assert_eq!(widget_mode(unlimited, eligible).mode, WidgetMode::Online);
        // A cap of one: the first chat fills it, its end frees it.
        assert!(Sessions { open: 1, max: 1 }.is_full());
        assert!(!Sessions { open: 0, max: 1 }.is_full());
    }

    #[test]
    fn an_eligible_member_makes_it_online_and_all_busy_makes_it_busy_r30() {
        let online = widget_mode(
            open_website(NoAgentMode::Offline),
            queue(true, Staffing::Eligible),
        );
        assert_eq!(
            pair(online),
            (WidgetMode::Online, ModeReason::AgentAvailable)
        );
        let busy = widget_mode(
            open_website(NoAgentMode::Offline),
            queue(true, Staffing::AllBusy),
        );
        assert_eq!(pair(busy), (WidgetMode::Busy, ModeReason::AllAgentsBusy));
        assert!(online.accepts_chats() && busy.accepts_chats());
    }

    #[test]
    fn nobody_available_follows_the_websites_no_agent_mode_r31() {
        let nobody = queue(true, Staffing::NoneAvailable);
        let busy = widget_mode(open_website(NoAgentMode::Busy), nobody);
        assert_eq!(pair(busy), (WidgetMode::Busy, ModeReason::NoAgentAvailable));
        assert!(busy.accepts_chats());
        let offline = widget_mode(open_website(NoAgentMode::Offline), nobody);
        assert_eq!(
            pair(offline),
            (WidgetMode::Offline, ModeReason::NoAgentAvailable)
        );
        assert!(!offline.accepts_chats());
    }

    #[test]
    fn a_website_without_a_reporting_queue_is_offline_queue_closed_r29() {
        let state = widget_mode(open_website(NoAgentMode::Busy), QueueAvailability::NO_QUEUE);
        assert_eq!(pair(state), (WidgetMode::Offline, ModeReason::QueueClosed));
    }

    /// The mode through one day at instants the test chooses (the clock is an argument): a
    /// website on Kiritimati time (UTC+14) open Monday 09:00–17:00 local, with a cap of two.
    #[test]
    fn the_mode_follows_working_hours_and_the_cap_at_injected_times_r5_r58_r59_a17() {
        use super::super::schedule::{Schedule, ScheduleForm};
        let form: ScheduleForm = serde_json::from_value(serde_json::json!({
            "time_zone": "Pacific/Kiritimati",
            "ranges": [{"days": ["mon"], "start": "09:00", "end": "17:00"}]
        }))
        .unwrap();
        let hours = Schedule::parse(&form).unwrap();
        let ms = |at: &str| at.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        let mode_at = |at: &str, open_chats: u32| {
            let website = WebsiteConditions {
                in_working_hours: hours.is_open_at(ms(at)),
                sessions: Sessions {
                    open: open_chats,
                    max: 2,
                },
                no_agent_mode: NoAgentMode::Busy,
            };
            pair(widget_mode(website, queue(true, Staffing::Eligible)))
        };
        let online = (WidgetMode::Online, ModeReason::AgentAvailable);
        let outside = (WidgetMode::Offline, ModeReason::OutsideWorkingHours);
        let full = (WidgetMode::Offline, ModeReason::WebsiteFull);
        // Monday 2026-01-12 09:00 in Kiritimati is Sunday 19:00 UTC.
        assert_eq!(mode_at("2026-01-11T18:59:59Z", 0), outside);
        assert_eq!(mode_at("2026-01-11T19:00:00Z", 0), online);
        assert_eq!(mode_at("2026-01-11T19:00:00Z", 1), online);
        assert_eq!(mode_at("2026-01-11T19:00:00Z", 2), full);
        // Working hours win over the cap: after 17:00 local (03:00 UTC) it is just closed.
        assert_eq!(mode_at("2026-01-12T02:59:59Z", 2), full);
        assert_eq!(mode_at("2026-01-12T03:00:00Z", 2), outside);
        // Monday 10:00 UTC is already Tuesday in Kiritimati.
        assert_eq!(mode_at("2026-01-12T10:00:00Z", 0), outside);
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
