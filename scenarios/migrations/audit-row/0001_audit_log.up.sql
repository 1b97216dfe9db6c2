-- Setup: the application's audit table, empty before the rehearsed migration.
CREATE TABLE audit_log (
    event text NOT NULL,
    at    timestamptz NOT NULL DEFAULT now()
);
