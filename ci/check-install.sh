#!/usr/bin/env bash
# The README's install paths and the CI kits, checked end to end on one release build:
#   1. `cargo install --locked --path .` into a temporary root; the installed binary
#      rehearses journal-small to a pass;
#   2. the pgrehearse image (ci/build-pgrehearse-image.sh, from that same binary)
#      rehearses journal-small to a pass under `docker run`;
#   3. ci/check-ci-kits.py: both CI kits parse, and their steps pass in containers (the
#      GitHub workflow's `cargo install --git` reuses the release build's dependencies).
# Needs root, a Docker engine and python3-yaml (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
# cargo install builds in a temporary directory unless told otherwise: share the release build.
export CARGO_TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-target}")"

log() { printf '== check-install [%4ds] %s\n' "$SECONDS" "$*"; }
WORK="$(mktemp -d /var/tmp/pgrehearse-install.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

# A rehearsal passed when it exited 0 and its report.json says so.
expect_pass() {
  local report="$1/journal-small/report.json"
  grep -q '"verdict": "pass"' "$report" || { echo "check-install: $report does not say pass" >&2; exit 1; }
}

log "cargo install --locked --path . --root $WORK/root"
cargo install --locked --path . --root "$WORK/root"
log "the installed binary rehearses journal-small"
"$WORK/root/bin/pgrehearse" run scenarios/journal-small.toml --quiet --out "$WORK/installed"
expect_pass "$WORK/installed"

VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
IMAGE="pgrehearse/pgrehearse:${VERSION}-bookworm"
log "building $IMAGE from the installed binary"
bash ci/build-pgrehearse-image.sh --binary "$WORK/root/bin/pgrehearse" "$IMAGE"
log "docker run $IMAGE pgrehearse run scenarios/journal-small.toml"
docker run --rm -v "$PWD/scenarios:/work/scenarios:ro" -v "$WORK/image:/work/out" "$IMAGE" \
  pgrehearse run scenarios/journal-small.toml --quiet --out out
expect_pass "$WORK/image"

log "the CI kits"
python3 ci/check-ci-kits.py --image "$IMAGE"
log "install paths and CI kits passed"
