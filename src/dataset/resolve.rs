//! Resolves the names a scenario writes against the loaded schema model: unknown tables
//! and columns become errors that point at the scenario line.

use super::model::{ColumnId, ModelRelation, SchemaModel};
use crate::scenario::{BuiltinSchema, ColumnName, Migration, Scenario, ScenarioError, SchemaSource, TableMention};
use crate::vocabulary::{ColumnRef, DeclaredRelation};

impl Scenario {
    pub fn resolve_table(&self, model: &SchemaModel, name: &TableMention) -> Result<usize, ScenarioError> {
        model.find_table(&name.table).ok_or_else(|| ScenarioError::UnknownTable {
            path: self.path.clone(),
            location: name.location,
            table: name.table.clone(),
            known: model.tables.iter().map(|t| t.display_name()).collect::<Vec<_>>().join(", "),
        })
    }

    pub fn resolve_column(&self, model: &SchemaModel, name: &ColumnName) -> Result<ColumnId, ScenarioError> {
        let table = self.resolve_table(model, &TableMention { table: name.table.clone(), location: name.location })?;
        let columns = &model.tables[table].columns;
        let column = model.tables[table].column_index(&name.column).ok_or_else(|| ScenarioError::UnknownColumn {
            path: self.path.clone(),
            location: name.location,
            table: name.table.clone(),
            column: name.column.clone(),
            known: columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "),
        })?;
        Ok(ColumnId { table, column })
    }

    /// Every column reference: FK constraints (each column of a multi-column one with its
    /// parent column), the built-in schema's declared relations, and the scenario's
    /// `[[relation]]` entries, without repeats.
    pub fn relations(&self, model: &SchemaModel) -> Result<Vec<ModelRelation>, ScenarioError> {
        let mut relations = model.enforced_relations();
        relations.extend(model.multi_column_relations());
        let mut declared: Vec<ColumnName> = Vec::new();
        if let SchemaSource::Builtin(name) = &self.schema {
            let builtin = BuiltinSchema::find(name).expect("validated at load");
            for (from, to) in builtin.relations {
                let at = Default::default();
                declared.push(ColumnName::parse(from, at).expect("built-in relation"));
                declared.push(ColumnName::parse(to, at).expect("built-in relation"));
            }
        }
        for relation in &self.relations {
            declared.push(relation.from.clone());
            declared.push(relation.to.clone());
        }
        for pair in declared.chunks(2) {
            let (from, to) = (self.resolve_column(model, &pair[0])?, self.resolve_column(model, &pair[1])?);
            if !relations.iter().any(|r| r.from == from && r.to == to) {
                relations.push(ModelRelation { from, to, is_enforced: false });
            }
        }
        Ok(relations)
    }

    /// The references the database does not enforce (the built-in schema's and the
    /// scenario's `[[relation]]`s), as the engine and the checks name columns: computed
    /// once per rehearsal and handed to everyone who needs them.
    pub fn declared_relations(&self, model: &SchemaModel) -> Result<Vec<DeclaredRelation>, ScenarioError> {
        let column = |id: ColumnId| {
            let table = &model.tables[id.table];
            ColumnRef::new(&table.schema, &table.name, &table.columns[id.column].name)
        };
        let relations = self.relations(model)?;
        Ok(relations.into_iter().filter(|r| !r.is_enforced).map(|r| DeclaredRelation { child: column(r.from), parent: column(r.to) }).collect())
    }

    /// Checks every table and column the scenario names against the schema.
    pub fn check_against(&self, model: &SchemaModel) -> Result<(), ScenarioError> {
        for (table, _) in &self.rows {
            self.resolve_table(model, table)?;
        }
        self.relations(model)?;
        for anomaly in &self.anomalies {
            self.resolve_column(model, &anomaly.column)?;
        }
        if let Some(Migration::Builtin(builtin)) = &self.migration {
            self.resolve_column(model, &builtin.root)?;
        }
        Ok(())
    }
}
