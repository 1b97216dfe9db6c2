//! Validates `[faults]`: the kill points by name, at least one fault asked for, and a
//! migration they apply to. Faults are injected into the built-in engine only: the user's
//! own SQL runs in the rehearsal's session, where there is no step to kill and resume, so
//! `[faults]` with it is refused here, naming the line.

use toml::Spanned;

use super::error::ScenarioError;
use super::file::FaultsSection;
use super::load::Source;
use super::migration::Migration;
use crate::engine::ConvertChoice;
use crate::faults::{Fault, FaultPoint};

pub(super) fn validate_faults(source: &Source<'_>, section: Option<&Spanned<FaultsSection>>, migration: Option<&Migration>) -> Result<Vec<Fault>, ScenarioError> {
    let Some(section) = section else { return Ok(Vec::new()) };
    let at = source.at(section);
    match migration {
        Some(Migration::Builtin(builtin)) if builtin.convert == ConvertChoice::Rebuild => {
            // The kill points land on the in-place convert's log writes (`FaultPoint::landing`);
            // the rebuild's own crash points are tested by tests/engine_rebuild_crash.rs.
            return Err(source.invalid(at, "[faults] are injected into the in-place convert; this scenario sets `convert = \"rebuild\"`: remove [faults], or rehearse the faults with `convert = \"in-place\"`"))
        }
        Some(Migration::Builtin(_)) => {}
        Some(Migration::Sql(_)) => {
            return Err(source.invalid(at, "[faults] are injected into the built-in engine (`engine = \"uuid\"`), whose steps can be killed and resumed; this scenario runs its own SQL: remove [faults], or rehearse the built-in engine"))
        }
        None => return Err(source.invalid(at, "[faults] needs a [migration] with `engine = \"uuid\"` to inject them into")),
    }
    let f = section.get_ref();
    let mut faults = Vec::new();
    for written in &f.kill_engine {
        let point = FaultPoint::parse(written.get_ref()).ok_or_else(|| {
            source.invalid(source.at(written), format!("`kill_engine` has no point `{}` (points: {})", written.get_ref(), FaultPoint::names().join(", ")))
        })?;
        if faults.contains(&Fault::KillEngine(point)) {
            return Err(source.invalid(source.at(written), format!("`kill_engine` names `{}` twice", point.name())));
        }
        faults.push(Fault::KillEngine(point));
    }
    for (asked, fault) in [
        (f.server_restart, Fault::ServerRestart),
        (f.lock_during_swap, Fault::LockDuringSwap),
        (f.disk_full_during_backup, Fault::DiskFullDuringBackup),
        (f.concurrent_workload, Fault::ConcurrentWorkload),
    ] {
        if asked {
            faults.push(fault);
        }
    }
    if faults.is_empty() {
        return Err(source.invalid(at, "[faults] asks for no fault: list `kill_engine = [\"backup\", ...]` or set one of server_restart, lock_during_swap, disk_full_during_backup, concurrent_workload to true"));
    }
    Ok(faults)
}
