#!/usr/bin/env bash
# Build the pgrehearse image: the pgrehearse binary and PostgreSQL 15 (Debian's packages)
# in one image, so any CI runs a rehearsal with
#
#   docker run --rm -v "$PWD:/work" pgrehearse/pgrehearse:<version>-bookworm \
#     pgrehearse run rehearsal/ --out target/pgrehearse
#
# Why this way: no registry is reachable here, so the image starts from the Debian image
# `ci/build-postgres-image.sh` makes (debootstrap + docker import; built first if missing)
# and adds the binary built from this repository. Inside, pgrehearse runs as root and its
# native backend runs the disposable cluster as the `postgres` account.
#
# Usage: ci/build-pgrehearse-image.sh [--binary PATH] [IMAGE]
#   --binary PATH  a release binary already built from this checkout (default: build one
#                  with `cargo build --release --locked`)
#   IMAGE          default pgrehearse/pgrehearse:<Cargo.toml version>-bookworm
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
IMAGE="pgrehearse/pgrehearse:${VERSION}-bookworm"
BASE="${PGREHEARSE_BASE_IMAGE:-pgrehearse/postgres:15-bookworm}"
BINARY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) BINARY="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) IMAGE="$1"; shift ;;
  esac
done

log() { printf '==> [%3ds] %s\n' "$SECONDS" "$*" >&2; }

docker image inspect "$BASE" >/dev/null 2>&1 || bash ci/build-postgres-image.sh "$BASE"
if [ -z "$BINARY" ]; then
  log "cargo build --release --locked"
  cargo build --release --locked --bin pgrehearse
  BINARY="${CARGO_TARGET_DIR:-target}/release/pgrehearse"
fi
[ -x "$BINARY" ] || { echo "error: $BINARY is not an executable" >&2; exit 2; }

CONTEXT="$(mktemp -d /var/tmp/pgrehearse-image.XXXXXX)"
trap 'rm -rf "$CONTEXT"' EXIT
install -m 755 "$BINARY" "$CONTEXT/pgrehearse"
cp -r scenarios "$CONTEXT/scenarios"
cat >"$CONTEXT/Dockerfile" <<DOCKERFILE
FROM $BASE
COPY pgrehearse /usr/local/bin/pgrehearse
# The shipped scenarios, to try the image: pgrehearse run /usr/share/pgrehearse/scenarios/journal-small.toml
COPY scenarios /usr/share/pgrehearse/scenarios
WORKDIR /work
CMD ["pgrehearse", "--help"]
DOCKERFILE
log "docker build -> $IMAGE (from $BASE)"
docker build -q -t "$IMAGE" "$CONTEXT" >/dev/null
# The binary is the host's build: it runs in the image only if the host's glibc is not newer
# than bookworm's (2.36). Say so rather than ship an image whose pgrehearse cannot start.
if ! docker run --rm "$IMAGE" pgrehearse --version >&2; then
  echo "error: $BINARY does not run in $IMAGE (built against a newer glibc than Debian bookworm's 2.36?);" \
    "build it on bookworm, e.g. in the pgrehearse/postgres image" >&2
  docker rmi "$IMAGE" >/dev/null 2>&1 || true
  exit 1
fi
log "built $IMAGE"
