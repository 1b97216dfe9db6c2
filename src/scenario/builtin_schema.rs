//! The schemas pgrehearse ships: their DDL, readable in `src/scenario/schemas/`, and the
//! relations the database does not enforce but the application relies on.

/// A schema shipped with pgrehearse, named by `[schema] builtin = "..."`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinSchema {
    /// The name a scenario uses.
    pub name: &'static str,
    /// The DDL, executed as written.
    pub ddl: &'static str,
    /// `(from, to)` pairs of `table.column`: references without an FK constraint.
    pub relations: &'static [(&'static str, &'static str)],
}

const JOURNAL: BuiltinSchema = BuiltinSchema {
    name: "journal",
    ddl: include_str!("schemas/journal.sql"),
    relations: &[("journal_entries.user_id", "users.id"), ("reminders.user_id", "users.id")],
};

const ALL: &[BuiltinSchema] = &[JOURNAL];

impl BuiltinSchema {
    /// Looks a built-in schema up by the name a scenario gives.
    pub fn find(name: &str) -> Option<BuiltinSchema> {
        ALL.iter().copied().find(|schema| schema.name == name)
    }

    /// The names of every built-in schema, for error messages.
    pub fn names() -> Vec<&'static str> {
        ALL.iter().map(|schema| schema.name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_declares_its_two_unenforced_relations() {
        let journal = BuiltinSchema::find("journal").expect("journal is built in");
        assert_eq!(journal.relations.len(), 2);
        assert!(journal.ddl.contains("CREATE TABLE journal_entry_tags"));
        assert!(BuiltinSchema::find("nope").is_none());
    }
}
