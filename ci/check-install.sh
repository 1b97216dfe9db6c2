#!/usr/bin/env bash
# The README's install paths and the CI kits, checked end to end on one release build:
#   1. `cargo install --locked --path .` into a temporary root; the installed binary
#      rehearses journal-small to a pass;
#   2. the pgrehearse image (ci/build-pgrehearse-image.sh, from that same binary)
#      rehearses journal-small to a pass under `docker run`;
#   3. ci/check-ci-kits.py: both CI kits parse, and their steps pass in containers (the
#      GitHub workflow's `cargo install --git` reuses the release build's dependencies);
#   4. the same check fails the GitHub workflow with its install step broken.
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
# The README's command, verbatim, in an application checkout with its scenarios under rehearsal/.
mkdir -p "$WORK/app/rehearsal"
cp scenarios/journal-small.toml "$WORK/app/rehearsal/"
log "docker run $IMAGE pgrehearse run rehearsal/ --out target/pgrehearse (the README's command)"
docker run --rm -v "$WORK/app:/work" "$IMAGE" pgrehearse run rehearsal/ --out target/pgrehearse
expect_pass "$WORK/app/target/pgrehearse"

log "the CI kits"
python3 ci/check-ci-kits.py --image "$IMAGE"

# The check must be able to fail: the shipped workflow with its install step broken (a tag
# that does not exist) has to be failed, at that step.
log "the CI kits' check fails a workflow whose install step is broken"
sed 's/--tag "v\$PGREHEARSE_VERSION"/--tag "v$PGREHEARSE_VERSION-no-such-tag"/' ci/github-actions.yml >"$WORK/broken.yml"
! cmp -s ci/github-actions.yml "$WORK/broken.yml" || { echo "check-install: could not break the install step of ci/github-actions.yml" >&2; exit 1; }
if python3 ci/check-ci-kits.py --image "$IMAGE" --only github --github-workflow "$WORK/broken.yml" >"$WORK/broken.log" 2>&1; then
  cat "$WORK/broken.log" >&2
  echo "check-install: ci/check-ci-kits.py passed a workflow whose install step fails" >&2
  exit 1
fi
grep -q 'FAILED: Install pgrehearse' "$WORK/broken.log" || { cat "$WORK/broken.log" >&2; echo "check-install: the broken workflow failed, but not at its install step" >&2; exit 1; }
log "install paths and CI kits passed"
