#!/usr/bin/env bash
# Usage: scripts/test.sh
#
# README's "run all tests" command. On a fresh Debian 12 machine (Rust, gcc, make, pkg-config,
# libssl-dev, zlib1g-dev, python3+pip) it installs what is missing, then runs every check:
#   1. Debian packages for the `gssapi` feature (libsasl2-dev, the GSSAPI SASL plugin), which
#      `--all-features` builds need, and `openssl` (certificates for the Schema Registry
#      fixture's TLS tests);
#   2. the test brokers and the second client (scripts/install-brokers.sh: prebuilt tansu,
#      tansu 0.6.0 with sqlite + SCRAM built once per machine into ~/.cache/rkafka,
#      confluent-kafka-python 2.12.1, and a venv with its Schema Registry serdes);
#   3. cargo fmt --check, clippy -D warnings, cargo doc -D warnings;
#   4. cargo test (unit, integration, doc tests). Each integration test starts and stops its
#      own brokers on 127.0.0.1 (tansu processes or librdkafka's mock cluster);
#   5. the memory checks: scripts/valgrind.sh (1,000 cycles under memcheck, ~1.5 min) and
#      scripts/soak.sh (10,000,000 messages, RSS growth < 10 %, ~15 s after a release build).
#   Also checked: the crate builds and lints with no optional features, and builds with
#   `tracing` or `metrics` alone.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==== %s ====\n' "$*"; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

step "system packages"
need=()
for pkg in libsasl2-dev libsasl2-modules-gssapi-mit valgrind openssl; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if ((${#need[@]})); then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

step "test brokers and confluent-kafka-python"
scripts/install-brokers.sh

step "cargo fmt --check"
cargo fmt --check

step "cargo clippy --all-targets --all-features -- -D warnings"
cargo clippy --all-targets --all-features -- -D warnings

step "cargo clippy --all-targets --no-default-features -- -D warnings"
cargo clippy --all-targets --no-default-features -- -D warnings

step "cargo check: the observability features alone (tracing without stats, metrics without async)"
cargo check --no-default-features --features tracing
cargo check --no-default-features --features metrics

step "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --all-features

step "cargo test --all-features"
cargo test --all-features

step "memory: scripts/valgrind.sh"
scripts/valgrind.sh

step "memory: scripts/soak.sh"
scripts/soak.sh
