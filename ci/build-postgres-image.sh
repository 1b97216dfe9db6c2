#!/usr/bin/env bash
# Build the PostgreSQL 15 image that pgrehearse runs its disposable databases in.
#
# Why: the CI machines reach no container registry, so no base image can be
# pulled.  They do reach Debian's package mirrors, so the image is built from
# Debian packages: debootstrap a minimal bookworm rootfs with postgresql-15,
# add an entrypoint compatible with the official postgres image (POSTGRES_USER,
# POSTGRES_PASSWORD, POSTGRES_DB, PGDATA, `IMG -c fsync=off`), `docker import`.
# The mirror URL is read from this machine's apt sources at run time.
#
# Usage: ci/build-postgres-image.sh [--force] [IMAGE]
#   IMAGE defaults to $PGREHEARSE_IMAGE, else pgrehearse/postgres:15-bookworm.
#   Exits at once if IMAGE already exists, unless --force.  Needs root.
set -euo pipefail

SUITE=bookworm
PG_MAJOR=15
IMAGE="${PGREHEARSE_IMAGE:-pgrehearse/postgres:${PG_MAJOR}-${SUITE}}"
FORCE=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "unknown option: $arg" >&2; exit 2 ;;
    *) IMAGE="$arg" ;;
  esac
done

log() { printf '==> [%3ds] %s\n' "$SECONDS" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

if [ "$FORCE" = 0 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "image $IMAGE already exists (use --force to rebuild)"; exit 0
fi
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap)"

# First URI of an enabled "deb" source for $SUITE, from deb822 .sources files
# and one-line .list files.
debian_mirror() {
  shopt -s nullglob
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    awk -v suite="$SUITE" 'BEGIN { RS = ""; FS = "\n" } {
      t = u = s = ""; en = "yes"
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^[ \t]*#/ || $i !~ /:/) continue
        k = tolower(substr($i, 1, index($i, ":") - 1)); v = substr($i, index($i, ":") + 1)
        if (k == "types") t = v; else if (k == "uris") u = v
        else if (k == "suites") s = v; else if (k == "enabled") en = tolower(v)
      }
      if (en ~ /no/ || (" " t " ") !~ /[ \t]deb[ \t]/ || (" " s " ") !~ ("[ \t]" suite "[ \t]")) next
      split(u, a, /[ \t]+/); for (j in a) if (a[j] != "") { print a[j]; exit }
    }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -E 's/\[[^]]*\]//' "$f" | awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2 }'
  done
}
MIRROR="$(debian_mirror | head -n1)"
[ -n "$MIRROR" ] || die "no enabled 'deb ... $SUITE' source found in /etc/apt/sources.list{,.d/}"
log "building $IMAGE from $MIRROR ($SUITE)"

if ! command -v debootstrap >/dev/null; then
  log "installing debootstrap"
  apt-get install -y --no-install-recommends debootstrap >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y --no-install-recommends debootstrap >/dev/null; }
fi

WORK="$(mktemp -d /var/tmp/pgrehearse-rootfs.XXXXXX)"
ROOTFS="$WORK/rootfs"
cleanup() {
  # debootstrap may leave proc/sys/dev mounted on failure: unmount before removing.
  awk -v r="$ROOTFS" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

log "debootstrap --variant=minbase $SUITE (+postgresql-$PG_MAJOR) into $ROOTFS"
t0=$SECONDS
debootstrap --variant=minbase --include="postgresql-$PG_MAJOR" "$SUITE" "$ROOTFS" "$MIRROR" \
  >"$WORK/debootstrap.log" 2>&1 || { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
log "debootstrap done in $((SECONDS - t0))s"

# The package created a 'main' cluster; the entrypoint makes its own in $PGDATA.
rm -rf "$ROOTFS/var/lib/postgresql/$PG_MAJOR" "$ROOTFS/etc/postgresql/$PG_MAJOR"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* \
  "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/*
install -d -o 0 -g 0 "$ROOTFS/usr/local/bin"
install -d -m 2777 "$ROOTFS/var/run/postgresql"
chroot "$ROOTFS" chown postgres:postgres /var/run/postgresql

cat >"$ROOTFS/usr/local/bin/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/bash
# Subset of the official postgres image's docker-entrypoint.sh (see ci/build-postgres-image.sh).
set -Eeuo pipefail
case "${1:-}" in -*) set -- postgres "$@" ;; esac
if [ "${1:-}" = postgres ]; then
  export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
  if [ "$(id -u)" = 0 ]; then   # as root: prepare directories, then re-run as postgres
    mkdir -p "$PGDATA" /var/run/postgresql
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
  fi
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    POSTGRES_USER="${POSTGRES_USER:-postgres}" POSTGRES_DB="${POSTGRES_DB:-${POSTGRES_USER:-postgres}}"
    POSTGRES_PASSWORD="${POSTGRES_PASSWORD:-}" AUTH="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
    if [ -z "$POSTGRES_PASSWORD" ] && [ "$AUTH" != trust ]; then
      cat >&2 <<-'EOE'
	Error: Database is uninitialized and superuser password is not specified.
	       You must specify POSTGRES_PASSWORD to a non-empty value for the
	       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

	       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
	       connections without a password. This is *not* recommended.
	EOE
      exit 1
    fi
    pw=()   # fd 3 stays open for initdb (a <(...) in an assignment would be closed)
    if [ -n "$POSTGRES_PASSWORD" ]; then exec 3< <(printf '%s\n' "$POSTGRES_PASSWORD"); pw=(--pwfile=/dev/fd/3); fi
    initdb --username="$POSTGRES_USER" "${pw[@]}" --auth-local=trust --auth-host="$AUTH" \
      --encoding=UTF8 --locale=C.UTF-8 ${POSTGRES_INITDB_ARGS:-}
    exec 3<&-
    printf 'host all all all %s\n' "$AUTH" >>"$PGDATA/pg_hba.conf"
    printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
    if [ "$POSTGRES_DB" != postgres ]; then   # single-user mode: no readiness line
      out="$(printf 'CREATE DATABASE "%s";\n' "${POSTGRES_DB//\"/\"\"}" |
        postgres --single -j -D "$PGDATA" postgres 2>&1)" || { echo "$out" >&2; exit 1; }
      if grep -qE '(ERROR|FATAL):' <<<"$out"; then echo "$out" >&2; exit 1; fi
    fi
    echo 'PostgreSQL init process complete; ready for start up.'
  fi
fi
exec "$@"
ENTRYPOINT
chmod 755 "$ROOTFS/usr/local/bin/docker-entrypoint.sh"

log "docker import -> $IMAGE"
t0=$SECONDS
OLD_ID="$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
tar --numeric-owner -C "$ROOTFS" -c . | docker import \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'CMD ["postgres"]' \
  --change 'ENV PGDATA=/var/lib/postgresql/data' \
  --change "ENV PATH=/usr/lib/postgresql/$PG_MAJOR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'ENV LANG=C.UTF-8' \
  --change 'EXPOSE 5432' \
  - "$IMAGE-import" >/dev/null
# `docker import/commit --change` do not accept STOPSIGNAL: add it with a
# metadata-only build on the local image (FROM a local image pulls nothing).
out="$(printf 'FROM %s\nSTOPSIGNAL SIGINT\n' "$IMAGE-import" | docker build -q -t "$IMAGE" - 2>&1)" ||
  { echo "$out" >&2; die "docker build (STOPSIGNAL) failed"; }
docker rmi "$IMAGE-import" >/dev/null
[ -z "$OLD_ID" ] || docker rmi "$OLD_ID" >/dev/null 2>&1 || true
log "import done in $((SECONDS - t0))s"
log "built $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%d MB", $1 / 1e6 }'))"
