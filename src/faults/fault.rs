//! The faults a scenario's `[faults]` can ask for, each with its TOML name, and the points
//! of the engine's procedure where the engine can be killed, each mapped to what the
//! engine's log shows when it is there. This is the one place that knows both.

use serde::{Deserialize, Serialize};

/// A point of the built-in engine's procedure at which `kill_engine` SIGKILLs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum FaultPoint {
    Classification,
    Backup,
    Copy,
    IndexBuild,
    Swap,
    Validate,
    Rollback,
    Cleanup,
}

/// What the fault harness waits for before it kills the engine at a [`FaultPoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landing {
    /// The engine is held at its next write to `migration_log` (see `gate.rs`), and the log
    /// as committed so far satisfies this condition.
    LogWrite(LogCondition),
    /// The engine is inside `CREATE INDEX CONCURRENTLY`, held there by an older snapshot.
    IndexBuild,
}

/// A condition on the committed `migration_log` of the run, and on the write the engine
/// is held at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogCondition {
    /// Steps that must have a completed row.
    pub completed: &'static [&'static str],
    /// Steps that must not.
    pub not_completed: &'static [&'static str],
    /// Committed `convert-batch` rows needed.
    pub batches: i64,
    /// Whether the held write must be a batch's (`Some(true)`), a step's (`Some(false)`),
    /// or either.
    pub held_at_batch: Option<bool>,
}

impl LogCondition {
    const ANY: LogCondition = LogCondition { completed: &[], not_completed: &[], batches: 0, held_at_batch: None };
}

/// Which `pgrehearse migrate` step runs through a point, and what must have run before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Procedure {
    /// Steps run to completion before the one that is killed.
    pub before: &'static [&'static str],
    /// The step killed, then run again to resume.
    pub killed: &'static str,
}

/// Held at a log write once `completed` are done, `not_completed` are not, and `batches`
/// batches committed.
const fn step(completed: &'static [&'static str], not_completed: &'static [&'static str], batches: i64, held_at_batch: Option<bool>) -> Landing {
    Landing::LogWrite(LogCondition { completed, not_completed, batches, held_at_batch })
}

impl FaultPoint {
    pub const ALL: [FaultPoint; 8] = [
        FaultPoint::Classification,
        FaultPoint::Backup,
        FaultPoint::Copy,
        FaultPoint::IndexBuild,
        FaultPoint::Swap,
        FaultPoint::Validate,
        FaultPoint::Rollback,
        FaultPoint::Cleanup,
    ];

    /// The name a scenario writes in `kill_engine = [...]`.
    pub fn name(self) -> &'static str {
        match self {
            FaultPoint::Classification => "classification",
            FaultPoint::Backup => "backup",
            FaultPoint::Copy => "copy",
            FaultPoint::IndexBuild => "index-build",
            FaultPoint::Swap => "swap",
            FaultPoint::Validate => "validate",
            FaultPoint::Rollback => "rollback",
            FaultPoint::Cleanup => "cleanup",
        }
    }

    pub fn parse(name: &str) -> Option<FaultPoint> {
        FaultPoint::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn names() -> Vec<&'static str> {
        FaultPoint::ALL.iter().map(|p| p.name()).collect()
    }

    /// Where the kill lands, in terms of the engine's log step names (`migration_log.step`).
    ///
    /// The in-place convert logs `classify-table`/`classify`, `backup-table`/`backup`,
    /// `policies`, one `convert-batch` per batch, `swap`, `convert`, `validate`,
    /// `rollback-swap` and `cleanup`; its index builds (`CREATE INDEX CONCURRENTLY`, in
    /// `swap::prepare`) log nothing, so `index-build` is caught inside the statement.
    /// `copy` is the batches that fill the new column.
    pub fn landing(self) -> Landing {
        match self {
            // The first write of a run is the first table's classification record.
            FaultPoint::Classification => step(&[], &["classify"], 0, None),
            // The first write after the classification is inside the backup's transaction.
            FaultPoint::Backup => step(&["classify"], &["backup"], 0, None),
            FaultPoint::Copy => step(&["backup", "policies"], &["swap"], 1, Some(true)),
            FaultPoint::IndexBuild => Landing::IndexBuild,
            // After the batches, the next step written is the swap's, inside its
            // transaction, with every rename done and ACCESS EXCLUSIVE held.
            FaultPoint::Swap => step(&["backup", "policies"], &["swap"], 1, Some(false)),
            // `validate` writes its record after its checks.
            FaultPoint::Validate => step(&["convert"], &["validate"], 0, None),
            // Rollback and cleanup run after a completed `full`: their first write is theirs.
            FaultPoint::Rollback | FaultPoint::Cleanup => Landing::LogWrite(LogCondition::ANY),
        }
    }

    pub fn procedure(self) -> Procedure {
        match self {
            FaultPoint::Rollback => Procedure { before: &["full"], killed: "rollback" },
            FaultPoint::Cleanup => Procedure { before: &["full"], killed: "cleanup" },
            _ => Procedure { before: &[], killed: "full" },
        }
    }
}

/// One fault of `[faults]`; each runs on its own clone of the seeded database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// `kill_engine = ["backup", ...]`: SIGKILL of the engine at that point, then resume.
    KillEngine(FaultPoint),
    /// `server_restart = true`: the server stopped hard mid-batch and started again.
    ServerRestart,
    /// `lock_during_swap = true`: another session holds a lock the swap needs.
    LockDuringSwap,
    /// `disk_full_during_backup = true`: the backup's tables go to a tablespace too small.
    DiskFullDuringBackup,
    /// `concurrent_workload = true`: an application writes while the engine migrates.
    ConcurrentWorkload,
}

impl Fault {
    /// The name the report gives the fault.
    pub fn name(self) -> String {
        match self {
            Fault::KillEngine(point) => format!("kill-engine-in-{}", point.name()),
            Fault::ServerRestart => "server-restart-mid-batch".into(),
            Fault::LockDuringSwap => "lock-held-during-swap".into(),
            Fault::DiskFullDuringBackup => "disk-full-during-backup".into(),
            Fault::ConcurrentWorkload => "concurrent-workload".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_point_parses_back_from_its_name_and_names_differ() {
        for point in FaultPoint::ALL {
            assert_eq!(FaultPoint::parse(point.name()), Some(point));
        }
        let mut names = FaultPoint::names();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FaultPoint::ALL.len());
        assert_eq!(FaultPoint::parse("swp"), None);
    }
}
