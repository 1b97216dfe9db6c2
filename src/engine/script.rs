//! `--dry-run`: the SQL a step would run, step by step, each statement with the table lock
//! it takes, built from the same statement builders the steps run. Statements whose text
//! depends on the rows found (the policies) are described in SQL comments instead.

use serde::Serialize;

use crate::quote::quote_ident;

use super::backup::backup_table;
use super::bookkeeping::{BACKUP_SCHEMA, ENGINE_SCHEMA, QUARANTINE_SCHEMA};
use super::finding::{Action, RowFinding};
use super::options::Step;
use super::plan::{names, Plan};
use super::quarantine::quarantine_table;
use super::shadow::{self, Direction};
use super::convert_method::ConvertMethod;
use super::{batches, cleanup, ddl, rebuild, rollback, swap};

/// One step of the script.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptStep {
    pub step: &'static str,
    /// What the step does, in a sentence.
    pub about: String,
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub sql: String,
    /// The strongest table lock the statement takes (`none` for no table lock).
    pub lock: &'static str,
    /// How often it runs, when not once (the batches).
    pub repeat: Option<String>,
    /// Whether it runs inside the transaction of the statements before it.
    pub transaction: Option<&'static str>,
}

impl Statement {
    fn new(sql: String) -> Statement {
        let lock = lock_taken(&sql);
        Statement { sql, lock, repeat: None, transaction: None }
    }

    fn described(comment: String, lock: &'static str) -> Statement {
        Statement { sql: format!("-- {comment}"), lock, repeat: None, transaction: None }
    }

    fn in_transaction(mut self, name: &'static str) -> Statement {
        self.transaction = Some(name);
        self
    }
}

/// The script of `step` for `plan`, with the policies' findings from preflight.
pub fn script(plan: &Plan, step: Step, findings: &[RowFinding], batch_size: i64) -> Vec<ScriptStep> {
    match step {
        Step::ValidateSchema => vec![validate_schema(plan)],
        Step::Backup => vec![backup(plan)],
        Step::Convert => vec![convert_step(plan, findings, batch_size)],
        Step::Validate => vec![validate(plan)],
        Step::Cleanup => vec![cleanup_step(plan)],
        Step::Full => vec![validate_schema(plan), backup(plan), convert_step(plan, findings, batch_size), validate(plan)],
        Step::Rollback => vec![rollback_step(plan)],
        Step::Status => Vec::new(),
    }
}

fn validate_schema(plan: &Plan) -> ScriptStep {
    let statements = plan
        .tables
        .iter()
        .map(|t| Statement::described(format!("SELECT … FROM {}: reads every converted column for invalid values, collisions and orphans", t.qualified()), "ACCESS SHARE"))
        .collect();
    ScriptStep { step: "validate-schema", about: "reads the catalog and the data; changes nothing".into(), statements }
}

fn backup(plan: &Plan) -> ScriptStep {
    let mut statements = vec![Statement::described(format!("CREATE SCHEMA IF NOT EXISTS {ENGINE_SCHEMA} and its log and plan tables; the plan is stored"), "none")];
    statements.extend(plan.tables.iter().flat_map(|t| shadow::delete_log_sql(plan, t, Direction::Forward)).map(|s| Statement::new(s).in_transaction("delete log")));
    let snapshot = "backup snapshot (REPEATABLE READ)";
    statements.push(Statement::new(format!("DROP SCHEMA IF EXISTS {} CASCADE", quote_ident(BACKUP_SCHEMA))).in_transaction(snapshot));
    statements.push(Statement::new(format!("CREATE SCHEMA {}", quote_ident(BACKUP_SCHEMA))).in_transaction(snapshot));
    for table in &plan.tables {
        statements.push(Statement::new(super::backup::copy_sql(plan, table)).in_transaction(snapshot));
        let proof = match plan.method {
            ConvertMethod::InPlace => format!("count and checksum of {} and of its copy, compared", table.qualified()),
            ConvertMethod::Rebuild => format!("count of {} (the original table is kept until cleanup: it is the backup)", table.qualified()),
        };
        statements.push(Statement::described(proof, "ACCESS SHARE").in_transaction(snapshot));
    }
    let about = match plan.method {
        ConvertMethod::InPlace => "logs deletes, then copies every planned table in one snapshot, verified by count and checksum",
        ConvertMethod::Rebuild => "logs deletes, then counts every planned table in one snapshot; the rebuild keeps the original tables, so only the rows `nullify` changes are copied",
    };
    ScriptStep { step: "backup", about: about.into(), statements }
}

fn convert_step(plan: &Plan, findings: &[RowFinding], batch_size: i64) -> ScriptStep {
    match plan.method {
        ConvertMethod::InPlace => convert(plan, findings, batch_size),
        ConvertMethod::Rebuild => rebuild_convert(plan, findings, batch_size),
    }
}

/// The rebuild's `convert`: the statements whose text depends on the catalog (column
/// lists, index definitions) are described.
fn rebuild_convert(plan: &Plan, findings: &[RowFinding], batch_size: i64) -> ScriptStep {
    let mut statements = vec![Statement::described(format!("CREATE SCHEMA IF NOT EXISTS {QUARANTINE_SCHEMA} and one table per planned table (LIKE the original)"), "ACCESS SHARE")];
    statements.push(Statement::described("CREATE TABLE pgrehearse_engine.rebuild_change (…): the change log".into(), "none").in_transaction("change log"));
    for table in &plan.tables {
        statements.extend(rebuild::forward_trigger_sql(plan, table).into_iter().map(|s| Statement::new(s).in_transaction("change log")));
    }
    statements.extend(policies(plan, findings));
    for table in &plan.tables {
        let label = table.label();
        statements.extend(rebuild::create_sql(plan, table).into_iter().map(|s| Statement::new(s).in_transaction("prepare")));
        statements.push(Statement::described(format!("owner, grants, comment, storage options and replica identity of {label}, read from the catalog; its indexes (pg_get_indexdef) and owned sequences recorded"), "ACCESS SHARE").in_transaction("prepare"));
        let mut chunk = Statement::described(
            format!("INSERT INTO the new table SELECT the columns, converted, FROM {} t WHERE t.ctid >= '($2,0)' AND t.ctid < '($2 + blocks for $1 rows,0)'", table.qualified()),
            "ROW EXCLUSIVE",
        );
        chunk.repeat = Some(format!(
            "once per chunk of about {batch_size} rows in whole heap blocks ($1), from the last checkpoint ($2 its block, $3 the heap's file node), one transaction each, until {label} is copied"
        ));
        statements.push(chunk);
    }
    for table in &plan.tables {
        statements.push(Statement::described(format!("DELETE FROM the new table of {} the rows whose keys the change log holds (copied again by the catch-up)", table.label()), "ROW EXCLUSIVE"));
        statements.push(Statement::described(format!("CREATE [UNIQUE] INDEX on the new table of {} for every index of it (pg_get_indexdef), PRIMARY KEY / UNIQUE … USING INDEX; ANALYZE", table.label()), "SHARE"));
    }
    let mut catch_up = Statement::described("DELETE FROM the new table, INSERT … SELECT FROM the original, the keys the change log recorded; the log rows removed".into(), "ROW EXCLUSIVE");
    catch_up.repeat = Some("one REPEATABLE READ transaction per 20000 keys, per table, until fewer are left".into());
    statements.push(catch_up);
    let tables: Vec<String> = plan.tables.iter().map(|t| t.qualified()).collect();
    statements.push(Statement::new(format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", tables.join(", "))).in_transaction("swap"));
    statements.push(Statement::described("the last catch-up of every table; the change-log triggers dropped".into(), "ACCESS EXCLUSIVE").in_transaction("swap"));
    statements.extend(plan.rebuild.views.iter().rev().map(|v| Statement::new(ddl::drop_view(v)).in_transaction("swap")));
    statements.extend(rebuild::moved_foreign_keys(plan).map(|f| Statement::new(ddl::drop_constraint(f)).in_transaction("swap")));
    statements.push(Statement::described("ALTER INDEX … RENAME and ALTER TABLE … RENAME: the originals to pgr_old_N / pgr_oix_N_K, the new tables and indexes to the original names; ALTER SEQUENCE … OWNED BY the new tables; ALTER TABLE … SET SCHEMA pgrehearse_engine for the originals".into(), "ACCESS EXCLUSIVE").in_transaction("swap"));
    statements.extend(rebuild::moved_foreign_keys(plan).map(|f| Statement::new(ddl::add_foreign_key_not_valid(f)).in_transaction("swap")));
    statements.extend(plan.rebuild.views.iter().map(|v| Statement::new(ddl::create_view(v)).in_transaction("swap")));
    statements.push(Statement::described("the reverse change-log trigger on every new table (what a rollback copies back)".into(), "SHARE ROW EXCLUSIVE").in_transaction("swap"));
    statements.extend(rebuild::moved_foreign_keys(plan).filter(|f| f.validated).map(|fk| Statement::new(ddl::validate_constraint(fk))));
    ScriptStep {
        step: "convert",
        about: "applies the policies, copies every table into a new one in key-range chunks with the columns converted, builds its indexes, catches up the application's writes from a trigger log, swaps the tables by rename in one short transaction, validates the foreign keys".into(),
        statements,
    }
}

fn convert(plan: &Plan, findings: &[RowFinding], batch_size: i64) -> ScriptStep {
    let mut statements = vec![Statement::described(format!("CREATE SCHEMA IF NOT EXISTS {QUARANTINE_SCHEMA} and one table per planned table (LIKE the original)"), "ACCESS SHARE")];
    for table in &plan.tables {
        for column in &table.columns {
            statements.push(Statement::new(format!(
                "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}",
                table.qualified(),
                quote_ident(&names::shadow(column)),
                plan.conversion.target_type()
            )));
        }
        statements.extend(shadow::install_sql(plan, table, Direction::Forward).into_iter().map(Statement::new));
    }
    statements.extend(policies(plan, findings));
    for table in &plan.tables {
        let mut batch = Statement::new(batches::batch_sql(plan, table, true));
        batch.repeat = Some(format!("once per batch of {batch_size} rows ($1), from the last checkpoint ($2…), one transaction each, until {} is done", table.label()));
        statements.push(batch);
    }
    for table in &plan.tables {
        for column in table.columns.iter().filter(|c| c.not_null) {
            let check = quote_ident(&names::not_null_check(column));
            statements.push(Statement::new(format!("ALTER TABLE {} ADD CONSTRAINT {check} CHECK ({} IS NOT NULL) NOT VALID", table.qualified(), quote_ident(&names::shadow(column)))));
            statements.push(Statement::new(format!("ALTER TABLE {} VALIDATE CONSTRAINT {check}", table.qualified())));
        }
    }
    statements.extend(plan.key_constraints.iter().enumerate().map(|(n, key)| Statement::new(ddl::create_key_index(plan, n, key))));
    statements.extend(plan.indexes.iter().enumerate().map(|(n, index)| Statement::new(ddl::create_mirror_index(plan, n, index))));
    statements.extend(swap::swap_sql(plan).into_iter().map(|s| Statement::new(s).in_transaction("swap")));
    statements.extend(plan.foreign_keys.iter().filter(|f| f.validated).map(|fk| Statement::new(ddl::validate_constraint(fk))));
    ScriptStep {
        step: "convert",
        about: "applies the policies, fills a new column per converted column in batches, builds indexes beside the live ones, swaps the names in one short transaction, validates the foreign keys".into(),
        statements,
    }
}

/// The policies' statements, described from what preflight found: which rows move to the
/// quarantine, which references are set to NULL.
fn policies(plan: &Plan, findings: &[RowFinding]) -> Vec<Statement> {
    let mut statements = Vec::new();
    for table in &plan.tables {
        let label = table.label();
        let moved = findings.iter().filter(|f| f.table == label && f.action == Action::Quarantine).count();
        if moved > 0 {
            statements.push(
                Statement::described(
                    format!("INSERT INTO {} SELECT … FROM {}: the {moved} rows found above, and every row a delete of them would cascade to", quarantine_table(table), table.qualified()),
                    "ROW EXCLUSIVE",
                )
                .in_transaction("policies"),
            );
            statements.push(Statement::described(format!("DELETE FROM {} WHERE its key is in the quarantine", table.qualified()), "ROW EXCLUSIVE").in_transaction("policies"));
        }
        let nulled = findings.iter().filter(|f| f.table == label && f.action == Action::Nullify).count();
        if nulled > 0 {
            statements.push(Statement::described(format!("UPDATE {} SET the orphan reference = NULL: the {nulled} rows found above (the old value kept in the quarantine)", table.qualified()), "ROW EXCLUSIVE").in_transaction("policies"));
        }
    }
    statements
}

fn validate(plan: &Plan) -> ScriptStep {
    let statements = plan
        .tables
        .iter()
        .map(|t| {
            let originals = match plan.method {
                ConvertMethod::InPlace => backup_table(t),
                ConvertMethod::Rebuild => super::rebuild::old_table(plan, t),
            };
            Statement::described(format!("SELECT … FROM {} and {originals}: types, every value equal to its original under the conversion, no row lost, every reference resolving", t.qualified()), "ACCESS SHARE")
        })
        .collect();
    let about = match plan.method {
        ConvertMethod::InPlace => "checks the converted data against the backup; changes nothing but the log",
        ConvertMethod::Rebuild => "checks the new tables against the original ones (kept until cleanup); changes nothing but the log",
    };
    ScriptStep { step: "validate", about: about.into(), statements }
}

fn cleanup_step(plan: &Plan) -> ScriptStep {
    ScriptStep {
        step: "cleanup",
        about: "drops the original columns and the backup (after this, rollback is impossible); the quarantine stays".into(),
        statements: cleanup::cleanup_sql(plan).into_iter().map(|s| Statement::new(s).in_transaction("cleanup")).collect(),
    }
}

fn rollback_step(plan: &Plan) -> ScriptStep {
    let mut statements: Vec<Statement> = match plan.method {
        ConvertMethod::InPlace => rollback::swap_back_sql(plan).into_iter().map(|s| Statement::new(s).in_transaction("swap back (only if swapped)")).collect(),
        ConvertMethod::Rebuild => vec![
            Statement::described("LOCK TABLE the new and the original tables; copy back into the originals the rows the reverse log recorded; drop the views and moved foreign keys; ALTER SEQUENCE … OWNED BY the originals; DROP TABLE the new tables; rename the originals and their indexes back; foreign keys NOT VALID and views again".into(), "ACCESS EXCLUSIVE").in_transaction("swap back (only if swapped)"),
            Statement::described("DROP TABLE IF EXISTS the new tables; drop the change-log triggers; VALIDATE the foreign keys that were valid".into(), "ACCESS EXCLUSIVE"),
        ],
    };
    statements.extend(rollback::remove_helpers_sql(plan).into_iter().map(|s| Statement::new(s).in_transaction("remove helpers")));
    for table in &plan.tables {
        statements.push(Statement::described(format!("INSERT INTO {} SELECT … FROM {}: the quarantined rows come back", table.qualified(), quarantine_table(table)), "ROW EXCLUSIVE").in_transaction("restore"));
    }
    statements.push(Statement::described(format!("DROP SCHEMA {ENGINE_SCHEMA}, {BACKUP_SCHEMA}, {QUARANTINE_SCHEMA} CASCADE: nothing of the run is left"), "ACCESS EXCLUSIVE").in_transaction("restore"));
    ScriptStep { step: "rollback", about: "puts the original columns back, removes every helper, restores the quarantined rows".into(), statements }
}

/// The strongest table lock a statement takes, by the rules of the Postgres manual
/// ("Explicit Locking", and each command's page).
pub fn lock_taken(sql: &str) -> &'static str {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase();
    let starts = |prefix: &str| flat.starts_with(prefix);
    if starts("LOCK TABLE") {
        const MODES: [&str; 8] = ["ACCESS EXCLUSIVE", "SHARE ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "ROW EXCLUSIVE", "ROW SHARE", "ACCESS SHARE", "EXCLUSIVE", "SHARE"];
        return MODES.iter().find(|m| flat.ends_with(&format!("IN {m} MODE"))).copied().unwrap_or("ACCESS EXCLUSIVE");
    }
    if starts("CREATE INDEX CONCURRENTLY") || starts("CREATE UNIQUE INDEX CONCURRENTLY") || starts("DROP INDEX CONCURRENTLY") || starts("ALTER INDEX") {
        return "SHARE UPDATE EXCLUSIVE";
    }
    if starts("CREATE INDEX") || starts("CREATE UNIQUE INDEX") {
        return "SHARE";
    }
    if starts("ALTER TABLE") {
        if flat.contains(" VALIDATE CONSTRAINT ") {
            return "SHARE UPDATE EXCLUSIVE";
        }
        if flat.contains(" FOREIGN KEY ") && flat.contains(" ADD CONSTRAINT ") {
            return "SHARE ROW EXCLUSIVE";
        }
        return "ACCESS EXCLUSIVE";
    }
    if starts("CREATE TRIGGER") {
        return "SHARE ROW EXCLUSIVE";
    }
    if starts("DROP TRIGGER") || starts("DROP INDEX") || starts("DROP VIEW") || starts("CREATE VIEW") || starts("CREATE OR REPLACE VIEW") || starts("DROP TABLE") {
        return "ACCESS EXCLUSIVE";
    }
    if starts("DROP SCHEMA") {
        return "ACCESS EXCLUSIVE";
    }
    if starts("UPDATE") || starts("INSERT") || starts("DELETE") || (starts("WITH") && (flat.contains("UPDATE ") || flat.contains("DELETE ") || flat.contains("INSERT "))) {
        return "ROW EXCLUSIVE";
    }
    if starts("SELECT") || starts("WITH") || starts("CREATE TABLE") {
        return "ACCESS SHARE";
    }
    "none"
}

#[cfg(test)]
mod tests {
    use super::lock_taken;

    #[test]
    fn locks_by_the_manual() {
        assert_eq!(lock_taken("LOCK TABLE a, b IN ACCESS EXCLUSIVE MODE"), "ACCESS EXCLUSIVE");
        assert_eq!(lock_taken("ALTER TABLE t ADD COLUMN x uuid"), "ACCESS EXCLUSIVE");
        assert_eq!(lock_taken("ALTER TABLE t VALIDATE CONSTRAINT c"), "SHARE UPDATE EXCLUSIVE");
        assert_eq!(lock_taken("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p (id) NOT VALID"), "SHARE ROW EXCLUSIVE");
        assert_eq!(lock_taken("CREATE UNIQUE INDEX CONCURRENTLY i ON t (x)"), "SHARE UPDATE EXCLUSIVE");
        assert_eq!(lock_taken("CREATE INDEX i ON t (x)"), "SHARE");
        assert_eq!(lock_taken("ALTER INDEX public.i RENAME TO j"), "SHARE UPDATE EXCLUSIVE");
        assert_eq!(lock_taken("CREATE TRIGGER g BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()"), "SHARE ROW EXCLUSIVE");
        assert_eq!(lock_taken("DROP TRIGGER IF EXISTS g ON t"), "ACCESS EXCLUSIVE");
        assert_eq!(lock_taken("WITH batch AS (SELECT id FROM t LIMIT $1),\n converted AS (UPDATE t SET x = 1 FROM batch b RETURNING 1) SELECT 1"), "ROW EXCLUSIVE");
        assert_eq!(lock_taken("CREATE TABLE b.t AS SELECT * FROM t"), "ACCESS SHARE");
        assert_eq!(lock_taken("CREATE OR REPLACE FUNCTION f() RETURNS trigger"), "none");
        assert_eq!(lock_taken("CREATE SCHEMA s"), "none");
    }
}
