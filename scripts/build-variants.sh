#!/usr/bin/env bash
# Usage: scripts/build-variants.sh [--all] [VARIANT...]
#
# Builds rkafka in each way of obtaining librdkafka (README: Feature flags) and checks that the
# result runs: the unit tests (`cargo test --lib`: librdkafka's version and builtin.features
# among them) and the quickstart example against librdkafka's mock cluster. The variants
# exclude each other, which is why CI cannot simply use --all-features.
#   default          bundled librdkafka, ./configure, system OpenSSL
#   ssl-vendored     the same with OpenSSL built from source; checks no libssl.so is linked
#   dynamic-linking  librdkafka 2.12.1 as a shared library (scripts/install-librdkafka.sh
#                    builds it into ~/.cache/rkafka: Debian 12's librdkafka-dev is 2.0.2);
#                    checks the binary loads it from there
# With --all (or by name), also the two that add nothing to what runs above:
#   cmake-build      CMake build (needs cmake); librdkafka 2.12.1's CMake build has known
#                    defects (see build.rs), so only the quickstart runs, not the unit tests
#   static-linking   rdkafka-sys 4.10.0 builds the bundled source as by default; checks that
#                    build.rs refuses a DEP_LIBRDKAFKA_STATIC_ROOT it would ignore
# Each variant's librdkafka is its own build (2-4 min on 2 cores, OpenSSL about as long again);
# prints each variant's wall time.
set -euo pipefail
cd "$(dirname "$0")/.."

variants=()
for arg in "$@"; do
    case "$arg" in
        --all) variants+=(default ssl-vendored dynamic-linking cmake-build static-linking) ;;
        -h | --help)
            sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) variants+=("$arg") ;;
    esac
done
((${#variants[@]})) || variants=(default ssl-vendored dynamic-linking)

log() { printf '\n---- build variant %s ----\n' "$*"; }
target="${CARGO_TARGET_DIR:-target}"

# The quickstart (mock cluster) built with cargo arguments "$@".
quickstart() {
    cargo build --quiet --example quickstart "$@"
    "$target/debug/examples/quickstart"
}

# The unit tests, then the quickstart, with cargo arguments "$@".
check() {
    cargo test --quiet --lib "$@"
    quickstart "$@"
}

for v in "${variants[@]}"; do
    log "$v"
    start=$SECONDS
    case "$v" in
        default)
            check
            ;;
        ssl-vendored)
            check --features ssl-vendored
            if ldd "$target/debug/examples/quickstart" | grep -E 'libssl|libcrypto'; then
                echo "ssl-vendored: the quickstart still links the system OpenSSL" >&2
                exit 1
            fi
            ;;
        dynamic-linking)
            prefix="$(scripts/install-librdkafka.sh | tail -n 1)"
            export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
            LD_LIBRARY_PATH="$prefix/lib" check --features dynamic-linking
            LD_LIBRARY_PATH="$prefix/lib" ldd "$target/debug/examples/quickstart" |
                grep -F "$prefix/lib/librdkafka.so" ||
                { echo "dynamic-linking: the quickstart does not load $prefix/lib/librdkafka.so" >&2; exit 1; }
            unset PKG_CONFIG_PATH
            ;;
        cmake-build)
            command -v cmake >/dev/null || {
                echo "cmake-build needs cmake (Debian: apt-get install cmake)" >&2
                exit 1
            }
            quickstart --features cmake-build
            ;;
        static-linking)
            check --features static-linking
            if out="$(DEP_LIBRDKAFKA_STATIC_ROOT=/nonexistent cargo build --quiet --features static-linking 2>&1)"; then
                echo "static-linking: build.rs accepted a DEP_LIBRDKAFKA_STATIC_ROOT rdkafka-sys ignores" >&2
                exit 1
            fi
            grep -q "rdkafka-sys 4.10.0 ignores it" <<<"$out" || { echo "$out" >&2; exit 1; }
            ;;
        *)
            echo "build-variants.sh: unknown variant $v" >&2
            exit 2
            ;;
    esac
    echo "build variant $v: OK in $((SECONDS - start)) s"
done
