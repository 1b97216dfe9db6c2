//! Every engine test that depends on the convert method, gathered into one binary and run
//! against `--convert in-place` (`engine_support::convert_method` reads this binary's
//! name), while each test's own binary runs `rebuild`, what `auto` (the default) chooses
//! for their tables: one `cargo test` checks both methods. The rebuild's own tests
//! (`engine_rebuild_*`, `run_rebuild`) stay apart.

// Each gathered file declares `mod engine_support;` for its own binary, so the support
// module is compiled once per file here: on purpose.
#![allow(clippy::duplicate_mod)]

#[path = "engine_carried_classification.rs"]
mod engine_carried_classification;
#[path = "engine_classify.rs"]
mod engine_classify;
#[path = "engine_derived_classes.rs"]
mod engine_derived_classes;
#[path = "engine_cli.rs"]
mod engine_cli;
#[path = "engine_concurrency.rs"]
mod engine_concurrency;
#[path = "engine_crash.rs"]
mod engine_crash;
#[path = "engine_edges.rs"]
mod engine_edges;
#[path = "engine_fk_actions.rs"]
mod engine_fk_actions;
#[path = "engine_locks.rs"]
mod engine_locks;
#[path = "engine_policies.rs"]
mod engine_policies;
#[path = "engine_privileges.rs"]
mod engine_privileges;
#[path = "engine_properties.rs"]
mod engine_properties;
#[path = "engine_roundtrip.rs"]
mod engine_roundtrip;
#[path = "engine_timestamptz.rs"]
mod engine_timestamptz;
