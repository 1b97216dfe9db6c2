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

/// A canonical uuid text, or one edit away from it: a character swapped for an uppercase
/// digit, a non-hex letter, a multi-byte letter or a hyphen, a hyphen moved, dropped or
/// doubled, a space added.
fn near_canonical(rng: &mut rand_chacha::ChaCha8Rng) -> String {
    let mut chars: Vec<char> = uuid::Uuid::from_u128(rng.gen()).hyphenated().to_string().chars().collect();
    match rng.gen_range(0..8) {
        0 | 1 => {}
        2 => {
            let i = rng.gen_range(0..chars.len());
            chars[i] = chars[i].to_ascii_uppercase();
        }
        3 => chars[rng.gen_range(0..36)] = *['g', 'z', 'é', '-', ' ', '{'].get(rng.gen_range(0..6)).unwrap(),
        4 => {
            let i = *[8usize, 13, 18, 23].get(rng.gen_range(0..4)).unwrap();
            let j = if rng.gen_bool(0.5) { i + 1 } else { i - 1 };
            chars.swap(i, j);
        }
        5 => {
            chars.remove(*[8usize, 13, 18, 23].get(rng.gen_range(0..4)).unwrap());
        }
        6 => chars.insert(rng.gen_range(0..37), '-'),
        _ => chars.push(' '),
    }
    chars.into_iter().collect()
}

#[tokio::test]
async fn the_unchanged_predicate_holds_exactly_for_the_values_the_cast_gives_back_unchanged() {
    use pgrehearse::engine::conversion::Conversion;
    let server = provision::provision(&ProvisionOptions::native()).await.unwrap();
    let db = server.create_database().await.unwrap().keep_on_panic();
    let mut conn = db.connect().await.unwrap();
    sqlx::raw_sql(engine_support::fixture::SCHEMA).execute(&mut conn).await.unwrap();
    let unchanged = Conversion::default().unchanged_sql("s").expect("uuid has an unchanged predicate");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let strings: Vec<String> = (0..20_000).map(|n| if n % 4 == 0 { candidate(&mut rng) } else { near_canonical(&mut rng) }).collect();
    let sql = format!(
        "SELECT count(*) FILTER (WHERE oracle_is_uuid(s) AND ((s)::uuid)::text = s), count(*) FILTER (WHERE NOT oracle_is_uuid(s)),
                count(*) FILTER (WHERE ({unchanged}) IS DISTINCT FROM (oracle_is_uuid(s) AND CASE WHEN oracle_is_uuid(s) THEN ((s)::uuid)::text = s ELSE false END))
         FROM unnest($1::text[]) s"
    );
    let (canonical, invalid, wrong): (i64, i64, i64) = sqlx::query_as(&sql).bind(&strings).fetch_one(&mut conn).await.unwrap();
    assert!(canonical > 5000 && invalid > 3000, "the generator makes canonical strings and near misses: {canonical} canonical, {invalid} invalid");
    let noncanonical = strings.len() as i64 - canonical - invalid;
    assert!(noncanonical > 1000, "and valid non-canonical ones: {noncanonical}");
    assert_eq!(wrong, 0, "the predicate is wrong about {wrong} of {} strings", strings.len());
}
