//! The migration driver a scenario's `[migration]` names: the built-in engine with the
//! options it asks for, or the user's files as loaded.

use super::migration::{BuiltinMigration, Migration};
use super::scenario::Scenario;
use crate::engine::EngineOptions;
use crate::vocabulary::{ColumnRef, DeclaredRelation};
use crate::migration::MigrationDriver;

impl Scenario {
    /// The driver for this scenario's migration; `relations` are the unenforced references
    /// the dataset declares, which the engine must also convert. `None` for a seed-only
    /// scenario.
    pub fn migration_driver(&self, relations: Vec<DeclaredRelation>) -> Option<MigrationDriver> {
        match self.migration.as_ref()? {
            Migration::Builtin(builtin) => {
                Some(MigrationDriver::Engine { options: builtin.engine_options(relations), keep_bookkeeping: builtin.keep_bookkeeping })
            }
            Migration::Sql(sql) => Some(MigrationDriver::Sql {
                set: sql.set.clone(),
                quarantine: sql.quarantine.clone(),
                keep_bookkeeping: sql.keep_bookkeeping,
                base: self.path.parent().map(std::path::Path::to_path_buf).unwrap_or_default(),
                statement_timeout: crate::migration::DEFAULT_STATEMENT_TIMEOUT,
            }),
        }
    }
}

impl BuiltinMigration {
    /// The engine options this `[migration]` asks for (also used by `pgrehearse migrate
    /// --scenario`).
    pub fn engine_options(&self, relations: Vec<DeclaredRelation>) -> EngineOptions {
        let (schema, table) = self.root.table.split_once('.').unwrap_or(("public", &self.root.table));
        EngineOptions {
            root: ColumnRef::new(schema, table, &self.root.column),
            relations,
            batch_size: self.batch_size,
            policies: self.policies,
            convert: self.convert,
            ..EngineOptions::default()
        }
    }
}
