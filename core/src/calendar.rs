//! Working-day calendars per country and year, as data (WF-2).
//!
//! A calendar file (`core/calendars/*.toml`) names the weekend days and, per year,
//! the holidays (days off) and the working weekends (transferred working days).
//! Deadlines in working days count on it. Years the file does not cover fall back
//! to weekends only, and [`Calendar::covers`] tells the caller so.

use crate::{Error, ErrorCode};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    calendar: Header,
    #[serde(default)]
    years: Vec<YearFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    country: String,
    version: String,
    weekend: Vec<String>,
    #[serde(default)]
    transfer_weekend_holidays: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default)]
    working_days: Vec<String>,
}

/// A working-day calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    /// ISO country code.
    pub country: String,
    /// The file's version.
    pub version: String,
    weekend: [bool; 7],
    /// Per covered year, one bit per day of the year (bit set = working day).
    years: BTreeMap<i32, Vec<u64>>,
}

const KG: &str = include_str!("../calendars/kg.toml");
const RU: &str = include_str!("../calendars/ru.toml");

fn bad(reason: &str, field: String) -> Error {
    Error::new(ErrorCode::Profile, reason).with_field(field)
}

fn weekday(name: &str) -> Option<Weekday> {
    match name.to_ascii_lowercase().as_str() {
        "mon" => Some(Weekday::Mon),
        "tue" => Some(Weekday::Tue),
        "wed" => Some(Weekday::Wed),
        "thu" => Some(Weekday::Thu),
        "fri" => Some(Weekday::Fri),
        "sat" => Some(Weekday::Sat),
        "sun" => Some(Weekday::Sun),
        _ => None,
    }
}

impl Calendar {
    /// The shipped Kyrgyz calendar (2025-2027).
    pub fn kyrgyzstan() -> Result<Calendar, Error> {
        Calendar::from_toml(KG)
    }
    /// The shipped Russian calendar (2025-2027).
    pub fn russia() -> Result<Calendar, Error> {
        Calendar::from_toml(RU)
    }
    /// A shipped calendar by name: `kg` or `ru`.
    pub fn builtin(name: &str) -> Result<Calendar, Error> {
        match name {
            "kg" | "kyrgyzstan" => Calendar::kyrgyzstan(),
            "ru" | "russia" => Calendar::russia(),
            other => Err(bad("UNKNOWN_CODE", "calendar".into()).arg("code", other).arg("vocabulary", "calendar")),
        }
    }

    /// Parses and checks a calendar file: dates must be real, inside their year, not
    /// listed twice, not both a holiday and a working day, and a working day must be a weekend day.
    pub fn from_toml(text: &str) -> Result<Calendar, Error> {
        let file: File = crate::profile::text::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| text[..s.start.min(text.len())].lines().count().max(1));
            Error::new(ErrorCode::Profile, "PROFILE_SYNTAX")
                .arg("line", line)
                .arg("detail", e.message())
                .with_field(format!("line {line}"))
        })?;
        let mut weekend = [false; 7];
        for (i, w) in file.calendar.weekend.iter().enumerate() {
            let d =
                weekday(w).ok_or_else(|| bad("CALENDAR_BAD_DATE", format!("calendar.weekend[{i}]")).arg("value", w))?;
            weekend[d.num_days_from_monday() as usize] = true;
        }
        let mut years = BTreeMap::new();
        for (yi, y) in file.years.iter().enumerate() {
            let start = NaiveDate::from_ymd_opt(y.year, 1, 1)
                .ok_or_else(|| bad("CALENDAR_BAD_DATE", format!("years[{yi}].year")).arg("value", y.year))?;
            if years.contains_key(&y.year) {
                return Err(bad("CALENDAR_OVERLAP", format!("years[{yi}].year")).arg("value", y.year));
            }
            let days = if NaiveDate::from_ymd_opt(y.year, 2, 29).is_some() { 366 } else { 365 };
            let mut bits = vec![0u64; 6];
            for i in 0..days {
                let d = start + Duration::days(i);
                if !weekend[d.weekday().num_days_from_monday() as usize] {
                    bits[(i / 64) as usize] |= 1 << (i % 64);
                }
            }
            let parse = |list: &[String], name: &str| -> Result<Vec<NaiveDate>, Error> {
                let mut out = Vec::new();
                for (i, s) in list.iter().enumerate() {
                    let field = format!("years[{yi}].{name}[{i}]");
                    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map_err(|_| bad("CALENDAR_BAD_DATE", field.clone()).arg("value", s))?;
                    if d.year() != y.year {
                        return Err(bad("CALENDAR_BAD_DATE", field).arg("value", s));
                    }
                    if out.contains(&d) {
                        return Err(bad("CALENDAR_OVERLAP", field).arg("value", s));
                    }
                    out.push(d);
                }
                Ok(out)
            };
            let holidays = parse(&y.holidays, "holidays")?;
            let working = parse(&y.working_days, "working_days")?;
            for (i, d) in working.iter().enumerate() {
                let field = format!("years[{yi}].working_days[{i}]");
                if holidays.contains(d) {
                    return Err(bad("CALENDAR_OVERLAP", field).arg("value", d));
                }
                if !weekend[d.weekday().num_days_from_monday() as usize] {
                    return Err(bad("CALENDAR_BAD_DATE", field).arg("value", d));
                }
            }
            let mut set = |d: NaiveDate, working: bool| {
                let i = d.ordinal0() as usize;
                if working {
                    bits[i / 64] |= 1 << (i % 64);
                } else {
                    bits[i / 64] &= !(1 << (i % 64));
                }
            };
            for d in &holidays {
                set(*d, false);
            }
            for d in &working {
                set(*d, true);
            }
            if file.calendar.transfer_weekend_holidays {
                // A holiday on a weekend moves to the next working day (January excepted).
                for d in holidays.iter().filter(|d| d.month() != 1) {
                    if weekend[d.weekday().num_days_from_monday() as usize] {
                        let mut next = *d + Duration::days(1);
                        while next.year() == y.year
                            && (weekend[next.weekday().num_days_from_monday() as usize] || holidays.contains(&next))
                        {
                            next += Duration::days(1);
                        }
                        if next.year() == y.year {
                            set(next, false);
                        }
                    }
                }
            }
            years.insert(y.year, bits);
        }
        Ok(Calendar { country: file.calendar.country, version: file.calendar.version, weekend, years })
    }

    /// Whether the calendar has data for a year (otherwise only weekends count as days off).
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// Whether a date is a working day.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.years.get(&d.year()) {
            Some(bits) => {
                let i = d.ordinal0() as usize;
                bits[i / 64] & (1 << (i % 64)) != 0
            }
            None => !self.weekend[d.weekday().num_days_from_monday() as usize],
        }
    }

    /// The date `n` working days after `from` (the day of receipt does not count, as in
    /// "within 5 working days of receipt"); `n = 0` gives `from` itself if it is a
    /// working day, else the next working day.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        if n == 0 {
            while !self.is_working_day(d) {
                d = d.succ_opt().unwrap_or(d);
                if d == NaiveDate::MAX {
                    break;
                }
            }
            return d;
        }
        let mut left = n;
        while left > 0 {
            match d.succ_opt() {
                Some(next) => d = next,
                None => return NaiveDate::MAX,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days after `from` up to and including `to` (negative when `to` is earlier).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (a, b, sign) = if from <= to { (from, to, 1) } else { (to, from, -1) };
        let mut n = 0i64;
        let mut d = a;
        while d < b {
            d = d.succ_opt().unwrap_or(b);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        sign * n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn kyrgyz_holidays_without_transfer() {
        let kg = Calendar::kyrgyzstan().unwrap();
        assert!(!kg.is_working_day(d("2026-01-05")), "January holidays");
        assert!(!kg.is_working_day(d("2026-03-20")), "Orozo Ait 2026 (provisional)");
        assert!(kg.is_working_day(d("2026-03-23")), "Nooruz on a Saturday is not moved");
        assert!(!kg.is_working_day(d("2026-08-31")));
        // Friday 28 August 2026 + 1 working day: Monday 31 August is a holiday -> Tuesday.
        assert_eq!(kg.add_working_days(d("2026-08-28"), 1), d("2026-09-01"));
    }

    #[test]
    fn russian_transfers() {
        let ru = Calendar::russia().unwrap();
        assert!(ru.is_working_day(d("2025-11-01")), "working Saturday");
        assert!(!ru.is_working_day(d("2025-11-03")));
        assert!(!ru.is_working_day(d("2026-03-09")), "8 March on a Sunday moved to Monday");
        // Omsk: data within 5 working days of receipt on Thursday 30 April 2026
        // (1 May holiday, then the weekend): Friday 8 May.
        assert_eq!(ru.add_working_days(d("2026-04-30"), 5), d("2026-05-08"));
        assert_eq!(ru.working_days_between(d("2026-04-30"), d("2026-05-08")), 5);
        // 8 May 2026 + 1: 9 May falls on Saturday and moved to Monday 11 May.
        assert_eq!(ru.add_working_days(d("2026-05-08"), 1), d("2026-05-12"));
    }

    #[test]
    fn bad_calendars_are_refused_with_place() {
        let base = "[calendar]\ncountry = \"X\"\nversion = \"1\"\nweekend = [\"sat\", \"sun\"]\n";
        let cases = [
            ("[[years]]\nyear = 2026\nholidays = [\"2026-02-30\"]\n", "CALENDAR_BAD_DATE", "years[0].holidays[0]"),
            ("[[years]]\nyear = 2026\nholidays = [\"2027-01-01\"]\n", "CALENDAR_BAD_DATE", "years[0].holidays[0]"),
            (
                "[[years]]\nyear = 2026\nholidays = [\"2026-05-02\"]\nworking_days = [\"2026-05-02\"]\n",
                "CALENDAR_OVERLAP",
                "years[0].working_days[0]",
            ),
            (
                "[[years]]\nyear = 2026\nworking_days = [\"2026-05-04\"]\n",
                "CALENDAR_BAD_DATE",
                "years[0].working_days[0]",
            ),
            ("[[years]]\nyear = 2026\n[[years]]\nyear = 2026\n", "CALENDAR_OVERLAP", "years[1].year"),
        ];
        for (tail, reason, field) in cases {
            let e = Calendar::from_toml(&format!("{base}{tail}")).unwrap_err();
            assert_eq!((e.reason.as_str(), e.field.as_deref()), (reason, Some(field)), "{tail}");
        }
        let e = Calendar::from_toml("[calendar\n").unwrap_err();
        assert_eq!((e.reason.as_str(), e.field.as_deref()), ("PROFILE_SYNTAX", Some("line 1")));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        #[test]
        fn adding_working_days_lands_on_working_days_and_is_monotonic(day in 0i64..1500, n in 0u32..60, kg in any::<bool>()) {
            let cal = if kg { Calendar::kyrgyzstan().unwrap() } else { Calendar::russia().unwrap() };
            let from = d("2024-10-01") + Duration::days(day);
            let a = cal.add_working_days(from, n);
            let b = cal.add_working_days(from, n + 1);
            prop_assert!(cal.is_working_day(a));
            // From a day off, 0 and 1 working days both land on the next working day.
            prop_assert!(b > a || (n == 0 && b == a && !cal.is_working_day(from)));
            prop_assert!(a >= from);
            if n > 0 {
                prop_assert_eq!(cal.working_days_between(from, a), i64::from(n));
            }
        }
    }
}
