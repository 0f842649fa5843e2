//! The host's clock (DESIGN.md invariant 2): `Date.now()` of the page or of Node, which a test
//! may fix at an instant or move.

use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

#[derive(Default)]
struct State {
    /// A fixed instant (tests, replays); `None`: the host's clock.
    fixed: Option<DateTime<Utc>>,
    /// Milliseconds added to the host's clock.
    offset_ms: i64,
}

/// A clock reading `Date.now()`, or standing at a fixed instant.
pub(crate) struct JsClock(Mutex<State>);

impl JsClock {
    pub(crate) fn new(fixed: Option<DateTime<Utc>>) -> Self {
        JsClock(Mutex::new(State { fixed, offset_ms: 0 }))
    }
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        match self.0.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        }
    }
    /// Fixes the clock (`None`: back to the host's clock, without offset).
    pub(crate) fn set(&self, at: Option<DateTime<Utc>>) {
        let mut s = self.state();
        s.fixed = at;
        s.offset_ms = 0;
    }
    /// Moves the clock by `ms` milliseconds.
    pub(crate) fn advance(&self, ms: i64) {
        let mut s = self.state();
        match s.fixed.as_mut() {
            Some(t) => *t += Duration::milliseconds(ms),
            None => s.offset_ms += ms,
        }
    }
}

impl kamkor_core::Clock for JsClock {
    fn now(&self) -> DateTime<Utc> {
        let s = self.state();
        if let Some(t) = s.fixed {
            return t;
        }
        let ms = js_sys::Date::now() as i64 + s.offset_ms;
        DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
    }
}
