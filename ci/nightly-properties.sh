#!/bin/sh
# Nightly: the property tests with many more cases than `cargo test` runs by default
# (8 engine specs and 10 random catalogs keep the regular suite within a few minutes).
# A failure prints the smallest failing spec proptest shrank it to and records it in
# tests/*.proptest-regressions; commit that file so every later run tries it first.
#
#   PGREHEARSE_PROPTEST_CASES=2000 ci/nightly-properties.sh
set -eu
cd "$(dirname "$0")/.."
export PGREHEARSE_PROPTEST_CASES="${PGREHEARSE_PROPTEST_CASES:-500}"
cargo test --locked --test engine_properties --test catalog_any_schema -- --nocapture
