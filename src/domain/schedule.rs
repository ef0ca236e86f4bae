//! Weekly schedules in an IANA time zone: a queue's opening hours (R29) and a website's working
//! intervals (R58), both evaluated on the server in the zone they name (A17).
//!
//! A schedule is either *always open* or a list of ranges, each "these weekdays, from this local
//! time to that local time". The rules, chosen here and documented in `docs/protocol.md`:
//!
//! * Times are local wall-clock times `HH:MM`; `24:00` is allowed as an end (midnight after).
//! * An end earlier than its start crosses midnight: `fri 22:00–02:00` runs until Saturday
//!   02:00; `sun 22:00–02:00` until Monday 02:00. An end equal to its start is refused; a whole
//!   day is `00:00–24:00`.
//! * Ranges may touch (`09:00–12:00` and `12:00–17:00` is one stretch) but not overlap.
//! * **Daylight saving.** A boundary takes effect the first time the local clock reaches it on
//!   that day. So `09:00–17:00` is 09:00 to 17:00 local on every day, 8 hours of local time,
//!   DST-change days included. A boundary inside a *skipped* hour (02:30 when clocks jump from
//!   02:00 to 03:00) takes effect at the jump, when the clock first shows a later time; a range
//!   lying wholly inside a skipped hour does not happen that day. A boundary inside a
//!   *repeated* hour (01:30 when clocks fall back from 02:00 to 01:00) takes effect at its first
//!   occurrence; the second pass through the repeated hour changes nothing.

use std::fmt;

use jiff::civil::{Date, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use super::RuleError;

const MINUTES_PER_DAY: u16 = 24 * 60;
const MINUTES_PER_WEEK: u32 = 7 * MINUTES_PER_DAY as u32;
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const FULL_DAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The JSON form of a schedule, as clients send it and as it is stored:
/// `{"always_open": true}` or `{"time_zone": "Europe/Prague", "ranges": [{"days": ["mon"],
/// "start": "09:00", "end": "17:00"}]}`. Parse it with [`Schedule::parse`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleForm {
    #[serde(default, skip_serializing_if = "is_false")]
    pub always_open: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<RangeForm>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// One range of a schedule's JSON form: weekdays (`mon`…`sun`, or full English names, any
/// case) and local `HH:MM` times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeForm {
    pub days: Vec<String>,
    pub start: String,
    pub end: String,
}

/// A weekday, Monday first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(u8);

impl Day {
    fn parse(raw: &str) -> Result<Day, RuleError> {
        let name = raw.trim().to_ascii_lowercase();
        DAY_NAMES
            .iter()
            .position(|d| *d == name)
            .or_else(|| FULL_DAY_NAMES.iter().position(|d| *d == name))
            .map(|i| Day(i as u8))
            .ok_or(RuleError::InvalidWeekday)
    }

    fn name(self) -> &'static str {
        DAY_NAMES[usize::from(self.0)]
    }

    fn of(date: Date) -> Day {
        Day(date.weekday().to_monday_zero_offset() as u8)
    }
}

/// A local time of day in whole minutes, 0 (00:00) to 1440 (24:00, only as an end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Minute(u16);

impl Minute {
    fn parse(raw: &str, is_end: bool) -> Result<Minute, RuleError> {
        let bytes = raw.as_bytes();
        let digits_ok = bytes.len() == 5
            && bytes[2] == b':'
            && [0, 1, 3, 4].iter().all(|&i| bytes[i].is_ascii_digit());
        if !digits_ok {
            return Err(RuleError::InvalidTime);
        }
        let number = |i: usize| u16::from(bytes[i] - b'0') * 10 + u16::from(bytes[i + 1] - b'0');
        let (hour, minute) = (number(0), number(3));
        let valid = (hour < 24 && minute < 60) || (is_end && hour == 24 && minute == 0);
        if !valid {
            return Err(RuleError::InvalidTime);
        }
        Ok(Minute(hour * 60 + minute))
    }
}

impl fmt::Display for Minute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// One range as given: its days and local start and end.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Range {
    days: Vec<Day>,
    start: Minute,
    end: Minute,
}

impl Range {
    /// Minutes from the start to the end, crossing midnight if the end is not after the start.
    fn length(&self) -> u16 {
        if self.end > self.start {
            self.end.0 - self.start.0
        } else {
            self.end.0 + MINUTES_PER_DAY - self.start.0
        }
    }
}

#[derive(Debug, Clone)]
enum Kind {
    Always,
    Weekly {
        /// The zone's IANA name, as the time-zone database spells it.
        zone_name: String,
        zone: TimeZone,
        ranges: Vec<Range>,
    },
}

/// R29, R58: a weekly schedule, always open or open in ranges of local time in one zone.
#[derive(Debug, Clone)]
pub struct Schedule {
    kind: Kind,
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Schedule) -> bool {
        self.to_form() == other.to_form()
    }
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule::always_open()
    }
}

impl Schedule {
    /// More ranges than any real week needs; keeps evaluation cheap whatever a client sends.
    pub const MAX_RANGES: usize = 50;

    /// R29, R58: the default, 24/7.
    pub fn always_open() -> Schedule {
        Schedule { kind: Kind::Always }
    }

    pub fn is_always_open(&self) -> bool {
        matches!(self.kind, Kind::Always)
    }

    /// Parses and checks a schedule's JSON form.
    pub fn parse(form: &ScheduleForm) -> Result<Schedule, RuleError> {
        let zone = form
            .time_zone
            .as_deref()
            .map(|name| TimeZone::get(name.trim()).map_err(|_| RuleError::UnknownTimeZone))
            .transpose()?;
        if form.always_open {
            if !form.ranges.is_empty() {
                return Err(RuleError::AlwaysOpenWithRanges);
            }
            return Ok(Schedule::always_open());
        }
        if form.ranges.is_empty() {
            return Err(RuleError::NoTimeRanges);
        }
        if form.ranges.len() > Self::MAX_RANGES {
            return Err(RuleError::TooManyTimeRanges {
                max: Self::MAX_RANGES,
            });
        }
        // A zone is required with ranges: "09:00" means nothing without one.
        let (Some(zone), Some(raw_name)) = (zone, form.time_zone.as_deref()) else {
            return Err(RuleError::UnknownTimeZone);
        };
        let ranges = form
            .ranges
            .iter()
            .map(|range| {
                let days = range
                    .days
                    .iter()
                    .map(|d| Day::parse(d))
                    .collect::<Result<Vec<_>, _>>()?;
                let start = Minute::parse(range.start.trim(), false)?;
                let end = Minute::parse(range.end.trim(), true)?;
                if days.is_empty() || start == end {
                    return Err(RuleError::EmptyTimeRange);
                }
                Ok(Range { days, start, end })
            })
            .collect::<Result<Vec<_>, _>>()?;
        check_no_overlap(&ranges)?;
        let zone_name = zone.iana_name().unwrap_or(raw_name.trim()).to_owned();
        Ok(Schedule {
            kind: Kind::Weekly {
                zone_name,
                zone,
                ranges,
            },
        })
    }

    /// R58: a website's working intervals as stored in its own two columns: a zone and a list
    /// of ranges, where an empty list means Always.
    pub fn from_zone_and_ranges(
        time_zone: &str,
        ranges: Vec<RangeForm>,
    ) -> Result<Schedule, RuleError> {
        Schedule::parse(&ScheduleForm {
            always_open: ranges.is_empty(),
            time_zone: Some(time_zone.to_owned()),
            ranges,
        })
    }

    /// The JSON form, normalised: days as `mon`…`sun`, times as `HH:MM`, the zone's canonical
    /// name.
    pub fn to_form(&self) -> ScheduleForm {
        match &self.kind {
            Kind::Always => ScheduleForm {
                always_open: true,
                ..ScheduleForm::default()
            },
            Kind::Weekly {
                zone_name, ranges, ..
            } => ScheduleForm {
                always_open: false,
                time_zone: Some(zone_name.clone()),
                ranges: ranges
                    .iter()
                    .map(|r| RangeForm {
                        days: r.days.iter().map(|d| d.name().to_owned()).collect(),
                        start: r.start.to_string(),
                        end: r.end.to_string(),
                    })
                    .collect(),
            },
        }
    }

    /// R29, R58: is the schedule open at this instant (milliseconds since the epoch)?
    pub fn is_open_at(&self, at_ms: i64) -> bool {
        let Kind::Weekly { zone, ranges, .. } = &self.kind else {
            return true;
        };
        let Ok(at) = Timestamp::from_millisecond(at_ms) else {
            return false;
        };
        let today = zone.to_datetime(at).date();
        // A range started yesterday may still run; one "starting tomorrow" may already have
        // begun if a repeated hour makes the local date lag (first occurrences count).
        occurrences(zone, ranges, today, -1..=1).any(|(start, end)| start <= at && at < end)
    }

    /// The first instant after `at_ms` at which [`Schedule::is_open_at`] changes, for a timer;
    /// `None` if it never changes (always open, or ranges that cover the whole week).
    pub fn next_change_after(&self, at_ms: i64) -> Option<i64> {
        let Kind::Weekly { zone, ranges, .. } = &self.kind else {
            return None;
        };
        let at = Timestamp::from_millisecond(at_ms).ok()?;
        let open_now = self.is_open_at(at_ms);
        let today = zone.to_datetime(at).date();
        // The state only changes at a boundary; a week and a bit ahead holds every boundary
        // of the weekly pattern.
        let mut boundaries: Vec<i64> = occurrences(zone, ranges, today, -1..=8)
            .flat_map(|(start, end)| [start, end])
            .filter(|b| *b > at)
            .map(Timestamp::as_millisecond)
            .collect();
        boundaries.sort_unstable();
        boundaries.dedup();
        boundaries
            .into_iter()
            .find(|b| self.is_open_at(*b) != open_now)
    }
}

/// Something open at some instants and closed at others that can say when that changes next:
/// what the working-hours supervisor watches for each website (R58). [`Schedule`] is the one
/// the engine uses; a test can hand the supervisor a timetable whose boundaries lie
/// milliseconds apart, where a schedule's are whole minutes.
pub trait Timetable: fmt::Debug + Send + Sync {
    fn is_open_at(&self, at_ms: i64) -> bool;
    /// The first instant after `at_ms` at which `is_open_at` changes; `None` if it never does.
    fn next_change_after(&self, at_ms: i64) -> Option<i64>;
}

impl Timetable for Schedule {
    fn is_open_at(&self, at_ms: i64) -> bool {
        Schedule::is_open_at(self, at_ms)
    }

    fn next_change_after(&self, at_ms: i64) -> Option<i64> {
        Schedule::next_change_after(self, at_ms)
    }
}

impl Serialize for Schedule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_form().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Schedule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Schedule, D::Error> {
        let form = ScheduleForm::deserialize(deserializer)?;
        Schedule::parse(&form).map_err(serde::de::Error::custom)
    }
}

/// Refuses ranges that share a minute of the week (touching is fine).
fn check_no_overlap(ranges: &[Range]) -> Result<(), RuleError> {
    let mut pieces: Vec<(u32, u32)> = Vec::new();
    for range in ranges {
        for day in &range.days {
            let start = u32::from(day.0) * u32::from(MINUTES_PER_DAY) + u32::from(range.start.0);
            let end = start + u32::from(range.length());
            if end <= MINUTES_PER_WEEK {
                pieces.push((start, end));
            } else {
                // Sunday night into Monday morning wraps around the week.
                pieces.push((start, MINUTES_PER_WEEK));
                pieces.push((0, end - MINUTES_PER_WEEK));
            }
        }
    }
    pieces.sort_unstable();
    if pieces.windows(2).any(|pair| pair[0].1 > pair[1].0) {
        return Err(RuleError::OverlappingTimeRanges);
    }
    Ok(())
}

/// Every range occurrence that starts on a local date in `today + days`, as instants
/// `[start, end)`. A date or time the calendar cannot hold is skipped.
fn occurrences<'a>(
    zone: &'a TimeZone,
    ranges: &'a [Range],
    today: Date,
    days: std::ops::RangeInclusive<i64>,
) -> impl Iterator<Item = (Timestamp, Timestamp)> + 'a {
    days.filter_map(move |offset| today.checked_add(offset.days()).ok())
        .flat_map(move |date| {
            let day = Day::of(date);
            ranges
                .iter()
                .filter(move |range| range.days.contains(&day))
                .filter_map(move |range| {
                    let start = instant(zone, date, range.start.0)?;
                    let end = instant(zone, date, range.start.0 + range.length())?;
                    Some((start, end))
                })
        })
}

/// The first instant at which the local clock in `zone` reaches `minutes` after the start of
/// `date` (past 24:00 means the next day): in a skipped hour, the moment of the jump; in a
/// repeated hour, the first occurrence.
fn instant(zone: &TimeZone, date: Date, minutes: u16) -> Option<Timestamp> {
    let date = date
        .checked_add(i64::from(minutes / MINUTES_PER_DAY).days())
        .ok()?;
    let minute_of_day = minutes % MINUTES_PER_DAY;
    let time = Time::new((minute_of_day / 60) as i8, (minute_of_day % 60) as i8, 0, 0).ok()?;
    let local = date.to_datetime(time);
    match zone.to_ambiguous_timestamp(local).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(local).ok(),
        AmbiguousOffset::Fold { before, .. } => before.to_timestamp(local).ok(),
        AmbiguousOffset::Gap { after, .. } => {
            // Read with the later offset, the time lies before the jump; the jump is the
            // zone's next transition.
            let before_jump = after.to_timestamp(local).ok()?;
            zone.following(before_jump).next().map(|t| t.timestamp())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schedule(value: serde_json::Value) -> Schedule {
        let form: ScheduleForm = serde_json::from_value(value).unwrap();
        Schedule::parse(&form).unwrap()
    }

    fn refused(value: serde_json::Value) -> &'static str {
        let form: ScheduleForm = serde_json::from_value(value).unwrap();
        Schedule::parse(&form).unwrap_err().code()
    }

    fn ms(rfc3339: &str) -> i64 {
        rfc3339.parse::<Timestamp>().unwrap().as_millisecond()
    }

    fn weekdays_nine_to_five(zone: &str) -> Schedule {
        schedule(json!({
            "time_zone": zone,
            "ranges": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}]
        }))
    }

    fn sundays(zone: &str, start: &str, end: &str) -> Schedule {
        schedule(json!({
            "time_zone": zone,
            "ranges": [{"days": ["sun"], "start": start, "end": end}]
        }))
    }

    #[test]
    fn always_open_is_open_at_every_instant_and_never_changes_r29() {
        let always = Schedule::default();
        assert!(always.is_always_open());
        for at in [i64::MIN, 0, ms("2026-03-29T01:30:00Z"), i64::MAX] {
            assert!(always.is_open_at(at));
            assert_eq!(always.next_change_after(at), None);
        }
        assert_eq!(schedule(json!({"always_open": true})), always);
    }

    #[test]
    fn nine_to_five_on_weekdays_in_prague_r29_a17() {
        let hours = weekdays_nine_to_five("Europe/Prague");
        // Monday 2026-01-12, CET (UTC+1).
        assert!(!hours.is_open_at(ms("2026-01-12T07:59:59Z")));
        assert!(hours.is_open_at(ms("2026-01-12T08:00:00Z")));
        assert!(hours.is_open_at(ms("2026-01-12T15:59:59Z")));
        assert!(!hours.is_open_at(ms("2026-01-12T16:00:00Z")));
        assert_eq!(
            hours.next_change_after(ms("2026-01-12T08:00:00Z")),
            Some(ms("2026-01-12T16:00:00Z"))
        );
        // Saturday and Sunday are closed: from Friday's close to Monday's opening.
        assert!(!hours.is_open_at(ms("2026-01-17T10:00:00Z")));
        assert_eq!(
            hours.next_change_after(ms("2026-01-16T16:00:00Z")),
            Some(ms("2026-01-19T08:00:00Z"))
        );
    }

    #[test]
    fn a_range_is_eight_local_hours_on_dst_change_days_in_prague_a17() {
        let hours = sundays("Europe/Prague", "09:00", "17:00");
        // 2026-03-29: clocks jump 02:00 CET → 03:00 CEST. 09:00 CEST is 07:00 UTC.
        let opens = hours.next_change_after(ms("2026-03-28T12:00:00Z")).unwrap();
        assert_eq!(opens, ms("2026-03-29T07:00:00Z"));
        let closes = hours.next_change_after(opens).unwrap();
        assert_eq!(closes, ms("2026-03-29T15:00:00Z"));
        assert_eq!(closes - opens, 8 * 3_600_000);
        // 2026-10-25: clocks fall back 03:00 CEST → 02:00 CET. 09:00 CET is 08:00 UTC.
        let opens = hours.next_change_after(ms("2026-10-24T12:00:00Z")).unwrap();
        assert_eq!(opens, ms("2026-10-25T08:00:00Z"));
        assert_eq!(
            hours.next_change_after(opens),
            Some(ms("2026-10-25T16:00:00Z"))
        );
    }

    #[test]
    fn a_range_is_eight_local_hours_on_dst_change_days_in_new_york_a17() {
        let hours = schedule(json!({
            "time_zone": "America/New_York",
            "ranges": [{"days": ["sat", "sun"], "start": "09:00", "end": "17:00"}]
        }));
        // Saturday 2026-03-07 is EST (UTC-5); Sunday 2026-03-08 starts EDT (UTC-4) at 02:00.
        assert!(hours.is_open_at(ms("2026-03-07T14:00:00Z")));
        assert!(!hours.is_open_at(ms("2026-03-07T13:59:59Z")));
        assert!(hours.is_open_at(ms("2026-03-08T13:00:00Z")));
        assert!(!hours.is_open_at(ms("2026-03-08T12:59:59Z")));
        assert_eq!(
            hours.next_change_after(ms("2026-03-08T13:00:00Z")),
            Some(ms("2026-03-08T21:00:00Z"))
        );
        // Sunday 2026-11-01 falls back to EST at 02:00 EDT: 09:00 EST is 14:00 UTC.
        assert_eq!(
            hours.next_change_after(ms("2026-11-01T06:00:00Z")),
            Some(ms("2026-11-01T14:00:00Z"))
        );
        assert_eq!(
            hours.next_change_after(ms("2026-11-01T14:00:00Z")),
            Some(ms("2026-11-01T22:00:00Z"))
        );
    }

    /// Every change from `from` until `until`, found the way the working-hours supervisor
    /// finds them: read the state, then jump to the next change, again and again.
    fn changes(hours: &Schedule, from: &str, until: &str) -> Vec<(i64, bool)> {
        let (mut at, until) = (ms(from), ms(until));
        let mut open = hours.is_open_at(at);
        let mut seen = Vec::new();
        while let Some(next) = hours.next_change_after(at).filter(|next| *next < until) {
            assert!(next > at, "time moves forward");
            let now_open = hours.is_open_at(next);
            assert_ne!(now_open, open, "every boundary found is a change");
            seen.push((next, now_open));
            (at, open) = (next, now_open);
        }
        seen
    }

    #[test]
    fn following_the_boundaries_across_a_dst_change_r58_a17() {
        let hours = weekdays_nine_to_five("Europe/Prague");
        // Friday 2026-03-27 is CET (UTC+1); from Sunday 03-29 it is CEST (UTC+2).
        assert!(hours.is_open_at(ms("2026-03-27T12:00:00Z")));
        assert_eq!(
            changes(&hours, "2026-03-27T12:00:00Z", "2026-04-01T00:00:00Z"),
            vec![
                (ms("2026-03-27T16:00:00Z"), false),
                (ms("2026-03-30T07:00:00Z"), true),
                (ms("2026-03-30T15:00:00Z"), false),
                (ms("2026-03-31T07:00:00Z"), true),
                (ms("2026-03-31T15:00:00Z"), false),
            ]
        );
    }

    #[test]
    fn far_from_utc_the_local_weekday_decides_kiritimati_and_pago_pago_a17() {
        let kiritimati = sundays("Pacific/Kiritimati", "09:00", "17:00");
        let pago_pago = sundays("Pacific/Pago_Pago", "09:00", "17:00");
        // Sunday 2026-01-11 09:00 is Saturday 19:00 UTC on Kiritimati (UTC+14) and Sunday
        // 20:00 UTC in Pago Pago (UTC-11): the same local hour, 25 hours apart.
        assert_eq!(
            changes(&kiritimati, "2026-01-10T00:00:00Z", "2026-01-13T00:00:00Z"),
            vec![
                (ms("2026-01-10T19:00:00Z"), true),
                (ms("2026-01-11T03:00:00Z"), false),
            ]
        );
        assert_eq!(
            changes(&pago_pago, "2026-01-10T00:00:00Z", "2026-01-13T00:00:00Z"),
            vec![
                (ms("2026-01-11T20:00:00Z"), true),
                (ms("2026-01-12T04:00:00Z"), false),
            ]
        );
        // Sunday noon UTC: Monday 02:00 on Kiritimati, Sunday 01:00 in Pago Pago; both closed.
        let noon = ms("2026-01-11T12:00:00Z");
        assert!(!kiritimati.is_open_at(noon) && !pago_pago.is_open_at(noon));
        // Both open together for no instant of that week.
        assert!(!(0..24 * 7)
            .map(|hour| ms("2026-01-05T00:00:00Z") + hour * 3_600_000)
            .any(|at| kiritimati.is_open_at(at) && pago_pago.is_open_at(at)));
        // The supervisor's view through the trait is the same.
        let watched: &dyn Timetable = &kiritimati;
        assert_eq!(
            watched.next_change_after(noon),
            Some(ms("2026-01-17T19:00:00Z"))
        );
    }

    #[test]
    fn a_boundary_in_a_skipped_hour_takes_effect_at_the_jump_a17() {
        // Prague, 2026-03-29: local 02:00–03:00 does not exist; the jump is at 01:00 UTC.
        let hours = sundays("Europe/Prague", "02:30", "05:00");
        assert!(!hours.is_open_at(ms("2026-03-29T00:59:59Z")));
        assert_eq!(
            hours.next_change_after(ms("2026-03-28T20:00:00Z")),
            Some(ms("2026-03-29T01:00:00Z"))
        );
        assert!(hours.is_open_at(ms("2026-03-29T01:00:00Z")));
        // It closes at 05:00 CEST, 03:00 UTC: two hours of real time that night.
        assert_eq!(
            hours.next_change_after(ms("2026-03-29T01:00:00Z")),
            Some(ms("2026-03-29T03:00:00Z"))
        );
        // On an ordinary Sunday it opens at 02:30 CET.
        assert!(hours.is_open_at(ms("2026-03-22T01:30:00Z")));
        assert!(!hours.is_open_at(ms("2026-03-22T01:29:59Z")));
    }

    #[test]
    fn a_range_wholly_in_a_skipped_hour_does_not_happen_that_day_a17() {
        let hours = sundays("America/New_York", "02:10", "02:40");
        // 2026-03-08: New York skips 02:00–03:00 local (07:00 UTC).
        assert!(!hours.is_open_at(ms("2026-03-08T07:00:00Z")));
        assert!(!hours.is_open_at(ms("2026-03-08T06:30:00Z")));
        // The next opening is a week later, 02:10 EDT = 06:10 UTC.
        assert_eq!(
            hours.next_change_after(ms("2026-03-08T00:00:00Z")),
            Some(ms("2026-03-15T06:10:00Z"))
        );
    }

    #[test]
    fn a_boundary_in_a_repeated_hour_takes_effect_at_its_first_occurrence_a17() {
        // New York, 2026-11-01: 01:00–02:00 local happens twice (EDT, then EST from 06:00 UTC).
        let opening = sundays("America/New_York", "01:30", "08:00");
        assert!(!opening.is_open_at(ms("2026-11-01T05:29:59Z")));
        assert!(opening.is_open_at(ms("2026-11-01T05:30:00Z")));
        // The second 01:30 (06:30 UTC) changes nothing; it closes at 08:00 EST.
        assert_eq!(
            opening.next_change_after(ms("2026-11-01T05:30:00Z")),
            Some(ms("2026-11-01T13:00:00Z"))
        );

        let closing = sundays("America/New_York", "00:00", "01:30");
        assert!(closing.is_open_at(ms("2026-11-01T05:29:59Z")));
        assert!(!closing.is_open_at(ms("2026-11-01T05:30:00Z")));
        // Not open again when the clock reads 01:15 the second time (06:15 UTC).
        assert!(!closing.is_open_at(ms("2026-11-01T06:15:00Z")));
        assert_eq!(
            closing.next_change_after(ms("2026-11-01T05:30:00Z")),
            Some(ms("2026-11-08T05:00:00Z"))
        );

        // Prague, 2026-10-25: 02:00–03:00 local happens twice; 02:30 first is 00:30 UTC.
        let prague = sundays("Europe/Prague", "02:30", "04:00");
        assert_eq!(
            prague.next_change_after(ms("2026-10-24T22:00:00Z")),
            Some(ms("2026-10-25T00:30:00Z"))
        );
        assert_eq!(
            prague.next_change_after(ms("2026-10-25T00:30:00Z")),
            Some(ms("2026-10-25T03:00:00Z"))
        );
    }

    #[test]
    fn a_range_may_cross_midnight_and_the_end_of_the_week_r29() {
        let hours = schedule(json!({
            "time_zone": "UTC",
            "ranges": [
                {"days": ["fri"], "start": "22:00", "end": "02:00"},
                {"days": ["sun"], "start": "23:00", "end": "00:30"}
            ]
        }));
        // Friday 2026-01-16 22:00 until Saturday 02:00.
        assert!(hours.is_open_at(ms("2026-01-16T22:00:00Z")));
        assert!(hours.is_open_at(ms("2026-01-17T01:59:59Z")));
        assert!(!hours.is_open_at(ms("2026-01-17T02:00:00Z")));
        // Sunday 23:00 until Monday 00:30.
        assert!(hours.is_open_at(ms("2026-01-19T00:15:00Z")));
        assert_eq!(
            hours.next_change_after(ms("2026-01-18T23:00:00Z")),
            Some(ms("2026-01-19T00:30:00Z"))
        );
    }

    #[test]
    fn touching_ranges_are_one_stretch_and_a_full_week_never_changes_r29() {
        let split = schedule(json!({
            "time_zone": "UTC",
            "ranges": [
                {"days": ["mon"], "start": "09:00", "end": "12:00"},
                {"days": ["mon"], "start": "12:00", "end": "17:00"}
            ]
        }));
        assert!(split.is_open_at(ms("2026-01-12T12:00:00Z")));
        assert_eq!(
            split.next_change_after(ms("2026-01-12T09:00:00Z")),
            Some(ms("2026-01-12T17:00:00Z"))
        );

        let whole_week = schedule(json!({
            "time_zone": "Europe/Prague",
            "ranges": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "24:00"}]
        }));
        assert!(whole_week.is_open_at(ms("2026-03-29T01:30:00Z")));
        assert!(whole_week.is_open_at(ms("2026-10-25T00:30:00Z")));
        assert_eq!(
            whole_week.next_change_after(ms("2026-03-28T00:00:00Z")),
            None
        );
    }

    #[test]
    fn bad_schedules_are_refused_with_stable_codes_r29() {
        let range = |start: &str, end: &str| json!([{"days": ["mon"], "start": start, "end": end}]);
        let zoned = |ranges| json!({"time_zone": "Europe/Prague", "ranges": ranges});
        assert_eq!(
            refused(json!({"time_zone": "Mars/Olympus", "ranges": range("09:00", "17:00")})),
            "unknown_time_zone"
        );
        assert_eq!(
            refused(json!({"ranges": range("09:00", "17:00")})),
            "unknown_time_zone"
        );
        for (start, end) in [
            ("9:00", "17:00"),
            ("09:00", "25:00"),
            ("24:00", "17:00"),
            ("09:60", "17:00"),
            ("09:00", "24:01"),
            ("０9:00", "17:00"),
            ("", "17:00"),
        ] {
            assert_eq!(
                refused(zoned(range(start, end))),
                "invalid_time",
                "{start}-{end}"
            );
        }
        assert_eq!(
            refused(zoned(
                json!([{"days": ["funday"], "start": "09:00", "end": "17:00"}])
            )),
            "invalid_weekday"
        );
        assert_eq!(refused(zoned(range("09:00", "09:00"))), "empty_time_range");
        assert_eq!(
            refused(zoned(
                json!([{"days": [], "start": "09:00", "end": "17:00"}])
            )),
            "empty_time_range"
        );
        assert_eq!(
            refused(zoned(json!([
                {"days": ["mon"], "start": "09:00", "end": "12:00"},
                {"days": ["mon"], "start": "11:00", "end": "13:00"}
            ]))),
            "overlapping_time_ranges"
        );
        assert_eq!(
            refused(zoned(json!([
                {"days": ["sun"], "start": "22:00", "end": "02:00"},
                {"days": ["mon"], "start": "01:00", "end": "03:00"}
            ]))),
            "overlapping_time_ranges"
        );
        assert_eq!(
            refused(zoned(
                json!([{"days": ["mon", "Monday"], "start": "09:00", "end": "10:00"}])
            )),
            "overlapping_time_ranges"
        );
        assert_eq!(refused(zoned(json!([]))), "no_time_ranges");
        assert_eq!(refused(json!({})), "no_time_ranges");
        assert_eq!(
            refused(json!({"always_open": true, "ranges": range("09:00", "17:00")})),
            "always_open_with_ranges"
        );
        let many: Vec<_> = (0..51)
            .map(|i| json!({"days": ["mon"], "start": format!("{:02}:{:02}", i / 4, (i % 4) * 15), "end": "23:59"}))
            .collect();
        assert_eq!(refused(zoned(json!(many))), "too_many_time_ranges");
        assert!(serde_json::from_value::<ScheduleForm>(json!({"open": true})).is_err());
    }

    #[test]
    fn the_json_form_is_normalised_and_round_trips_r29() {
        let hours = schedule(json!({
            "time_zone": "europe/prague",
            "ranges": [{"days": ["Monday", "FRI"], "start": "08:30", "end": "24:00"}]
        }));
        let value = serde_json::to_value(&hours).unwrap();
        assert_eq!(
            value,
            json!({
                "time_zone": "Europe/Prague",
                "ranges": [{"days": ["mon", "fri"], "start": "08:30", "end": "24:00"}]
            })
        );
        let back: Schedule = serde_json::from_value(value).unwrap();
        assert_eq!(back, hours);
        assert_eq!(
            serde_json::to_value(Schedule::always_open()).unwrap(),
            json!({"always_open": true})
        );
        assert!(serde_json::from_value::<Schedule>(json!({"time_zone": "UTC"})).is_err());
    }

    #[test]
    fn website_columns_with_no_ranges_mean_always_r58() {
        assert!(Schedule::from_zone_and_ranges("UTC", Vec::new())
            .unwrap()
            .is_always_open());
        let ranges = vec![RangeForm {
            days: vec!["tue".into()],
            start: "10:00".into(),
            end: "11:00".into(),
        }];
        let hours = Schedule::from_zone_and_ranges("Europe/Prague", ranges).unwrap();
        assert!(hours.is_open_at(ms("2026-01-13T09:30:00Z")));
        assert_eq!(
            Schedule::from_zone_and_ranges("Nowhere/Land", Vec::new())
                .unwrap_err()
                .code(),
            "unknown_time_zone"
        );
    }
}
