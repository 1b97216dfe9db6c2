//! The tracing subscriber: pgrehearse's own warnings go to stderr; what the driver says
//! (sqlx's slow-statement warnings, Postgres notices relayed as `sqlx::postgres::notice`)
//! is for debugging and shows only when `PGREHEARSE_LOG` asks for debug, never raw
//! beside the progress. Lines are written with the progress bars hidden.

use tracing_subscriber::filter::{filter_fn, LevelFilter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::progress::LogWriter;

/// Installs the subscriber; `color` is whether stderr gets ANSI colors.
pub fn init_logging(color: bool) {
    let filter = EnvFilter::try_from_env("PGREHEARSE_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let debugging = filter.max_level_hint().is_some_and(|level| level >= LevelFilter::DEBUG);
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(LogWriter)
        .with_ansi(color)
        .with_filter(filter_fn(move |meta| debugging || !is_driver(meta.target())));
    tracing_subscriber::registry().with(filter).with(lines).init();
}

/// Events of the database driver rather than of pgrehearse.
fn is_driver(target: &str) -> bool {
    target == "sqlx" || target.starts_with("sqlx::")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_driver_is_told_by_its_target() {
        assert!(super::is_driver("sqlx::postgres::notice"));
        assert!(super::is_driver("sqlx::query"));
        assert!(!super::is_driver("sqlxish"));
        assert!(!super::is_driver("pgrehearse::engine"));
    }
}
