//! `Scenario::load`: read the file, parse it, and validate everything that does not need
//! the schema: shapes of names, amounts, policies, and that named files exist.

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::error::ScenarioError;
use super::file::{self, AnomalyEntry, ColumnEntry, ScenarioFile};
use super::location::Location;
use super::migration_load::validate_migration;
use super::names::{ColumnName, TableMention};
use super::scenario::{Amount, AnomalyRequest, ColumnSource, ColumnValues, RelationDecl, Scenario, SchemaSource, DEFAULT_EDGE_RATE};
use super::builtin_schema::BuiltinSchema;
use super::expect::validate_expect;
use super::faults_load::validate_faults;
use crate::vocabulary::AnomalyKind;

/// What validation needs at hand: the file and its text, to turn spans into lines.
pub(super) struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl Source<'_> {
    pub fn at<T>(&self, spanned: &Spanned<T>) -> Location {
        Location::of_span(self.text, &spanned.span())
    }

    pub fn invalid(&self, location: Location, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid { path: self.path.to_path_buf(), location, message: message.into() }
    }

    /// Resolves a path written in the scenario against the scenario's directory, and
    /// checks that it exists.
    pub fn existing_file(&self, key: &str, written: &Spanned<String>) -> Result<PathBuf, ScenarioError> {
        let resolved = self.path.parent().unwrap_or(Path::new("")).join(written.get_ref());
        if resolved.exists() {
            return Ok(resolved);
        }
        Err(ScenarioError::MissingFile {
            path: self.path.to_path_buf(),
            location: self.at(written),
            key: key.to_string(),
            file: written.get_ref().clone(),
            resolved,
        })
    }

    pub fn column_name(&self, written: &Spanned<String>) -> Result<ColumnName, ScenarioError> {
        let location = self.at(written);
        ColumnName::parse(written.get_ref(), location).ok_or_else(|| {
            self.invalid(location, format!("`{}` is not a column: write `table.column`", written.get_ref()))
        })
    }
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read { path: path.to_path_buf(), source })?;
        Scenario::from_text(path, &text)
    }

    /// Validates scenario text as if it had been read from `path`.
    pub fn from_text(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        let raw = file::parse(text).map_err(|err| ScenarioError::Syntax {
            path: path.to_path_buf(),
            location: err.span().map(|span| Location::of_span(text, &span)).unwrap_or_default(),
            message: err.message().to_string(),
        })?;
        validate(&Source { path, text }, raw)
    }
}

fn validate(source: &Source<'_>, raw: ScenarioFile) -> Result<Scenario, ScenarioError> {
    if raw.name.get_ref().trim().is_empty() {
        return Err(source.invalid(source.at(&raw.name), "`name` is empty: give the scenario a name"));
    }
    if !is_plain_file_name(raw.name.get_ref()) {
        let message = format!("`name` {:?} is not a plain file name (reports are written to `--out/<name>`): use letters, digits, `-` or `_`, without `/`, `\\` or a leading `.`", raw.name.get_ref());
        return Err(source.invalid(source.at(&raw.name), message));
    }
    let rows = raw
        .rows
        .iter()
        .map(|(table, &count)| (TableMention { table: table.get_ref().clone(), location: source.at(table) }, count))
        .collect();
    let relations = raw
        .relations
        .iter()
        .map(|entry| Ok(RelationDecl { from: source.column_name(&entry.from)?, to: source.column_name(&entry.to)? }))
        .collect::<Result<Vec<_>, ScenarioError>>()?;
    let anomalies = raw.anomalies.iter().map(|entry| validate_anomaly(source, entry)).collect::<Result<Vec<_>, _>>()?;
    let migration = raw.migration.as_ref().map(|section| validate_migration(source, section)).transpose()?;
    let (expect, intent) = validate_expect(source, raw.expect.as_ref(), migration.as_ref())?;
    let faults = validate_faults(source, raw.faults.as_ref(), migration.as_ref())?;
    Ok(Scenario {
        path: source.path.to_path_buf(),
        name: raw.name.get_ref().clone(),
        seed: raw.seed,
        schema: validate_schema(source, &raw.schema)?,
        rows,
        relations,
        anomalies,
        migration,
        expect,
        intent,
        edge_rate: validate_edge_rate(source, raw.values.as_ref())?,
        columns: raw.columns.iter().map(|entry| validate_column(source, entry)).collect::<Result<_, _>>()?,
        export_sqlite: raw.export.as_ref().is_some_and(|export| export.sqlite),
        faults,
    })
}

/// A name that, joined to a directory, stays a single entry inside it.
fn is_plain_file_name(name: &str) -> bool {
    !name.starts_with('.') && !name.contains(['/', '\\', '\0', ':']) && Path::new(name).file_name().is_some_and(|f| f == name)
}

fn validate_edge_rate(source: &Source<'_>, values: Option<&Spanned<file::ValuesSection>>) -> Result<f64, ScenarioError> {
    let Some(values) = values else { return Ok(DEFAULT_EDGE_RATE) };
    match values.get_ref().edge_rate {
        None => Ok(DEFAULT_EDGE_RATE),
        Some(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        Some(rate) => Err(source.invalid(source.at(values), format!("[values] edge_rate {rate} is outside 0..=1"))),
    }
}

fn validate_column(source: &Source<'_>, entry: &Spanned<ColumnEntry>) -> Result<ColumnSource, ScenarioError> {
    let at = source.at(entry);
    let entry = entry.get_ref();
    let values = match (&entry.values, &entry.from) {
        (Some(values), None) if values.is_empty() => return Err(source.invalid(at, "a [[column]] `values` list is empty: give at least one value")),
        (Some(values), None) => ColumnValues::List(values.clone()),
        (None, Some(from)) => ColumnValues::From(source.column_name(from)?),
        _ => return Err(source.invalid(at, "a [[column]] needs exactly one of `values = [\"a\", \"b\"]` or `from = \"table.column\"`")),
    };
    Ok(ColumnSource { column: source.column_name(&entry.column)?, values })
}

fn validate_schema(source: &Source<'_>, schema: &Spanned<file::SchemaSection>) -> Result<SchemaSource, ScenarioError> {
    let at = source.at(schema);
    match (&schema.get_ref().builtin, &schema.get_ref().file) {
        (Some(name), None) => match BuiltinSchema::find(name) {
            Some(_) => Ok(SchemaSource::Builtin(name.clone())),
            None => Err(source.invalid(at, format!("no built-in schema `{name}` (built in: {})", BuiltinSchema::names().join(", ")))),
        },
        (None, Some(file)) => {
            let spanned = Spanned::new(schema.span(), file.clone());
            Ok(SchemaSource::File(source.existing_file("schema.file", &spanned)?))
        }
        _ => Err(source.invalid(at, "[schema] needs exactly one of `builtin = \"journal\"` or `file = \"schemas/x.sql\"`")),
    }
}

fn validate_anomaly(source: &Source<'_>, entry: &Spanned<AnomalyEntry>) -> Result<AnomalyRequest, ScenarioError> {
    let at = source.at(entry);
    let entry = entry.get_ref();
    let kind = AnomalyKind::parse(entry.kind.get_ref()).ok_or_else(|| {
        let known: Vec<&str> = AnomalyKind::ALL.iter().map(|k| k.as_str()).collect();
        source.invalid(source.at(&entry.kind), format!("unknown anomaly kind `{}` (kinds: {})", entry.kind.get_ref(), known.join(", ")))
    })?;
    let amount = match (entry.rate, entry.count) {
        (Some(rate), None) if (0.0..=1.0).contains(&rate) => Amount::Rate(rate),
        (Some(rate), None) => return Err(source.invalid(at, format!("anomaly rate {rate} is outside 0..=1"))),
        (None, Some(count)) => Amount::Count(count),
        _ => return Err(source.invalid(at, "an [[anomaly]] needs exactly one of `rate = 0.01` or `count = 25`")),
    };
    if kind == AnomalyKind::CaseCollision && matches!(amount, Amount::Count(count) if count % 2 == 1) {
        return Err(source.invalid(at, "case_collision counts rows and each collision is a pair: give an even count"));
    }
    let varieties = match &entry.varieties {
        None => Vec::new(),
        Some(written) => validate_varieties(source, kind, written)?,
    };
    Ok(AnomalyRequest { kind, column: source.column_name(&entry.column)?, amount, varieties })
}

fn validate_varieties(source: &Source<'_>, kind: AnomalyKind, written: &Spanned<Vec<String>>) -> Result<Vec<&'static str>, ScenarioError> {
    let known = crate::vocabulary::varieties(kind);
    if written.get_ref().is_empty() {
        return Err(source.invalid(source.at(written), "`varieties` is empty: leave it out to use them all"));
    }
    written
        .get_ref()
        .iter()
        .map(|name| {
            known.iter().copied().find(|k| k == name).ok_or_else(|| {
                let choice = if known.is_empty() { "it has none".to_string() } else { format!("it has: {}", known.join(", ")) };
                source.invalid(source.at(written), format!("{kind} has no variety `{name}` ({choice})"))
            })
        })
        .collect()
}
