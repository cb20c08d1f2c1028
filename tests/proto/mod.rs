//! prost messages generated from tests/proto/*.proto by `scripts/gen-protos.sh` (protox, no
//! protoc), for the Protobuf tests and examples; each derives `prost_reflect::ReflectMessage`
//! against [`DESCRIPTOR_POOL`].
#![allow(dead_code, missing_docs, clippy::all)]

use std::sync::LazyLock;

/// The descriptors of every generated message (imports included).
pub static DESCRIPTOR_POOL: LazyLock<prost_reflect::DescriptorPool> = LazyLock::new(|| {
    prost_reflect::DescriptorPool::decode(include_bytes!("generated/descriptors.bin").as_ref())
        .expect("tests/proto/generated/descriptors.bin is a valid FileDescriptorSet")
});

/// `example` (user.proto): `User`, `Other`, `Outer.Inner`.
pub mod example {
    include!("generated/example.rs");
}

/// `geo` (address.proto): `Address`.
pub mod geo {
    include!("generated/geo.rs");
}

/// `people` (person.proto): `Person` with nested `Phone`, importing address.proto and
/// google/protobuf/timestamp.proto.
pub mod people {
    include!("generated/people.rs");
}
