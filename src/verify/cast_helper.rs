//! The `try_cast` helpers the verifier installs in a scratch schema: Postgres 15 has no
//! `pg_input_is_valid` (new in 16), so "can this old value be cast to the new type?" is a
//! PL/pgSQL function with an exception block, one per target type. A helper returns the
//! value as the target type (so a fingerprint hashes it as that type hashes it), or NULL
//! where the cast fails.
//!
//! The type name never passes through our SQL text: it is bound as a parameter, turned
//! into a `regtype` by Postgres, and `format('%s', regtype)` quotes it as Postgres does.
//! <https://www.postgresql.org/docs/15/plpgsql-control-structures.html#PLPGSQL-ERROR-TRAPPING>

use sqlx::{Connection, Executor, PgConnection};

use super::error::VerifyError;

/// The scratch schema; every snapshot leaves it out.
pub const HELPER_SCHEMA: &str = "pgrehearse_verify";

/// Serializes installs from concurrent checks on one database: concurrent
/// `CREATE OR REPLACE FUNCTION` fails with "tuple concurrently updated".
const INSTALL_LOCK_SQL: &str = "SELECT pg_advisory_xact_lock(hashtext('pgrehearse_verify'))";

/// The helper is PARALLEL UNSAFE on purpose: an exception block starts a subtransaction,
/// which Postgres refuses inside a parallel query ("cannot start subtransactions during a
/// parallel operation").
///
/// The exception block costs a subtransaction per value: 4.5 s for 600k ids on a loaded
/// 2-core machine, where the cast alone takes 0.9 s. For a target type with a guard
/// ([`guard`]), the helper is an SQL function that Postgres inlines: values the guard
/// admits (which it admits only when they surely cast) are cast directly, and only the
/// rest go through the exception block (3.3 s for the same 600k ids). A guard's regular
/// expressions avoid bounded repetition (`{8}`), which made Postgres's regex engine slower
/// than the exception block.
const INSTALL_SQL: &str = r#"
CREATE SCHEMA IF NOT EXISTS pgrehearse_verify;
CREATE OR REPLACE FUNCTION pgrehearse_verify.make_cast_helper(target regtype, guard text) RETURNS text
LANGUAGE plpgsql AS $make$
DECLARE
    fname text := 'try_as_' || target::oid;
    fast text := 'guarded_as_' || target::oid;
BEGIN
    IF to_regprocedure('pgrehearse_verify.' || fname || '(text)') IS NULL THEN
        EXECUTE format($f$
            CREATE FUNCTION pgrehearse_verify.%I(v text) RETURNS %s
            LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL UNSAFE AS $body$
            BEGIN
                RETURN v::%s;
            EXCEPTION WHEN others THEN
                RETURN NULL;
            END $body$ $f$, fname, target, target);
    END IF;
    IF guard IS NULL THEN
        RETURN fname;
    END IF;
    IF to_regprocedure('pgrehearse_verify.' || fast || '(text)') IS NULL THEN
        EXECUTE format($f$
            CREATE FUNCTION pgrehearse_verify.%I(v text) RETURNS %s
            LANGUAGE sql IMMUTABLE PARALLEL UNSAFE AS %L $f$,
            fast, target, format('SELECT CASE WHEN %s THEN v::%s ELSE pgrehearse_verify.%I(v) END', guard, target, fname));
    END IF;
    RETURN fast;
END $make$;
"#;

/// A condition on the text `v` that holds only when `v` casts to `target_type` without an
/// error, for the types keys are commonly converted to; `None` for every other type.
/// Integers are guarded by their digit count (9 digits always fit an `integer`). A uuid
/// by its canonical shape in any case: 36 characters, hyphens where the canonical form
/// has them and nowhere else, hex digits elsewhere. Two `LIKE`s and a negated one-class
/// regex cost half of one regex spelling the groups out (0.7 s against 1.3 s over 600k
/// values here), about as much as the cast itself.
pub fn guard(target_type: &str) -> Option<&'static str> {
    match target_type {
        "uuid" => Some(
            r#"v COLLATE "C" LIKE '________-____-____-____-____________' AND v COLLATE "C" !~ '[^0-9a-fA-F-]' AND v COLLATE "C" NOT LIKE '%-%-%-%-%-%'"#,
        ),
        "smallint" => Some(r#"length(v) <= 4 AND v COLLATE "C" ~ '^-?[0-9]+$'"#),
        "integer" => Some(r#"length(v) <= 9 AND v COLLATE "C" ~ '^-?[0-9]+$'"#),
        "bigint" => Some(r#"length(v) <= 18 AND v COLLATE "C" ~ '^-?[0-9]+$'"#),
        _ => None,
    }
}

/// A condition on the text `expr` that holds exactly when `expr::target_type::text` is
/// `expr` itself: the value is already written as the target type writes it, so a
/// fingerprint can hash it without casting it (the cast and its guard cost twice this).
/// For uuid: 36 characters, hyphens where the canonical form has them and nowhere else,
/// lowercase hex digits elsewhere. The engine has its own such predicate; the verifier
/// keeps one of its own (checked against the real cast by `tests/verify_cast_helper.rs`)
/// so that it never trusts the code it checks. `None` for every other type.
pub fn already_canonical(target_type: &str, expr: &str) -> Option<String> {
    match target_type {
        "uuid" => {
            let c = format!("({expr}) COLLATE \"C\"");
            Some(format!("({c} LIKE '________-____-____-____-____________' AND {c} ~ '^[0-9a-f-]*$' AND {c} NOT LIKE '%-%-%-%-%-%')"))
        }
        _ => None,
    }
}

/// Makes sure the helper for `target_type` (a `format_type` name such as `uuid`) exists in
/// the database `conn` is connected to, and returns its quoted, qualified name.
pub async fn ensure_try_cast(conn: &mut PgConnection, target_type: &str) -> Result<String, VerifyError> {
    let mut tx = conn.begin().await.map_err(VerifyError::query("begin installing the try_cast helper"))?;
    tx.execute(INSTALL_LOCK_SQL).await.map_err(VerifyError::query("lock the try_cast helper schema"))?;
    tx.execute(sqlx::raw_sql(INSTALL_SQL)).await.map_err(VerifyError::query("install the try_cast helper"))?;
    let name: String = sqlx::query_scalar("SELECT pgrehearse_verify.make_cast_helper($1::text::regtype, $2)")
        .bind(target_type)
        .bind(guard(target_type))
        .fetch_one(&mut *tx)
        .await
        .map_err(VerifyError::query(format!("create the try_cast helper for type {target_type}")))?;
    tx.commit().await.map_err(VerifyError::query("commit the try_cast helper"))?;
    Ok(crate::quote::quote_qualified(HELPER_SCHEMA, &name))
}

/// Removes the scratch schema, for a database that must be left exactly as found.
pub async fn remove_helpers(conn: &mut PgConnection) -> Result<(), VerifyError> {
    conn.execute("DROP SCHEMA IF EXISTS pgrehearse_verify CASCADE")
        .await
        .map_err(VerifyError::query("drop the pgrehearse_verify schema"))?;
    Ok(())
}
