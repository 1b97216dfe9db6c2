//! The scenario TOML exactly as written: serde structures that refuse unknown keys and keep
//! the spans of every name a person may have mistyped, so errors can point at the line.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Same seed, same bytes. TOML integers are signed, so 0 ..= 9223372036854775807.
    pub seed: u64,
    #[schemars(with = "SchemaSection")]
    pub schema: Spanned<SchemaSection>,
    /// Row counts per table; tables not listed get a fan-out from their parents.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, u64>")]
    pub rows: BTreeMap<Spanned<String>, u64>,
    #[serde(default, rename = "relation")]
    pub relations: Vec<RelationEntry>,
    #[serde(default, rename = "anomaly")]
    #[schemars(with = "Vec<AnomalyEntry>")]
    pub anomalies: Vec<Spanned<AnomalyEntry>>,
    #[schemars(with = "Option<MigrationSection>")]
    pub migration: Option<Spanned<MigrationSection>>,
    pub expect: Option<ExpectSection>,
    /// `[values]`: how generated values spread over each type's domain.
    #[schemars(with = "Option<ValuesSection>")]
    pub values: Option<Spanned<ValuesSection>>,
    /// `[[column]]`: a column's values given by the scenario.
    #[serde(default, rename = "column")]
    #[schemars(with = "Vec<ColumnEntry>")]
    pub columns: Vec<Spanned<ColumnEntry>>,
    /// `[export]`: extra exports of the rehearsed databases, verified like the rest.
    pub export: Option<ExportSection>,
    /// `[faults]`: faults injected into the built-in engine, each on its own clone of the
    /// seeded database, each ending with the invariants checked.
    #[schemars(with = "Option<FaultsSection>")]
    pub faults: Option<Spanned<FaultsSection>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultsSection {
    /// Points at which the engine is killed (SIGKILL) and then resumed: `classification`,
    /// `backup`, `copy`, `index-build`, `swap`, `validate`, `rollback`, `cleanup`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub kill_engine: Vec<Spanned<String>>,
    /// Stop the server hard (immediate shutdown) mid-batch, start it again, resume.
    #[serde(default)]
    pub server_restart: bool,
    /// Another session holds a lock the swap needs: the engine must fail cleanly.
    #[serde(default)]
    pub lock_during_swap: bool,
    /// The backup's tables go to a tablespace on a tmpfs too small for them.
    #[serde(default)]
    pub disk_full_during_backup: bool,
    /// An application workload writes through the old schema while the engine migrates.
    #[serde(default)]
    pub concurrent_workload: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportSection {
    /// Export the seeded database, and the migrated one, to SQLite and verify both.
    #[serde(default)]
    pub sqlite: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValuesSection {
    /// Share of rows whose value cells come from the edges of their type's domain.
    pub edge_rate: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnEntry {
    #[schemars(with = "String")]
    pub column: Spanned<String>,
    /// The values the column takes, picked uniformly.
    pub values: Option<Vec<String>>,
    /// `table.column`: a value of a row of another table.
    #[schemars(with = "Option<String>")]
    pub from: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemaSection {
    pub builtin: Option<String>,
    /// Relative to the scenario file.
    pub file: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RelationEntry {
    #[schemars(with = "String")]
    pub from: Spanned<String>,
    #[schemars(with = "String")]
    pub to: Spanned<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnomalyEntry {
    #[schemars(with = "String")]
    pub kind: Spanned<String>,
    #[schemars(with = "String")]
    pub column: Spanned<String>,
    pub rate: Option<f64>,
    pub count: Option<u64>,
    /// The varieties to use, in turn; all of the kind's when absent.
    #[schemars(with = "Option<Vec<String>>")]
    pub varieties: Option<Spanned<Vec<String>>>,
}

/// `[migration]`: the built-in engine (`engine = "uuid"`) or the user's own SQL.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MigrationSection {
    #[schemars(with = "Option<String>")]
    pub engine: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub root: Option<Spanned<String>>,
    pub batch_size: Option<u64>,
    /// How the built-in engine rewrites the tables: `auto` (the default: `rebuild` unless a
    /// table has something it cannot carry, then `in-place`), `rebuild` (copy and swap) or
    /// `in-place`.
    #[schemars(with = "Option<String>")]
    pub convert: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub on_invalid: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub on_orphan: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub on_collision: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub up: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub down: Option<Spanned<String>>,
    /// A directory of sqlx-style `NNNN_name.up.sql` / `.down.sql` files.
    #[schemars(with = "Option<String>")]
    pub migrations: Option<Spanned<String>>,
    /// Where the user's migration keeps the rows it sets aside, e.g. `migration_quarantine.*`.
    pub quarantine: Option<Vec<String>>,
    /// Whether the engine's bookkeeping objects may remain after rollback.
    #[serde(default)]
    pub keep_bookkeeping: bool,
}

/// `[expect]`: for a scenario whose migration is meant to fail, and what up changes on
/// purpose (the key names are shared with scenarios written elsewhere: keep them exact).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectSection {
    #[schemars(with = "Option<String>")]
    pub up: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub down: Option<Spanned<String>>,
    /// `{ audit_log = 1 }`: up adds exactly this many rows to these tables.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, u64>")]
    pub rows_added: BTreeMap<Spanned<String>, u64>,
    /// `{ sessions = 120 }`: up removes exactly this many rows (beyond quarantine).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, u64>")]
    pub rows_removed: BTreeMap<Spanned<String>, u64>,
    /// `["users.email"]`: up may change these values.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub changed_columns: Vec<Spanned<String>>,
    /// `["audit_log.at"]`: values that differ between two runs of up.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub volatile_columns: Vec<Spanned<String>>,
    /// `{ users = "email" }`: pair rows by this key when up changes the primary key.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub match_by: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// Parses scenario text into the raw structures.
pub fn parse(text: &str) -> Result<ScenarioFile, toml::de::Error> {
    toml::from_str(text)
}
