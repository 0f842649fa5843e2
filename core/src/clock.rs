//! Injected time (DESIGN.md invariant 2): domain code asks a [`Clock`], never the OS.

use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

/// A source of the current time. Hosts pass a real clock; tests pass a fixed one.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
    /// Today's date (UTC).
    fn today(&self) -> chrono::NaiveDate {
        self.now().date_naive()
    }
}

/// A clock that stays where it is set, and moves only when told. For tests and replays.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock standing at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock(Mutex::new(at))
    }
    /// Moves the clock forward (or back, for a negative duration).
    pub fn advance(&self, by: Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
    /// Sets the clock.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut t) = self.0.lock() {
            *t = at;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        match self.0.lock() {
            Ok(t) => *t,
            Err(p) => *p.into_inner(),
        }
    }
}

/// A clock that ticks one millisecond per reading from a start: deterministic yet ordered.
#[derive(Debug)]
pub struct SteppingClock(Mutex<DateTime<Utc>>);

impl SteppingClock {
    /// Starts at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        SteppingClock(Mutex::new(at))
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        let mut t = match self.0.lock() {
            Ok(t) => t,
            Err(p) => p.into_inner(),
        };
        *t += Duration::milliseconds(1);
        *t
    }
}
