//! The demo's clock: the host's clock set back by an offset.
//!
//! Deadlines count from the moment a case enters a state, which is the time the event is
//! recorded. For due and overdue lists that mean something, the demo builds its registry
//! on this clock set about two months back, walks the cases forward one working day at a
//! time, and then closes the offset: from there on the registry runs on the host's time.
//! Unlike a `ManualClock` left at the end of the walk, time keeps flowing afterwards, so
//! the tour's audit entries are ordered in time as in real use.

use chrono::{DateTime, Duration, Utc};
use kamkor_core::Clock;
use std::sync::{Arc, Mutex};

/// The host's clock, `back` earlier.
pub struct WalkClock {
    base: Arc<dyn Clock>,
    back: Mutex<Duration>,
}

impl WalkClock {
    /// The host's clock set back by `back`.
    pub fn new(base: Arc<dyn Clock>, back: Duration) -> WalkClock {
        WalkClock { base, back: Mutex::new(back) }
    }

    /// Sets the clock to `at` (never past the host's clock).
    pub fn set(&self, at: DateTime<Utc>) {
        let back = (self.base.now() - at).max(Duration::zero());
        match self.back.lock() {
            Ok(mut b) => *b = back,
            Err(p) => *p.into_inner() = back,
        }
    }

    /// Back to the host's time.
    pub fn catch_up(&self) {
        self.set(self.base.now());
    }
}

impl Clock for WalkClock {
    fn now(&self) -> DateTime<Utc> {
        let back = match self.back.lock() {
            Ok(b) => *b,
            Err(p) => *p.into_inner(),
        };
        self.base.now() - back
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kamkor_core::ManualClock;

    #[test]
    fn walks_forward_and_catches_up() {
        let at = DateTime::parse_from_rfc3339("2026-05-04T09:00:00Z").unwrap().with_timezone(&Utc);
        let c = WalkClock::new(Arc::new(ManualClock::new(at)), Duration::days(60));
        assert_eq!(c.now(), at - Duration::days(60));
        c.set(at - Duration::days(3));
        assert_eq!(c.today(), (at - Duration::days(3)).date_naive());
        c.set(at + Duration::days(1));
        assert_eq!(c.now(), at, "never ahead of the host");
        c.set(at - Duration::days(1));
        c.catch_up();
        assert_eq!(c.now(), at);
    }
}
