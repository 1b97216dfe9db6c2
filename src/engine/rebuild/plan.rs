//! Extends a plan for the rebuild (pure): the other foreign keys that touch a planned
//! table, and every view over one, from the same catalog facts the planner read.

use super::super::facts::{CatalogFacts, ViewFacts};
use super::super::plan::Plan;
use super::super::planner::PlanError;
use super::RebuildPlan;

pub fn rebuild_plan(facts: &CatalogFacts, plan: &Plan) -> Result<RebuildPlan, PlanError> {
    let planned = |schema: &str, table: &str| plan.table(schema, table).is_some();
    let foreign_keys = facts
        .constraints
        .iter()
        .filter(|c| c.kind == 'f')
        .filter(|c| !plan.foreign_keys.iter().any(|f| f.schema == c.schema && f.table == c.table && f.name == c.name))
        .filter(|c| planned(&c.schema, &c.table) || c.referenced.as_ref().is_some_and(|(s, t, _)| planned(s, t)))
        .cloned()
        .collect();
    let mut views: Vec<ViewFacts> = Vec::new();
    let mut grew = true;
    while grew {
        grew = false;
        for view in &facts.views {
            if views.iter().any(|v| v.schema == view.schema && v.name == view.name) {
                continue;
            }
            let reads_planned = view.reads.iter().any(|(s, t, _)| planned(s, t));
            let reads_chosen = view.reads.iter().any(|(s, t, _)| views.iter().any(|v| &v.schema == s && &v.name == t));
            if reads_planned || reads_chosen {
                if view.kind == 'm' {
                    return Err(PlanError::MaterializedView(format!("{}.{}", view.schema, view.name)));
                }
                views.push(view.clone());
                grew = true;
            }
        }
    }
    Ok(RebuildPlan { foreign_keys, views })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::conversion::Conversion;
    use crate::engine::facts::{ColumnFacts, ConstraintFacts, TableFacts};
    use crate::engine::planner;
    use crate::vocabulary::ColumnRef;

    fn table(name: &str, columns: &[(&str, &str)]) -> TableFacts {
        let columns = columns
            .iter()
            .enumerate()
            .map(|(i, (n, ty))| ColumnFacts { name: n.to_string(), attnum: i as i16 + 1, data_type: ty.to_string(), not_null: true, default: None })
            .collect();
        TableFacts { schema: "public".into(), name: name.into(), columns, primary_key: vec!["id".into()] }
    }

    fn fk(table: &str, name: &str, column: &str, parent: &str, parent_column: &str) -> ConstraintFacts {
        ConstraintFacts {
            schema: "public".into(),
            table: table.into(),
            name: name.into(),
            kind: 'f',
            columns: vec![column.into()],
            referenced: Some(("public".into(), parent.into(), vec![parent_column.into()])),
            definition: format!("FOREIGN KEY ({column}) REFERENCES {parent}({parent_column})"),
            validated: true,
            deferrable: false,
            deferred: false,
        }
    }

    fn view(name: &str, reads: &[(&str, &str)]) -> ViewFacts {
        ViewFacts {
            schema: "public".into(),
            name: name.into(),
            kind: 'v',
            definition: "SELECT 1".into(),
            reads: reads.iter().map(|(t, c)| ("public".to_string(), t.to_string(), c.to_string())).collect(),
        }
    }

    /// users(id → converted, email) ← sessions.user_email (unplanned, FK on email);
    /// users.team_id → teams (planned → unplanned); a view over users.email, a view over
    /// that view, and a view over teams only.
    fn facts() -> CatalogFacts {
        let vc = "character varying(36)";
        CatalogFacts {
            tables: vec![
                table("users", &[("id", vc), ("email", "text"), ("team_id", "bigint")]),
                table("sessions", &[("id", "bigint"), ("user_email", "text")]),
                table("teams", &[("id", "bigint")]),
            ],
            constraints: vec![fk("sessions", "sessions_user_email_fkey", "user_email", "users", "email"), fk("users", "users_team_id_fkey", "team_id", "teams", "id")],
            indexes: vec![],
            views: vec![view("user_emails_upper", &[("user_emails", "email")]), view("user_emails", &[("users", "email")]), view("team_ids", &[("teams", "id")])],
        }
    }

    #[test]
    fn every_foreign_key_touching_a_planned_table_and_every_view_over_one_moves() {
        let facts = facts();
        let plan = planner::build(&facts, &ColumnRef::new("public", "users", "id"), &[], Conversion::default()).unwrap();
        assert!(plan.foreign_keys.is_empty(), "no foreign key has a converted column");
        assert!(plan.views.is_empty(), "no view reads a converted column");
        let rebuild = rebuild_plan(&facts, &plan).unwrap();
        let fks: Vec<&str> = rebuild.foreign_keys.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(fks, ["sessions_user_email_fkey", "users_team_id_fkey"]);
        let views: Vec<&str> = rebuild.views.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(views, ["user_emails", "user_emails_upper"], "a view comes after the view it reads; views over other tables stay");
    }

    #[test]
    fn a_materialized_view_over_a_planned_table_is_refused() {
        let mut facts = facts();
        facts.views.push(ViewFacts { kind: 'm', ..view("emails_cached", &[("users", "email")]) });
        let plan = planner::build(&facts, &ColumnRef::new("public", "users", "id"), &[], Conversion::default()).unwrap();
        assert!(matches!(rebuild_plan(&facts, &plan), Err(PlanError::MaterializedView(name)) if name == "public.emails_cached"));
    }
}
