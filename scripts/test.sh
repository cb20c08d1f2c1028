#!/usr/bin/env bash
# Usage: scripts/test.sh
#
# README's "run all tests" command. On a fresh Debian 12 machine (Rust, gcc, make, pkg-config,
# libssl-dev, zlib1g-dev, python3+pip) it installs what is missing, then runs every check:
#   1. Debian packages for the `gssapi` feature (libsasl2-dev, the GSSAPI SASL plugin), the
#      `oidc` feature (libcurl4-openssl-dev, for rdkafka-sys's curl detection) and the
#      librdkafka 2.12.1 the dynamic-linking variant links (libzstd-dev), and `openssl`
#      (certificates for the Schema Registry fixture's TLS tests);
#   2. the test brokers and the second client (scripts/install-brokers.sh: prebuilt tansu,
#      tansu 0.6.0 with sqlite + SCRAM built once per machine into ~/.cache/rkafka,
#      confluent-kafka-python 2.12.1, a venv with its Schema Registry serdes, and 2.16.1 in a
#      venv for the partitioner functions);
#   3. cargo fmt --check, clippy -D warnings (--features full, and none), cargo doc -D warnings
#      (also as docs.rs builds it), and the publishing checks: a docs.rs badge on every
#      feature-gated item, rust-version true of the lock file, no broken link in the docs,
#      `cargo publish --dry-run`;
#   4. cargo test --features full (unit, integration, doc tests). Each integration test starts
#      and stops its own brokers on 127.0.0.1 (tansu processes or librdkafka's mock cluster);
#   5. the build variants (scripts/build-variants.sh: default, ssl-vendored, dynamic-linking
#      against a librdkafka 2.12.1 built once per machine into ~/.cache/rkafka), each with the
#      unit tests and the quickstart;
#   6. the memory checks: scripts/valgrind.sh (1,000 cycles under memcheck, ~1.5 min) and
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
for pkg in libsasl2-dev libsasl2-modules-gssapi-mit libcurl4-openssl-dev libzstd-dev valgrind openssl; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# install-brokers.sh makes a venv for confluent-kafka 2.16.1; Debian's python3 needs this for it.
python3 -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
if ((${#need[@]})); then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

step "test brokers and confluent-kafka-python"
scripts/install-brokers.sh

step "cargo fmt --check"
cargo fmt --check

# `full`, not --all-features: that would also turn on the build variants, which exclude each
# other (dynamic-linking with cmake-build and ssl-vendored); they are built in step 5.
step "cargo clippy --all-targets --features full -- -D warnings"
cargo clippy --all-targets --features full -- -D warnings

step "cargo clippy --all-targets --no-default-features -- -D warnings"
cargo clippy --all-targets --no-default-features -- -D warnings

step "cargo check: the observability features alone (tracing without stats, metrics without async)"
cargo check --no-default-features --features tracing
cargo check --no-default-features --features metrics

step "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --features full
# As docs.rs builds it (Cargo.toml [package.metadata.docs.rs]): `--cfg docsrs` turns on the
# nightly-only doc(cfg) badges; RUSTC_BOOTSTRAP lets this stable toolchain accept them.
RUSTC_BOOTSTRAP=1 RUSTDOCFLAGS="--cfg docsrs -D warnings" cargo doc --no-deps --features full

step "publishing: badges, MSRV, links, package"
scripts/check_doc_cfg.py
scripts/check_msrv.py
scripts/check_links.py
cargo publish --dry-run --allow-dirty

step "cargo test --features full"
cargo test --features full

step "build variants: scripts/build-variants.sh"
scripts/build-variants.sh

step "memory: scripts/valgrind.sh"
scripts/valgrind.sh

step "memory: scripts/soak.sh"
scripts/soak.sh
