//! The uuid validity pattern preflight uses must accept exactly what `::uuid` accepts.
//! Strings are generated around the edges of the grammar (hyphens anywhere, braces on one
//! side, wrong lengths, non-hex letters, whitespace) and each is judged by both.

mod engine_support;

use pgrehearse::engine::conversion::UUID_INPUT_PATTERN;
use pgrehearse::provision::{self, ProvisionOptions};
use rand::{Rng, SeedableRng};

fn candidate(rng: &mut rand_chacha::ChaCha8Rng) -> String {
    let hex = b"0123456789abcdefABCDEF";
    let digits = *[32usize, 32, 32, 31, 33, 30].get(rng.gen_range(0..6)).unwrap();
    let mut s = String::new();
    if rng.gen_bool(0.25) {
        s.push('{');
    }
    for i in 0..digits {
        if i > 0 && rng.gen_bool(if i % 4 == 0 { 0.6 } else { 0.03 }) {
            s.push('-');
        }
        let c = if rng.gen_bool(0.01) { *b"gGxz -".get(rng.gen_range(0..6)).unwrap() } else { hex[rng.gen_range(0..hex.len())] };
        s.push(c as char);
    }
    if rng.gen_bool(0.05) {
        s.push('-');
    }
    if s.starts_with('{') != rng.gen_bool(0.05) {
        s.push('}');
    }
    if rng.gen_bool(0.02) {
        s.insert(0, ' ');
    }
    s
}

#[tokio::test]
async fn validity_pattern_agrees_with_uuid_in_on_generated_strings() {
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    sqlx::raw_sql(engine_support::fixture::SCHEMA).execute(&mut conn).await.unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
    let mut strings: Vec<String> = (0..20_000).map(|_| candidate(&mut rng)).collect();
    strings.extend(["", "{}", "-", "{0123456789abcdef0123456789abcdef}", "0123-4567-89ab-cdef-0123-4567-89ab-cdef"].map(String::from));
    let rows: Vec<(String, bool, bool)> = sqlx::query_as("SELECT s, s ~ $2, oracle_is_uuid(s) FROM unnest($1::text[]) s")
        .bind(&strings)
        .bind(UUID_INPUT_PATTERN)
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), strings.len());
    let accepted = rows.iter().filter(|r| r.2).count();
    assert!(accepted > 1000 && accepted < rows.len() - 1000, "generator must produce both kinds: {accepted} of {}", rows.len());
    let disagreements: Vec<&(String, bool, bool)> = rows.iter().filter(|r| r.1 != r.2).collect();
    assert!(disagreements.is_empty(), "pattern and ::uuid disagree on {} strings, e.g. {:?}", disagreements.len(), &disagreements[..disagreements.len().min(5)]);
}

/// The uuid match key (the narrowing before a comparison under the conversion) must be a
/// necessary condition: every string `::uuid` accepts has the key of its canonical form,
/// so two strings of one uuid always share it and no cascade or orphan match is missed.
#[tokio::test]
async fn every_uuid_string_has_the_match_key_of_its_canonical_form() {
    use pgrehearse::engine::conversion::Conversion;
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    sqlx::raw_sql(engine_support::fixture::SCHEMA).execute(&mut conn).await.unwrap();
    let conversion = Conversion::default();
    let key = |expr: &str| conversion.match_key_sql(expr).expect("uuid has a match key");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let strings: Vec<String> = (0..20_000).map(|_| candidate(&mut rng)).collect();
    let sql = format!(
        "SELECT count(*) FILTER (WHERE oracle_is_uuid(s)), count(*) FILTER (WHERE CASE WHEN oracle_is_uuid(s) THEN {} IS DISTINCT FROM {} ELSE false END)
         FROM unnest($1::text[]) s",
        key("s"),
        key("((s)::uuid)::text")
    );
    let (valid, differ): (i64, i64) = sqlx::query_as(&sql).bind(&strings).fetch_one(&mut conn).await.unwrap();
    assert!(valid > 1000, "the generator makes valid strings in every form: {valid}");
    assert_eq!(differ, 0, "{differ} of {valid} valid strings have another match key than their canonical form");
}
