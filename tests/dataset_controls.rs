//! What a scenario controls: `varieties = [...]` on an `[[anomaly]]` picks the varieties
//! the ground truth records, and a `[[column]]` gives a column its values from a list or
//! from another table's column. A variety the kind does not have is refused at load.

mod dataset_support;

use std::collections::BTreeSet;

use dataset_support::scenario;
use pgrehearse::dataset::{self, AnomalyKind, SeedObserver};
use pgrehearse::provision::{self, ProvisionOptions};
use pgrehearse::scenario::Scenario;

struct Quiet;
impl SeedObserver for Quiet {}

const HEAD: &str = "name = \"controls\"\nseed = 11\n[schema]\nbuiltin = \"journal\"\n[rows]\nusers = 400\ntags = 500\nreminders = 600\n";

#[tokio::test]
async fn varieties_and_column_sources_shape_the_seeded_data() {
    let text = format!(
        "{HEAD}[[anomaly]]\nkind = \"noncanonical_uuid\"\ncolumn = \"users.id\"\ncount = 20\nvarieties = [\"uppercase\", \"braces\"]\n\
         [[anomaly]]\nkind = \"invalid_uuid\"\ncolumn = \"journal_entries.user_id\"\ncount = 9\nvarieties = [\"too_short\"]\n\
         [[column]]\ncolumn = \"users.display_name\"\nvalues = [\"viewer\", \"editor\", \"owner\"]\n\
         [[column]]\ncolumn = \"reminders.message\"\nfrom = \"tags.name\"\n"
    );
    let scenario = scenario(&text);
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let summary = dataset::seed(&mut conn, &scenario, &Quiet).await.unwrap();

    let varieties = |kind: AnomalyKind| -> BTreeSet<String> {
        summary.truth.anomalies.iter().filter(|r| r.kind == kind).filter_map(|r| r.variety.clone()).collect()
    };
    assert_eq!(summary.truth.count("users", AnomalyKind::NoncanonicalUuid), 20);
    assert_eq!(varieties(AnomalyKind::NoncanonicalUuid), BTreeSet::from(["braces".to_string(), "uppercase".to_string()]));
    assert_eq!(varieties(AnomalyKind::InvalidUuid), BTreeSet::from(["too_short".to_string()]));
    // The recorded varieties are what the rows hold.
    let (braces,): (i64,) = sqlx::query_as("SELECT count(*) FROM users WHERE id LIKE '{%}'").fetch_one(&mut conn).await.unwrap();
    let recorded_braces = summary.truth.anomalies.iter().filter(|r| r.table_name == "users" && r.variety.as_deref() == Some("braces")).count();
    assert_eq!(braces as usize, recorded_braces);

    let names: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT display_name FROM users WHERE display_name IS NOT NULL ORDER BY 1").fetch_all(&mut conn).await.unwrap();
    let names: Vec<String> = names.into_iter().map(|(n,)| n).collect();
    assert_eq!(names, ["editor", "owner", "viewer"], "every listed value, and only those");

    let (messages, copied, tag_names): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE message IN (SELECT name FROM tags)), count(DISTINCT message) FROM reminders",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(messages, 600);
    assert_eq!(copied, messages, "every message is the name of some tag");
    assert!(tag_names > 100, "taken from many tags ({tag_names})");
}

#[test]
fn unknown_varieties_and_malformed_column_entries_are_refused_at_load_with_their_line() {
    let path = dataset_support::scenarios_dir().join("bad.toml");
    let cases = [
        ("[[anomaly]]\nkind = \"noncanonical_uuid\"\ncolumn = \"users.id\"\ncount = 2\nvarieties = [\"sideways\"]\n", "no variety `sideways`"),
        ("[[anomaly]]\nkind = \"orphan\"\ncolumn = \"reminders.user_id\"\ncount = 2\nvarieties = [\"exact\"]\n", "it has none"),
        ("[[column]]\ncolumn = \"users.display_name\"\n", "exactly one of"),
        ("[[column]]\ncolumn = \"users.display_name\"\nvalues = []\n", "empty"),
        ("[values]\nedge_rate = 2.0\n", "edge_rate"),
    ];
    let head_lines = HEAD.lines().count();
    for (tail, expected) in cases {
        let err = Scenario::from_text(&path, &format!("{HEAD}{tail}")).unwrap_err();
        assert!(err.to_string().contains(expected), "`{err}` should say `{expected}`");
        let line = err.line().expect("the error names a line");
        assert!(line > head_lines && line <= head_lines + tail.lines().count(), "line {line} is in the entry: {err}");
    }
}
