//! The `try_cast` helpers the verifier installs in a scratch schema: Postgres 15 has no
//! `pg_input_is_valid` (new in 16), so "can this old value be cast to the new type?" is a
//! PL/pgSQL function with an exception block, one per target type.
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
/// parallel operation"). A regex fast path for uuids was measured and dropped: Postgres's
/// regex engine checked 200k ids slower (0.5–1.4 s) than the exception block cast them
/// (0.45 s).
const INSTALL_SQL: &str = r#"
CREATE SCHEMA IF NOT EXISTS pgrehearse_verify;
CREATE OR REPLACE FUNCTION pgrehearse_verify.make_try_cast(target regtype) RETURNS text
LANGUAGE plpgsql AS $make$
DECLARE
    fname text := 'try_cast_' || target::oid;
BEGIN
    IF to_regprocedure('pgrehearse_verify.' || fname || '(text)') IS NULL THEN
        EXECUTE format($f$
            CREATE FUNCTION pgrehearse_verify.%I(v text) RETURNS text
            LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL UNSAFE AS $body$
            BEGIN
                RETURN v::%s::text;
            EXCEPTION WHEN others THEN
                RETURN NULL;
            END $body$ $f$, fname, target);
    END IF;
    RETURN fname;
END $make$;
"#;

/// Makes sure the helper for `target_type` (a `format_type` name such as `uuid`) exists in
/// the database `conn` is connected to, and returns its quoted, qualified name.
pub async fn ensure_try_cast(conn: &mut PgConnection, target_type: &str) -> Result<String, VerifyError> {
    let mut tx = conn.begin().await.map_err(VerifyError::query("begin installing the try_cast helper"))?;
    tx.execute(INSTALL_LOCK_SQL).await.map_err(VerifyError::query("lock the try_cast helper schema"))?;
    tx.execute(sqlx::raw_sql(INSTALL_SQL)).await.map_err(VerifyError::query("install the try_cast helper"))?;
    let name: String = sqlx::query_scalar("SELECT pgrehearse_verify.make_try_cast($1::text::regtype)")
        .bind(target_type)
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
