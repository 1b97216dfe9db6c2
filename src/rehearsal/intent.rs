//! Resolves the scenario's `[expect]` declarations to tables, as the rest of the scenario
//! resolves: against the schema model first, then the original database (tables a setup
//! migration created). A table that must exist before up (`rows_removed`,
//! `changed_columns`, `match_by`) and exists nowhere is bad input naming the line; a table
//! up may create (`rows_added`, `volatile_columns`) is checked after up, as a finding.
//! Columns are checked by the check each declaration belongs to, as findings.

use crate::dataset::SchemaModel;
use crate::scenario::{ScenarioError, Scenario, TableMention};
use crate::verify::schema_snapshot::SchemaSnapshot;
use crate::vocabulary::{Declared, Intent, TableName};

/// The scenario's declarations, resolved; `original` is the before database's schema.
pub fn resolve_intent(scenario: &Scenario, model: &SchemaModel, original: &SchemaSnapshot) -> Result<Intent, ScenarioError> {
    let decl = &scenario.intent;
    let at = |mention: &TableMention| format!("{}:{}", scenario.path.display(), mention.location.line);
    let table = |mention: &TableMention, up_may_create: bool| -> Result<TableName, ScenarioError> {
        resolve_table(scenario, model, original, mention, up_may_create)
    };
    let counts = |written: &[(TableMention, u64)], up_may_create: bool| -> Result<Vec<Declared<u64>>, ScenarioError> {
        written.iter().map(|(m, rows)| Ok(Declared { table: table(m, up_may_create)?, value: *rows, at: at(m) })).collect()
    };
    let columns = |written: &[crate::scenario::ColumnName], up_may_create: bool| -> Result<Vec<Declared<String>>, ScenarioError> {
        written
            .iter()
            .map(|c| {
                let mention = TableMention { table: c.table.clone(), location: c.location };
                Ok(Declared { table: table(&mention, up_may_create)?, value: c.column.clone(), at: at(&mention) })
            })
            .collect()
    };
    Ok(Intent {
        rows_added: counts(&decl.rows_added, true)?,
        rows_removed: counts(&decl.rows_removed, false)?,
        changed_columns: columns(&decl.changed_columns, false)?,
        volatile_columns: columns(&decl.volatile_columns, true)?,
        match_by: decl.match_by.iter().map(|(m, key)| Ok(Declared { table: table(m, false)?, value: key.clone(), at: at(m) })).collect::<Result<_, ScenarioError>>()?,
    })
}

fn resolve_table(scenario: &Scenario, model: &SchemaModel, original: &SchemaSnapshot, mention: &TableMention, up_may_create: bool) -> Result<TableName, ScenarioError> {
    if let Some(index) = model.find_table(&mention.table) {
        let found = &model.tables[index];
        return Ok(TableName::new(&found.schema, &found.name));
    }
    if let Some(found) = find_in_snapshot(original, &mention.table) {
        return Ok(found);
    }
    if up_may_create {
        return Ok(TableName::parse(&mention.table));
    }
    Err(ScenarioError::UnknownTable {
        path: scenario.path.clone(),
        location: mention.location,
        table: mention.table.clone(),
        known: original.tables.keys().map(|t| t.to_string()).collect::<Vec<_>>().join(", "),
    })
}

/// `schema.table`, or a bare name: the `public` table of that name, else the only one.
fn find_in_snapshot(snapshot: &SchemaSnapshot, written: &str) -> Option<TableName> {
    let wanted = TableName::parse(written);
    if snapshot.tables.contains_key(&wanted) || written.contains('.') {
        return snapshot.tables.contains_key(&wanted).then_some(wanted);
    }
    let matches: Vec<&TableName> = snapshot.tables.keys().filter(|t| t.name == written).collect();
    (matches.len() == 1).then(|| matches[0].clone())
}
