//! Which objects each comparison looks at. After up, the migration's bookkeeping (backup,
//! log) is left out; after down it may remain only if the scenario says so, otherwise a
//! leftover is a rollback-identity finding.

use crate::migration::MigrationDriver;
use crate::dataset::truth::TRUTH_SCHEMA;
use crate::engine::{BACKUP_SCHEMA, ENGINE_SCHEMA, QUARANTINE_SCHEMA};
use crate::verify::{Scope, TablePattern};

/// The scope of the checks after up, and of rollback identity after down.
pub struct Scopes {
    pub after_up: Scope,
    pub after_down: Scope,
}

pub fn scopes(driver: &MigrationDriver) -> Scopes {
    let truth = format!("{TRUTH_SCHEMA}.*");
    let (quarantine, bookkeeping): (Vec<String>, Vec<String>) = match driver {
        MigrationDriver::Engine { .. } => {
            (vec![format!("{QUARANTINE_SCHEMA}.*")], vec![format!("{ENGINE_SCHEMA}.*"), format!("{BACKUP_SCHEMA}.*")])
        }
        MigrationDriver::Sql { quarantine, .. } => {
            let quarantine = if quarantine.is_empty() { vec![format!("{QUARANTINE_SCHEMA}.*")] } else { quarantine.clone() };
            (quarantine, vec![format!("{BACKUP_SCHEMA}.*")])
        }
    };
    let patterns = |items: &[String]| items.iter().map(|p| TablePattern::parse(p)).collect::<Vec<_>>();
    let mut up_excluded = vec![truth.clone()];
    up_excluded.extend(bookkeeping.iter().cloned());
    let mut down_excluded = vec![truth];
    if driver.keeps_bookkeeping() {
        down_excluded.extend(bookkeeping);
        down_excluded.extend(quarantine.iter().cloned());
    }
    Scopes {
        after_up: Scope { quarantine: patterns(&quarantine), excluded: patterns(&up_excluded), ..Scope::default() },
        after_down: Scope { quarantine: patterns(&quarantine), excluded: patterns(&down_excluded), ..Scope::default() },
    }
}
