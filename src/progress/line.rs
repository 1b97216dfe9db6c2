//! The words of progress: the line a step prints when it starts, every few seconds while
//! it runs, and when it ends; shared by the log lines and the finished bars.

use std::time::Duration;

/// Where a step stands, as the lines report it.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// `phase: what`, or either alone.
    pub label: String,
    /// Whether the step counts rows (a step that only takes time does not).
    pub counts_rows: bool,
    /// Rows done, including `resumed_at`.
    pub rows: u64,
    /// Rows already done when the step started (a resumed conversion); not in the rate.
    pub resumed_at: u64,
    /// Rows in all, when known.
    pub total: Option<u64>,
    pub elapsed: Duration,
}

impl Snapshot {
    /// Rows per second done by this step (resumed rows left out).
    pub fn rate(&self) -> f64 {
        self.rows.saturating_sub(self.resumed_at) as f64 / self.elapsed.as_secs_f64().max(1e-3)
    }

    fn eta(&self) -> Option<Duration> {
        let total = self.total?;
        let rate = self.rate();
        (rate > 0.0 && total > self.rows).then(|| Duration::from_secs_f64((total - self.rows) as f64 / rate))
    }
}

/// `phase: what`, `phase` or `what`.
pub fn label(phase: Option<&str>, what: &str) -> String {
    match (phase, what.is_empty()) {
        (Some(phase), true) => phase.to_string(),
        (Some(phase), false) => format!("{phase}: {what}"),
        (None, _) => what.to_string(),
    }
}

pub fn started(s: &Snapshot) -> String {
    match (s.total, s.resumed_at) {
        (Some(total), 0) => format!("{}: started, {} rows", s.label, count(total)),
        (Some(total), done) => format!("{}: started, resuming at {} of {} rows", s.label, count(done), count(total)),
        (None, _) => format!("{}: started", s.label),
    }
}

/// The line every heartbeat on a long step.
pub fn running(s: &Snapshot) -> String {
    if !s.counts_rows {
        return format!("{}: running, {} so far", s.label, elapsed(s.elapsed));
    }
    let of = s.total.map(|t| format!(" of {}", count(t))).unwrap_or_default();
    let eta = s.eta().map(|d| format!(", about {} left", elapsed(d))).unwrap_or_default();
    format!("{}: {}{of} rows, {} rows/s, {} so far{eta}", s.label, count(s.rows), count(s.rate().round() as u64), elapsed(s.elapsed))
}

pub fn finished(s: &Snapshot) -> String {
    if !s.counts_rows {
        return format!("{}: done in {}", s.label, elapsed(s.elapsed));
    }
    format!("{}: done in {}, {} rows, {} rows/s", s.label, elapsed(s.elapsed), count(s.rows), count(s.rate().round() as u64))
}

/// A step that found nothing to do.
pub fn skipped(s: &Snapshot, why: &str) -> String {
    format!("{}: skipped, {why}", s.label)
}

/// A step dropped before it finished: an error stopped it (the error itself is reported).
pub fn stopped(s: &Snapshot) -> String {
    format!("{}: stopped after {}", s.label, elapsed(s.elapsed))
}

/// `1234567` as `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `0.42 s`, `12.3 s`, `3 min 05 s`.
pub fn elapsed(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 10.0 {
        format!("{secs:.2} s")
    } else if secs < 60.0 {
        format!("{secs:.1} s")
    } else {
        let whole = d.as_secs();
        format!("{} min {:02} s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(rows: u64, total: Option<u64>, secs: u64) -> Snapshot {
        Snapshot { label: label(Some("up"), "public.users"), counts_rows: true, rows, resumed_at: 0, total, elapsed: Duration::from_secs(secs) }
    }

    #[test]
    fn rows_rate_and_eta() {
        let s = snapshot(40_000, Some(100_000), 10);
        assert_eq!(started(&s), "up: public.users: started, 100,000 rows");
        assert_eq!(running(&s), "up: public.users: 40,000 of 100,000 rows, 4,000 rows/s, 10.0 s so far, about 15.0 s left");
        let done = snapshot(100_000, Some(100_000), 25);
        assert_eq!(finished(&done), "up: public.users: done in 25.0 s, 100,000 rows, 4,000 rows/s");
    }

    #[test]
    fn resumed_rows_are_not_in_the_rate() {
        let s = Snapshot { resumed_at: 60_000, ..snapshot(100_000, Some(100_000), 10) };
        assert_eq!(started(&s), "up: public.users: started, resuming at 60,000 of 100,000 rows");
        assert!(finished(&s).ends_with("100,000 rows, 4,000 rows/s"), "{}", finished(&s));
    }

    #[test]
    fn a_step_without_rows_reports_time_only() {
        let s = Snapshot { label: label(Some("verify"), ""), counts_rows: false, rows: 0, resumed_at: 0, total: None, elapsed: Duration::from_secs(75) };
        assert_eq!(started(&s), "verify: started");
        assert_eq!(running(&s), "verify: running, 1 min 15 s so far");
        assert_eq!(finished(&s), "verify: done in 1 min 15 s");
        assert_eq!(stopped(&s), "verify: stopped after 1 min 15 s");
    }

    #[test]
    fn labels_and_numbers() {
        assert_eq!(label(None, "export users"), "export users");
        assert_eq!(label(Some("seed"), ""), "seed");
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(elapsed(Duration::from_millis(420)), "0.42 s");
    }
}
