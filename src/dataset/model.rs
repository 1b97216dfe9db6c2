//! A schema as data: tables, columns, keys, unique constraints and references, read from
//! the catalog once and then used by pure planning code.

use serde::Serialize;

/// Every user table of a database, in a stable order (schema, then name).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SchemaModel {
    pub tables: Vec<TableModel>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableModel {
    pub schema: String,
    pub name: String,
    /// In `attnum` order, which is also the COPY column order.
    pub columns: Vec<ColumnModel>,
    /// Column indexes in key order; empty when the table has no primary key.
    pub primary_key: Vec<usize>,
    /// Unique constraints (and unique indexes), each as column indexes.
    pub uniques: Vec<Vec<usize>>,
    pub foreign_keys: Vec<ForeignKeyModel>,
    /// CHECK constraints over two or more columns, which the generator cannot satisfy:
    /// (name, definition).
    pub multi_column_checks: Vec<(String, String)>,
    /// A partitioned table (`PARTITION BY`); its partitions are not listed on their own.
    pub is_partitioned: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnModel {
    pub name: String,
    /// As `format_type` prints it, e.g. `character varying(36)`.
    pub sql_type: String,
    pub base: BaseType,
    /// The declared length of a `varchar(n)`/`char(n)`, which every value must fit.
    pub max_len: Option<usize>,
    pub not_null: bool,
    /// Generated columns take no values through COPY.
    pub is_generated: bool,
    /// `numeric(p, s)`: precision and scale; `None` for unconstrained numeric and other types.
    pub numeric: Option<(u32, u32)>,
    /// An enum's labels in order (of the column's type, or its array's element type).
    pub labels: Vec<String>,
    /// An array of `base` (the element type, through any domain).
    pub is_array: bool,
    /// CHECK constraints on this column alone, its domain's included: (name, definition).
    pub checks: Vec<(String, String)>,
    /// Some index covers the column, so a value must fit a btree entry (about 2.7 KB).
    pub is_indexed: bool,
}

impl Default for ColumnModel {
    fn default() -> ColumnModel {
        ColumnModel {
            name: String::new(),
            sql_type: String::new(),
            base: BaseType::Text,
            max_len: None,
            not_null: false,
            is_generated: false,
            numeric: None,
            labels: Vec::new(),
            is_array: false,
            checks: Vec::new(),
            is_indexed: false,
        }
    }
}

/// The type families the generator knows how to fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum BaseType {
    Text,
    Bool,
    Int2,
    Int4,
    Int8,
    Numeric,
    Float,
    Date,
    Timestamp,
    Timestamptz,
    Uuid,
    Json,
    Bytea,
    Other(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct ForeignKeyModel {
    pub columns: Vec<usize>,
    pub ref_table: usize,
    pub ref_columns: Vec<usize>,
}

/// One column of one table, by index into [`SchemaModel::tables`] and its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ColumnId {
    pub table: usize,
    pub column: usize,
}

/// A single-column reference, enforced by an FK constraint or only declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ModelRelation {
    pub from: ColumnId,
    pub to: ColumnId,
    pub is_enforced: bool,
}

impl BaseType {
    /// Maps a `pg_type.typname` onto a family.
    pub fn from_typname(typname: &str) -> BaseType {
        match typname {
            "varchar" | "text" | "bpchar" | "name" | "citext" => BaseType::Text,
            "bool" => BaseType::Bool,
            "int2" => BaseType::Int2,
            "int4" => BaseType::Int4,
            "int8" => BaseType::Int8,
            "numeric" => BaseType::Numeric,
            "float4" | "float8" => BaseType::Float,
            "date" => BaseType::Date,
            "timestamp" => BaseType::Timestamp,
            "timestamptz" => BaseType::Timestamptz,
            "uuid" => BaseType::Uuid,
            "json" | "jsonb" => BaseType::Json,
            "bytea" => BaseType::Bytea,
            other => BaseType::Other(other.to_string()),
        }
    }
}

impl TableModel {
    /// `schema.name` as people read it; `public.` is left off.
    pub fn display_name(&self) -> String {
        if self.schema == "public" {
            self.name.clone()
        } else {
            format!("{}.{}", self.schema, self.name)
        }
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|column| column.name == name)
    }

    /// Whether some primary key or unique constraint covers exactly this one column.
    pub fn is_single_unique(&self, column: usize) -> bool {
        self.primary_key == [column] || self.uniques.iter().any(|unique| unique == &[column])
    }

    /// Whether the primary key or some unique constraint covers exactly these columns.
    pub fn is_unique_set(&self, columns: &[usize]) -> bool {
        let sorted = |columns: &[usize]| {
            let mut columns = columns.to_vec();
            columns.sort_unstable();
            columns
        };
        let wanted = sorted(columns);
        std::iter::once(&self.primary_key).chain(self.uniques.iter()).any(|key| sorted(key) == wanted)
    }

    /// Whether the column takes part in the primary key or any unique constraint.
    pub fn is_in_unique(&self, column: usize) -> bool {
        self.primary_key.contains(&column) || self.uniques.iter().any(|unique| unique.contains(&column))
    }
}

impl SchemaModel {
    /// Finds `table` or `schema.table`; a bare name prefers `public`, then any one match.
    pub fn find_table(&self, name: &str) -> Option<usize> {
        if let Some((schema, table)) = name.split_once('.') {
            return self.tables.iter().position(|t| t.schema == schema && t.name == table);
        }
        let public = self.tables.iter().position(|t| t.schema == "public" && t.name == name);
        public.or_else(|| {
            let matches: Vec<usize> = (0..self.tables.len()).filter(|&i| self.tables[i].name == name).collect();
            (matches.len() == 1).then(|| matches[0])
        })
    }

    pub fn column(&self, id: ColumnId) -> &ColumnModel {
        &self.tables[id.table].columns[id.column]
    }

    /// `table.column` as people read it.
    pub fn column_name(&self, id: ColumnId) -> String {
        format!("{}.{}", self.tables[id.table].display_name(), self.column(id).name)
    }

    /// Each column of each multi-column FK with the parent column it matches, as enforced
    /// relations; the plan makes the columns of one FK pick the same parent row.
    pub fn multi_column_relations(&self) -> Vec<ModelRelation> {
        let mut relations = Vec::new();
        for (table_index, table) in self.tables.iter().enumerate() {
            for fk in table.foreign_keys.iter().filter(|fk| fk.columns.len() > 1) {
                for (&column, &to) in fk.columns.iter().zip(&fk.ref_columns) {
                    relations.push(ModelRelation {
                        from: ColumnId { table: table_index, column },
                        to: ColumnId { table: fk.ref_table, column: to },
                        is_enforced: true,
                    });
                }
            }
        }
        relations
    }

    /// The single-column FKs, as enforced relations (the references people name one
    /// column at a time; see [`SchemaModel::multi_column_relations`] for the others).
    pub fn enforced_relations(&self) -> Vec<ModelRelation> {
        let mut relations = Vec::new();
        for (table_index, table) in self.tables.iter().enumerate() {
            for fk in table.foreign_keys.iter().filter(|fk| fk.columns.len() == 1) {
                relations.push(ModelRelation {
                    from: ColumnId { table: table_index, column: fk.columns[0] },
                    to: ColumnId { table: fk.ref_table, column: fk.ref_columns[0] },
                    is_enforced: true,
                });
            }
        }
        relations
    }
}
