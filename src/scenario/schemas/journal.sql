-- The legacy journal schema: SQLAlchemy models with String(36) ids, as the application
-- has it (seed document 002). journal_entries.user_id and reminders.user_id reference
-- users.id without an FK constraint or an index; pgrehearse declares those two relations.

CREATE TABLE users (
    id            varchar(36) PRIMARY KEY,
    email         varchar(255) NOT NULL UNIQUE,
    display_name  text,
    password_hash text NOT NULL,
    is_active     boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz
);

CREATE TABLE journal_entries (
    id         varchar(36) PRIMARY KEY,
    user_id    varchar(36) NOT NULL,
    title      text,
    content    text NOT NULL,
    mood       smallint,
    entry_date date NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE tags (
    id         varchar(36) PRIMARY KEY,
    user_id    varchar(36) NOT NULL REFERENCES users(id),
    name       text NOT NULL,
    color      varchar(7),
    created_at timestamptz NOT NULL,
    UNIQUE (user_id, name)
);
CREATE INDEX ix_tags_user_id ON tags (user_id);

CREATE TABLE reminders (
    id        varchar(36) PRIMARY KEY,
    user_id   varchar(36),
    message   text NOT NULL,
    remind_at timestamptz NOT NULL,
    is_done   boolean NOT NULL DEFAULT false
);

CREATE TABLE secret_tags (
    id          varchar(36) PRIMARY KEY,
    user_id     varchar(36) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    phrase_hash text NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX ix_secret_tags_user_id ON secret_tags (user_id);

CREATE TABLE journal_entry_tags (
    entry_id varchar(36) REFERENCES journal_entries(id),
    tag_id   varchar(36) REFERENCES tags(id),
    PRIMARY KEY (entry_id, tag_id)
);
