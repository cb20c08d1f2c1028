#!/usr/bin/env bash
# Usage: scripts/install-librdkafka.sh
#
# Builds librdkafka 2.12.1 as a shared library into $RKAFKA_CACHE/librdkafka-2.12.1 (default
# ~/.cache/rkafka), for the `dynamic-linking` build variant: rkafka needs exactly 2.12.1 and
# Debian 12's librdkafka-dev is 2.0.2. The source is the copy bundled in rdkafka-sys 4.10.0
# (cargo's registry), so it is the same C code the default build links statically.
# Idempotent: does nothing if that prefix already holds 2.12.1. Needs gcc, make, pkg-config,
# libssl-dev, zlib1g-dev, libzstd-dev (about 2 min of CPU time on 2 cores).
#
# Use it:  PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig cargo build --features dynamic-linking
#          LD_LIBRARY_PATH=$PREFIX/lib ./target/debug/...
# Prints the prefix on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${RKAFKA_CACHE:-$HOME/.cache/rkafka}"
PREFIX="$CACHE/librdkafka-2.12.1"
log() { echo "install-librdkafka: $*" >&2; }

# The features build.rs requires (TLS, SCRAM, OAUTHBEARER, zlib, zstd; snappy and lz4 are
# bundled), and no more: like the default bundled build, without GSSAPI and OIDC, so the unit
# tests that check builtin.features against rkafka's Cargo features hold here too.
CONFIGURE=(--prefix="$PREFIX" --enable-ssl --enable-zstd --enable-zlib --disable-gssapi --disable-curl)
STAMP="$PREFIX/.rkafka-configure"

if [[ "$(PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" pkg-config --modversion rdkafka 2>/dev/null)" == 2.12.1 &&
    "$(cat "$STAMP" 2>/dev/null)" == "${CONFIGURE[*]}" ]]; then
    log "librdkafka 2.12.1 already installed in $PREFIX"
    echo "$PREFIX"
    exit 0
fi

registry="${CARGO_HOME:-$HOME/.cargo}/registry/src"
src_of() { find "$registry" -maxdepth 2 -type d -name 'rdkafka-sys-4.10.0+2.12.1' 2>/dev/null | head -n 1; }
sys_dir="$(src_of)"
if [[ -z "$sys_dir" ]]; then
    cargo fetch --quiet
    sys_dir="$(src_of)"
fi
if [[ ! -f "$sys_dir/librdkafka/configure" ]]; then
    log "ERROR: rdkafka-sys 4.10.0's bundled librdkafka not found under $registry"
    exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Logs beside the source, not in it: mklove takes any configure.* file there for a module.
mkdir "$tmp/src" "$tmp/logs"
cp -a "$sys_dir/librdkafka/." "$tmp/src/"
cd "$tmp/src"
log "configuring librdkafka 2.12.1 (prefix $PREFIX)"
./configure "${CONFIGURE[@]}" >"$tmp/logs/configure" 2>&1 ||
    { cat "$tmp/logs/configure" >&2; exit 1; }
log "building (make -C src)"
make -C src -j"$(nproc)" >"$tmp/logs/make" 2>&1 || { tail -50 "$tmp/logs/make" >&2; exit 1; }
rm -rf "$PREFIX"
make -C src install >>"$tmp/logs/make" 2>&1 || { tail -50 "$tmp/logs/make" >&2; exit 1; }
echo "${CONFIGURE[*]}" >"$STAMP"
log "installed librdkafka $(PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" pkg-config --modversion rdkafka) in $PREFIX"
echo "$PREFIX"
