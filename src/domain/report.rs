//! Reports for supervisors (issue 9; R71, R87, R91): for a chosen period, chat requests per
//! hour of the day and per day, wait-time percentiles (request → first agent accepted), the
//! share of each outcome, and per-agent handled chats and handle time.
//!
//! The numbers are computed here, in Rust, from plain facts read from the store, so both
//! backends give the same answer (SQL percentiles and time-zone bucketing differ between
//! SQLite and PostgreSQL). Days and hours are those of the time zone the supervisor chose.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;

use super::chat::Disposition;
use super::ids::UserId;

/// The longest period one report covers, in days.
pub const MAX_DAYS: i64 = 366;

/// Why a report's period cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodError {
    /// `from` or `to` is not a date written `YYYY-MM-DD`.
    BadDate(&'static str),
    Reversed,
    TooLong,
    UnknownTimeZone,
}

impl std::fmt::Display for PeriodError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PeriodError::BadDate(field) => write!(f, "{field} must be a date written YYYY-MM-DD"),
            PeriodError::Reversed => write!(f, "from must not be after to"),
            PeriodError::TooLong => write!(f, "a report covers at most {MAX_DAYS} days"),
            PeriodError::UnknownTimeZone => write!(f, "unknown time zone"),
        }
    }
}

/// Whole days `from`..=`to` in a time zone.
#[derive(Debug, Clone)]
pub struct Period {
    pub from: Date,
    pub to: Date,
    pub zone: TimeZone,
    pub zone_name: String,
    /// The first instant of `from` in the zone.
    pub start_ms: i64,
    /// The first instant after `to` in the zone.
    pub end_ms: i64,
}

impl Period {
    /// Reads `from` and `to` (dates, both included) in the IANA zone `zone` (e.g.
    /// `Europe/Prague`; empty means UTC).
    pub fn parse(from: &str, to: &str, zone: &str) -> Result<Period, PeriodError> {
        let zone_name = match zone.trim() {
            "" => "UTC",
            name => name,
        };
        let tz = TimeZone::get(zone_name).map_err(|_| PeriodError::UnknownTimeZone)?;
        let from_date: Date = from
            .trim()
            .parse()
            .map_err(|_| PeriodError::BadDate("from"))?;
        let to_date: Date = to.trim().parse().map_err(|_| PeriodError::BadDate("to"))?;
        if from_date > to_date {
            return Err(PeriodError::Reversed);
        }
        let days = from_date
            .until((jiff::Unit::Day, to_date))
            .map_err(|_| PeriodError::TooLong)?
            .get_days();
        if i64::from(days) >= MAX_DAYS {
            return Err(PeriodError::TooLong);
        }
        let after = to_date
            .checked_add(1.day())
            .map_err(|_| PeriodError::BadDate("to"))?;
        let start = from_date
            .to_zoned(tz.clone())
            .map_err(|_| PeriodError::BadDate("from"))?;
        let end = after
            .to_zoned(tz.clone())
            .map_err(|_| PeriodError::BadDate("to"))?;
        Ok(Period {
            from: from_date,
            to: to_date,
            zone: tz,
            zone_name: zone_name.to_owned(),
            start_ms: start.timestamp().as_millisecond(),
            end_ms: end.timestamp().as_millisecond(),
        })
    }

    /// Every day of the period, in order.
    pub fn days(&self) -> Vec<Date> {
        self.from
            .series(1.day())
            .take_while(|d| *d <= self.to)
            .collect()
    }

    /// The local day and hour of an instant.
    fn local(&self, at_ms: i64) -> Option<(Date, i8)> {
        let zoned = Timestamp::from_millisecond(at_ms)
            .ok()?
            .to_zoned(self.zone.clone());
        Some((zoned.date(), zoned.hour()))
    }
}

/// One chat request as the report needs it (read from the `chats` table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatFact {
    pub requested_at_ms: i64,
    pub accepted_at_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
    pub disposition: Option<Disposition>,
    /// The agent who accepted it (the owner).
    pub agent: Option<UserId>,
}

/// What became of one interaction (R75, R76, R80, R91); the shares add up to the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// An agent accepted it, and it did not end by the unattended timeout.
    Answered,
    /// An agent accepted it, and nobody wrote until the unattended timeout closed it (R80).
    Timeout,
    /// Nobody accepted it inside the working intervals (R76).
    Unmanaged,
    /// Outside the working intervals or over the session cap: an offline message (R75).
    Offline,
    /// The visitor left (or was banned) before any agent accepted.
    Abandoned,
    /// Still waiting for an agent.
    Waiting,
}

/// R91: the outcome of a chat request.
pub fn outcome(chat: &ChatFact) -> Outcome {
    match (chat.accepted_at_ms, chat.disposition) {
        (Some(_), Some(Disposition::Timeout)) => Outcome::Timeout,
        (Some(_), _) => Outcome::Answered,
        (None, Some(Disposition::Unmanaged)) => Outcome::Unmanaged,
        (None, Some(Disposition::Offline)) => Outcome::Offline,
        (None, Some(_)) => Outcome::Abandoned,
        (None, None) if chat.ended_at_ms.is_some() => Outcome::Abandoned,
        (None, None) => Outcome::Waiting,
    }
}

/// The value below which `p` percent of the sorted `values` lie (nearest rank); `None` for no
/// values.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (u64::from(p.min(100)) * n as u64).div_ceil(100).max(1) as usize;
    sorted.get(rank.min(n) - 1).copied()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HourCount {
    pub hour: u8,
    pub chats: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayCount {
    /// `YYYY-MM-DD` in the report's zone.
    pub date: String,
    pub chats: u32,
}

/// R19: how long visitors waited for the first agent, of the chats an agent accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WaitTimes {
    pub answered: u32,
    pub p50_ms: Option<i64>,
    pub p90_ms: Option<i64>,
    pub p99_ms: Option<i64>,
    pub average_ms: Option<i64>,
    pub longest_ms: Option<i64>,
}

/// How many interactions had each outcome; `total` is their sum.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcomes {
    pub total: u32,
    pub answered: u32,
    pub timeout: u32,
    pub unmanaged: u32,
    pub offline: u32,
    pub abandoned: u32,
    pub waiting: u32,
}

/// R91: who ended the chats that were accepted and are over.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EndReasons {
    pub visitor_ended: u32,
    pub agent_ended: u32,
    pub timeout: u32,
    pub banned: u32,
}

/// One agent's work: the chats it accepted and how long they lasted once accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentWork {
    pub agent_id: UserId,
    pub name: String,
    /// Chats the agent accepted (as their owner).
    pub handled: u32,
    /// Of those, the ones that are over (handle time is known).
    pub ended: u32,
    pub total_handle_ms: i64,
    pub average_handle_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    /// Chat requests by hour of the day (0–23), every hour listed.
    pub per_hour: Vec<HourCount>,
    /// Chat requests per day of the period, every day listed.
    pub per_day: Vec<DayCount>,
    pub wait: WaitTimes,
    pub outcomes: Outcomes,
    pub end_reasons: EndReasons,
    /// Agents who accepted a chat, most chats first.
    pub agents: Vec<AgentWork>,
}

/// Builds the report of `period` from the chat requests made in it, the offline messages
/// left in it (their request times) and the names of agents.
pub fn build(
    period: &Period,
    chats: &[ChatFact],
    offline_at_ms: &[i64],
    agent_names: &HashMap<UserId, String>,
) -> Report {
    let in_period = |at: i64| at >= period.start_ms && at < period.end_ms;
    let days = period.days();
    let day_index: HashMap<Date, usize> = days.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let mut per_hour = [0u32; 24];
    let mut per_day = vec![0u32; days.len()];
    let mut waits = Vec::new();
    let mut outcomes = Outcomes::default();
    let mut ends = EndReasons::default();
    let mut work: HashMap<UserId, (u32, u32, i64)> = HashMap::new();
    for chat in chats.iter().filter(|c| in_period(c.requested_at_ms)) {
        if let Some((date, hour)) = period.local(chat.requested_at_ms) {
            per_hour[hour.clamp(0, 23) as usize] += 1;
            if let Some(i) = day_index.get(&date) {
                per_day[*i] += 1;
            }
        }
        count(&mut outcomes, outcome(chat));
        let Some(accepted) = chat.accepted_at_ms else {
            continue;
        };
        waits.push((accepted - chat.requested_at_ms).max(0));
        match chat.disposition {
            Some(Disposition::VisitorEnded) => ends.visitor_ended += 1,
            Some(Disposition::AgentEnded) => ends.agent_ended += 1,
            Some(Disposition::Timeout) => ends.timeout += 1,
            Some(Disposition::Banned) => ends.banned += 1,
            _ => {}
        }
        if let Some(agent) = chat.agent {
            let entry = work.entry(agent).or_default();
            entry.0 += 1;
            if let Some(ended) = chat.ended_at_ms {
                entry.1 += 1;
                entry.2 += (ended - accepted).max(0);
            }
        }
    }
    for _ in offline_at_ms.iter().filter(|at| in_period(**at)) {
        count(&mut outcomes, Outcome::Offline);
    }
    waits.sort_unstable();
    let wait = WaitTimes {
        answered: waits.len() as u32,
        p50_ms: percentile(&waits, 50),
        p90_ms: percentile(&waits, 90),
        p99_ms: percentile(&waits, 99),
        average_ms: average(waits.iter().sum(), waits.len() as u32),
        longest_ms: waits.last().copied(),
    };
    let mut agents: Vec<AgentWork> = work
        .into_iter()
        .map(|(agent_id, (handled, ended, total))| AgentWork {
            agent_id,
            name: agent_names.get(&agent_id).cloned().unwrap_or_default(),
            handled,
            ended,
            total_handle_ms: total,
            average_handle_ms: average(total, ended),
        })
        .collect();
    agents.sort_by(|a, b| {
        b.handled
            .cmp(&a.handled)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.agent_id.cmp(&b.agent_id))
    });
    Report {
        from: period.from.to_string(),
        to: period.to.to_string(),
        time_zone: period.zone_name.clone(),
        per_hour: per_hour
            .iter()
            .enumerate()
            .map(|(hour, chats)| HourCount {
                hour: hour as u8,
                chats: *chats,
            })
            .collect(),
        per_day: days
            .iter()
            .zip(per_day)
            .map(|(date, chats)| DayCount {
                date: date.to_string(),
                chats,
            })
            .collect(),
        wait,
        outcomes,
        end_reasons: ends,
        agents,
    }
}

fn count(outcomes: &mut Outcomes, outcome: Outcome) {
    outcomes.total += 1;
    let slot = match outcome {
        Outcome::Answered => &mut outcomes.answered,
        Outcome::Timeout => &mut outcomes.timeout,
        Outcome::Unmanaged => &mut outcomes.unmanaged,
        Outcome::Offline => &mut outcomes.offline,
        Outcome::Abandoned => &mut outcomes.abandoned,
        Outcome::Waiting => &mut outcomes.waiting,
    };
    *slot += 1;
}

/// The rounded mean of `count` values summing to `total`; `None` for none.
fn average(total: i64, count: u32) -> Option<i64> {
    (count > 0).then(|| (total + i64::from(count) / 2) / i64::from(count))
}

/// The numbers behind every chart as CSV, one labelled section after another (a blank line
/// between sections).
pub fn to_csv(report: &Report) -> String {
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let escaped: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&escaped.join(","));
        out.push_str("\r\n");
    };
    let s = |v: &str| v.to_owned();
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    line(&[s("Report"), s("from"), s("to"), s("time zone")]);
    line(&[
        s("period"),
        report.from.clone(),
        report.to.clone(),
        report.time_zone.clone(),
    ]);
    line(&[]);
    line(&[s("Chats per hour"), s("hour"), s("chats")]);
    for h in &report.per_hour {
        line(&[s(""), format!("{:02}:00", h.hour), h.chats.to_string()]);
    }
    line(&[]);
    line(&[s("Chats per day"), s("date"), s("chats")]);
    for d in &report.per_day {
        line(&[s(""), d.date.clone(), d.chats.to_string()]);
    }
    line(&[]);
    let w = &report.wait;
    line(&[s("Wait time"), s("measure"), s("milliseconds")]);
    line(&[s(""), s("answered chats"), w.answered.to_string()]);
    for (name, value) in [
        ("p50", w.p50_ms),
        ("p90", w.p90_ms),
        ("p99", w.p99_ms),
        ("average", w.average_ms),
        ("longest", w.longest_ms),
    ] {
        line(&[s(""), s(name), opt(value)]);
    }
    line(&[]);
    let o = &report.outcomes;
    line(&[s("Outcomes"), s("outcome"), s("count"), s("percent")]);
    for (name, value) in [
        ("answered", o.answered),
        ("timeout", o.timeout),
        ("unmanaged", o.unmanaged),
        ("offline", o.offline),
        ("abandoned", o.abandoned),
        ("waiting", o.waiting),
        ("total", o.total),
    ] {
        line(&[s(""), s(name), value.to_string(), percent(value, o.total)]);
    }
    line(&[]);
    let e = &report.end_reasons;
    line(&[s("End reasons"), s("reason"), s("count")]);
    for (name, value) in [
        ("visitor_ended", e.visitor_ended),
        ("agent_ended", e.agent_ended),
        ("timeout", e.timeout),
        ("banned", e.banned),
    ] {
        line(&[s(""), s(name), value.to_string()]);
    }
    line(&[]);
    line(&[
        s("Agents"),
        s("agent id"),
        s("name"),
        s("handled"),
        s("ended"),
        s("total handle ms"),
        s("average handle ms"),
    ]);
    for a in &report.agents {
        line(&[
            s(""),
            a.agent_id.0.to_string(),
            a.name.clone(),
            a.handled.to_string(),
            a.ended.to_string(),
            a.total_handle_ms.to_string(),
            opt(a.average_handle_ms),
        ]);
    }
    out
}

/// `value` of `total` in percent with one decimal.
fn percent(value: u32, total: u32) -> String {
    match total {
        0 => "0.0".to_owned(),
        total => format!("{:.1}", f64::from(value) * 100.0 / f64::from(total)),
    }
}

/// A CSV cell: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-` or
/// `@` is neutralised so a spreadsheet does not run it as a formula.
fn csv_cell(raw: &str) -> String {
    let text = match raw.chars().next() {
        Some('=' | '+' | '-' | '@') => format!("'{raw}"),
        _ => raw.to_owned(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(rfc3339: &str) -> i64 {
        rfc3339
            .parse::<Timestamp>()
            .expect("timestamp")
            .as_millisecond()
    }

    fn chat(requested: &str, wait_s: Option<i64>, handle_s: Option<i64>) -> ChatFact {
        let requested_at_ms = ms(requested);
        let accepted_at_ms = wait_s.map(|w| requested_at_ms + w * 1000);
        ChatFact {
            requested_at_ms,
            accepted_at_ms,
            ended_at_ms: match (accepted_at_ms, handle_s) {
                (Some(a), Some(h)) => Some(a + h * 1000),
                _ => None,
            },
            disposition: handle_s.map(|_| Disposition::VisitorEnded),
            agent: wait_s.map(|_| UserId(1)),
        }
    }

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&values, 50), Some(50));
        assert_eq!(percentile(&values, 90), Some(90));
        assert_eq!(percentile(&values, 99), Some(99));
        assert_eq!(percentile(&[7], 99), Some(7));
        assert_eq!(percentile(&[1, 2, 3], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4], 0), Some(1));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn a_period_is_whole_local_days_and_is_checked() {
        let p = Period::parse("2026-03-01", "2026-03-02", "Europe/Prague").expect("period");
        assert_eq!(p.start_ms, ms("2026-02-28T23:00:00Z"));
        assert_eq!(p.end_ms, ms("2026-03-02T23:00:00Z"));
        assert_eq!(p.days().len(), 2);
        let utc = Period::parse("2026-03-01", "2026-03-01", "").expect("utc");
        assert_eq!(utc.zone_name, "UTC");
        assert_eq!(utc.end_ms - utc.start_ms, 86_400_000);
        assert_eq!(
            Period::parse("2026-03-02", "2026-03-01", "UTC").unwrap_err(),
            PeriodError::Reversed
        );
        assert_eq!(
            Period::parse("yesterday", "2026-03-01", "UTC").unwrap_err(),
            PeriodError::BadDate("from")
        );
        assert_eq!(
            Period::parse("2026-03-01", "2026-03-01", "Mars/Olympus").unwrap_err(),
            PeriodError::UnknownTimeZone
        );
        assert_eq!(
            Period::parse("2025-01-01", "2026-01-02", "UTC").unwrap_err(),
            PeriodError::TooLong
        );
        assert!(Period::parse("2025-01-01", "2026-01-01", "UTC").is_ok());
    }

    #[test]
    fn a_dst_day_in_prague_has_23_hours_and_hours_are_local_a17() {
        // Summer time starts on 2026-03-29 in Prague: 02:00 becomes 03:00.
        let p = Period::parse("2026-03-29", "2026-03-29", "Europe/Prague").expect("period");
        assert_eq!(p.end_ms - p.start_ms, 23 * 3_600_000);
        let chats = [
            chat("2026-03-29T00:30:00Z", None, None), // 01:30 local (CET)
            chat("2026-03-29T01:30:00Z", None, None), // 03:30 local (CEST)
            chat("2026-03-29T22:30:00Z", None, None), // next day locally: outside
        ];
        let report = build(&p, &chats, &[], &HashMap::new());
        assert_eq!(report.per_hour[1].chats, 1);
        assert_eq!(report.per_hour[3].chats, 1);
        assert_eq!(report.per_hour.iter().map(|h| h.chats).sum::<u32>(), 2);
        assert_eq!(report.per_day[0].chats, 2);
    }

    #[test]
    fn outcomes_follow_the_disposition_r91() {
        let base = chat("2026-03-01T10:00:00Z", None, None);
        let with = |accepted: bool, ended: bool, d: Option<Disposition>| ChatFact {
            accepted_at_ms: accepted.then_some(base.requested_at_ms + 1),
            ended_at_ms: ended.then_some(base.requested_at_ms + 2),
            disposition: d,
            ..base.clone()
        };
        assert_eq!(
            outcome(&with(true, true, Some(Disposition::AgentEnded))),
            Outcome::Answered
        );
        assert_eq!(outcome(&with(true, false, None)), Outcome::Answered);
        assert_eq!(
            outcome(&with(true, true, Some(Disposition::Timeout))),
            Outcome::Timeout
        );
        assert_eq!(
            outcome(&with(false, true, Some(Disposition::Unmanaged))),
            Outcome::Unmanaged
        );
        assert_eq!(
            outcome(&with(false, true, Some(Disposition::VisitorEnded))),
            Outcome::Abandoned
        );
        assert_eq!(outcome(&with(false, false, None)), Outcome::Waiting);
    }

    #[test]
    fn a_report_counts_waits_shares_and_agent_work() {
        let p = Period::parse("2026-03-01", "2026-03-03", "UTC").expect("period");
        let mut unmanaged = chat("2026-03-02T09:10:00Z", None, None);
        unmanaged.ended_at_ms = Some(unmanaged.requested_at_ms + 60_000);
        unmanaged.disposition = Some(Disposition::Unmanaged);
        let mut by_two = chat("2026-03-03T14:00:00Z", Some(30), Some(100));
        by_two.agent = Some(UserId(2));
        by_two.disposition = Some(Disposition::AgentEnded);
        let chats = [
            chat("2026-03-01T09:00:00Z", Some(10), Some(300)),
            chat("2026-03-01T09:30:00Z", Some(20), Some(100)),
            chat("2026-03-01T10:00:00Z", Some(40), None),
            unmanaged,
            by_two,
            chat("2026-02-28T09:00:00Z", Some(1), Some(1)), // before the period
        ];
        let offline = [ms("2026-03-02T20:00:00Z"), ms("2026-03-04T00:00:00Z")];
        let names = HashMap::from([(UserId(1), "Ann".to_owned()), (UserId(2), "Bo".to_owned())]);
        let report = build(&p, &chats, &offline, &names);
        assert_eq!(report.per_hour[9].chats, 3);
        assert_eq!(report.per_hour[10].chats, 1);
        assert_eq!(report.per_hour[14].chats, 1);
        let days: Vec<(&str, u32)> = report
            .per_day
            .iter()
            .map(|d| (d.date.as_str(), d.chats))
            .collect();
        assert_eq!(
            days,
            vec![("2026-03-01", 3), ("2026-03-02", 1), ("2026-03-03", 1)]
        );
        assert_eq!(
            report.wait,
            WaitTimes {
                answered: 4,
                p50_ms: Some(20_000),
                p90_ms: Some(40_000),
                p99_ms: Some(40_000),
                average_ms: Some(25_000),
                longest_ms: Some(40_000),
            }
        );
        assert_eq!(
            report.outcomes,
            Outcomes {
                total: 6,
                answered: 4,
                unmanaged: 1,
                offline: 1,
                ..Outcomes::default()
            }
        );
        assert_eq!(report.end_reasons.visitor_ended, 2);
        assert_eq!(report.end_reasons.agent_ended, 1);
        let ann = &report.agents[0];
        assert_eq!(
            (
                ann.name.as_str(),
                ann.handled,
                ann.ended,
                ann.total_handle_ms
            ),
            ("Ann", 3, 2, 400_000)
        );
        assert_eq!(ann.average_handle_ms, Some(200_000));
        assert_eq!(report.agents[1].name, "Bo");
        assert_eq!(report.agents[1].average_handle_ms, Some(100_000));
    }

    #[test]
    fn the_csv_has_a_labelled_section_per_chart_and_escapes_cells() {
        let p = Period::parse("2026-03-01", "2026-03-01", "UTC").expect("period");
        let chats = [chat("2026-03-01T09:00:00Z", Some(10), Some(300))];
        let names = HashMap::from([(UserId(1), "=cmd(), \"x\"".to_owned())]);
        let csv = to_csv(&build(&p, &chats, &[], &names));
        for section in [
            "Chats per hour,hour,chats",
            "Chats per day,date,chats",
            "Wait time,measure,milliseconds",
            "Outcomes,outcome,count,percent",
            "End reasons,reason,count",
            "Agents,agent id,name",
        ] {
            assert!(csv.contains(section), "{section} in {csv}");
        }
        assert!(csv.contains(",09:00,1\r\n"));
        assert!(csv.contains(",2026-03-01,1\r\n"));
        assert!(csv.contains(",p50,10000\r\n"));
        assert!(csv.contains(",answered,1,100.0\r\n"));
        assert!(csv.contains(",1,\"'=cmd(), \"\"x\"\"\",1,1,300000,300000\r\n"));
    }
}
