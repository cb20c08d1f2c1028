#!/usr/bin/env bash
# Usage: scripts/gen-protos.sh
#
# Regenerates tests/proto/generated/ (prost messages with prost-reflect descriptors, and
# descriptors.bin) from tests/proto/*.proto with scripts/protogen, a pure-Rust compiler (protox):
# no protoc needed. The generated files are committed, so building and testing rkafka never
# runs a protobuf compiler; run this after changing a .proto file.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/protogen" \
    cargo run --quiet --release --manifest-path scripts/protogen/Cargo.toml
