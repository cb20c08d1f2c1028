//! Protobuf with Confluent's wire format: [`ProtobufSerializer`] and [`ProtobufDeserializer`]
//! for generated `prost` messages. Python:
//! `confluent_kafka.schema_registry.protobuf.{ProtobufSerializer, ProtobufDeserializer}`.
//!
//! The message type must implement [`prost_reflect::ReflectMessage`] as well as
//! [`prost::Message`]: that is where the serializer finds the `.proto` file to register and
//! the message's index path in it. `prost-reflect-build` (or a `prost_build::Config` adding
//! `#[derive(prost_reflect::ReflectMessage)]`, as rkafka's `scripts/protogen` does with the
//! pure-Rust compiler protox) generates both.
//!
//! As Python does, the schema registered is the file's `FileDescriptorProto`, base64-encoded;
//! each imported file (except the well-known `google/protobuf/...`, `google/type/...` and
//! `confluent/...` ones, with `skip_known_types`) is registered first under its file name and
//! referenced. The payload is the schema id, the message indexes (`[0]` as one 0 byte) and
//! the message's Protobuf encoding.

use std::marker::PhantomData;

pub use prost;
use prost::Message as _;
pub use prost_reflect;
use prost_reflect::prost_types::{DescriptorProto, FileDescriptorProto};
use prost_reflect::{FileDescriptor, MessageDescriptor, ReflectMessage};

use super::client::SchemaRegistryClient;
use super::rest::{base64_decode, base64_encode};
use super::serde::{
    registry_error, subject_for, writer_schema, DeserializerConfig, KnownSubjects, SerializerConfig,
};
use super::types::{Schema, SchemaReference};
use super::wire::{dual_schema_id, SchemaId};
use crate::serialization::{Deserializer, SerializationContext, SerializationError, Serializer};

/// Python's `_is_builtin`: files every registry knows, never registered as references.
fn is_builtin(name: &str) -> bool {
    ["confluent/", "google/protobuf/", "google/type/"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// The schema text Python registers for a file (`_schema_to_str`): the base64 of its
/// `FileDescriptorProto` as protoc hands it to generated code, without source info and without
/// the derived `json_name`s (which protoc leaves out there and protox fills in).
fn schema_str(file: &FileDescriptor) -> String {
    fn strip(m: &mut DescriptorProto) {
        m.field.iter_mut().for_each(|f| f.json_name = None);
        m.nested_type.iter_mut().for_each(strip);
    }
    let mut proto = file.file_descriptor_proto().clone();
    proto.source_code_info = None;
    proto.message_type.iter_mut().for_each(strip);
    base64_encode(&proto.encode_to_vec())
}

/// Python's `_create_index_array`: the message's position in its parent, from the file down.
fn index_path(desc: &MessageDescriptor) -> Vec<i32> {
    let mut path = Vec::new();
    let mut cur = desc.clone();
    while let Some(parent) = cur.parent_message() {
        path.push(parent.child_messages().position(|m| m == cur).unwrap_or(0) as i32);
        cur = parent;
    }
    path.push(
        cur.parent_file()
            .messages()
            .position(|m| m == cur)
            .unwrap_or(0) as i32,
    );
    path.reverse();
    path
}

/// The full name of the message at `indexes` in `file` (Python's `_get_message_desc`).
fn message_at(file: &FileDescriptorProto, indexes: &[i32]) -> Result<String, SerializationError> {
    let missing = || {
        SerializationError::new(format!(
            "message indexes {indexes:?} name no message in the writer schema `{}`",
            file.name()
        ))
    };
    let (&first, rest) = indexes.split_first().ok_or_else(missing)?;
    let mut msg = usize::try_from(first)
        .ok()
        .and_then(|i| file.message_type.get(i))
        .ok_or_else(missing)?;
    let mut name = msg.name().to_string();
    for &i in rest {
        msg = usize::try_from(i)
            .ok()
            .and_then(|i| msg.nested_type.get(i))
            .ok_or_else(missing)?;
        name = format!("{name}.{}", msg.name());
    }
    Ok(match file.package() {
        "" => name,
        p => format!("{p}.{name}"),
    })
}

/// `M` to bytes with the schema id and message indexes in front. Python:
/// `ProtobufSerializer(msg_type, schema_registry_client, conf=None)`.
pub struct ProtobufSerializer<M> {
    registry: SchemaRegistryClient,
    descriptor: MessageDescriptor,
    indexes: Vec<i32>,
    conf: SerializerConfig,
    known: KnownSubjects,
    _message: PhantomData<fn(&M)>,
}

impl<M: ReflectMessage + Default> ProtobufSerializer<M> {
    /// A serializer for messages of type `M`.
    pub fn new(
        registry: &SchemaRegistryClient,
        conf: SerializerConfig,
    ) -> Result<ProtobufSerializer<M>, SerializationError> {
        conf.check()?;
        let descriptor = M::default().descriptor();
        Ok(ProtobufSerializer {
            registry: registry.clone(),
            indexes: index_path(&descriptor),
            descriptor,
            conf,
            known: KnownSubjects::default(),
            _message: PhantomData,
        })
    }
}

impl<M> ProtobufSerializer<M> {
    /// Python's `_resolve_dependencies`: registers (with `auto_register_schemas`) and looks up
    /// each imported file, depth first, and returns the references to them.
    fn references(
        &self,
        ctx: &SerializationContext<'_>,
        file: &FileDescriptor,
    ) -> Result<Vec<SchemaReference>, SerializationError> {
        let mut refs = Vec::new();
        for dep in file.dependencies() {
            if self.conf.skip_known_types && is_builtin(dep.name()) {
                continue;
            }
            let dep_refs = self.references(ctx, &dep)?;
            let subject = self
                .conf
                .reference_subject_name_strategy
                .subject(ctx, Some(dep.name()))
                .ok_or_else(|| {
                    SerializationError::new(format!("no subject for the import `{}`", dep.name()))
                })?;
            let schema = Schema::new(schema_str(&dep), "PROTOBUF").with_references(dep_refs);
            let what = format!("import `{}` under subject `{subject}`", dep.name());
            if self.conf.auto_register_schemas {
                self.registry
                    .register_schema(&subject, &schema, false)
                    .map_err(|e| registry_error(&format!("registering the {what}"), e))?;
            }
            let rs = self
                .registry
                .lookup_schema(&subject, &schema, false, false)
                .map_err(|e| registry_error(&format!("looking up the {what}"), e))?;
            let version = rs.version.ok_or_else(|| {
                SerializationError::new(format!("the registry gave no version for the {what}"))
            })?;
            refs.push(SchemaReference::new(dep.name(), subject, version));
        }
        Ok(refs)
    }

    /// The message's file as a schema, with its imports registered and referenced.
    fn schema(&self, ctx: &SerializationContext<'_>) -> Result<Schema, SerializationError> {
        let file = self.descriptor.parent_file();
        let refs = self.references(ctx, &file)?;
        Ok(Schema::new(schema_str(&file), "PROTOBUF").with_references(refs))
    }
}

impl<M: prost::Message> Serializer<M> for ProtobufSerializer<M> {
    fn serialize(
        &self,
        value: &M,
        ctx: &SerializationContext<'_>,
    ) -> Result<Vec<u8>, SerializationError> {
        let subject = subject_for(
            &self.conf.subject_name_strategy,
            ctx,
            Some(self.descriptor.full_name()),
        )?;
        let (id, _) = self.known.write_id(
            &self.registry,
            &self.conf,
            &subject,
            Some("serialized"),
            || self.schema(ctx).map(Some),
        )?;
        let sid = SchemaId {
            id: Some(id),
            message_indexes: Some(self.indexes.clone()),
            ..SchemaId::default()
        };
        let mut out = sid.id_to_bytes()?;
        value
            .encode(&mut out)
            .map_err(|e| SerializationError::with_source("Protobuf encoding failed", e))?;
        Ok(out)
    }
}

impl<M> std::fmt::Debug for ProtobufSerializer<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtobufSerializer")
            .field("message", &self.descriptor.full_name())
            .field("indexes", &self.indexes)
            .field("conf", &self.conf)
            .finish_non_exhaustive()
    }
}

/// Confluent-framed Protobuf to `M`. Python:
/// `ProtobufDeserializer(message_type, conf=None, schema_registry_client=None)`.
///
/// With a registry the writer's schema is fetched (an unknown id is an error) and the
/// message indexes must name a message in it; without one (as Python allows) the framing is
/// only skipped. The payload is decoded into `M`, as Python decodes into `message_type`.
pub struct ProtobufDeserializer<M> {
    registry: Option<SchemaRegistryClient>,
    conf: DeserializerConfig,
    _message: PhantomData<fn() -> M>,
}

impl<M> ProtobufDeserializer<M> {
    /// A deserializer for messages of type `M`.
    pub fn new(
        registry: Option<&SchemaRegistryClient>,
        conf: DeserializerConfig,
    ) -> ProtobufDeserializer<M> {
        ProtobufDeserializer {
            registry: registry.cloned(),
            conf,
            _message: PhantomData,
        }
    }

    /// The writer's message full name, from the registry.
    fn writer_message(
        &self,
        registry: &SchemaRegistryClient,
        sid: &SchemaId,
        ctx: &SerializationContext<'_>,
    ) -> Result<String, SerializationError> {
        let subject = self.conf.subject_name_strategy.subject(ctx, None);
        let writer = writer_schema(registry, sid, subject.as_deref(), Some("serialized"))?;
        let proto = base64_decode(&writer.schema_str)
            .and_then(|b| FileDescriptorProto::decode(b.as_slice()).ok())
            .ok_or_else(|| {
                SerializationError::new(
                    "the writer schema is not a serialized FileDescriptorProto (the registry must answer format=serialized)",
                )
            })?;
        message_at(&proto, sid.message_indexes.as_deref().unwrap_or(&[0]))
    }
}

impl<M: prost::Message + Default> Deserializer<M> for ProtobufDeserializer<M> {
    fn deserialize(
        &self,
        data: &[u8],
        ctx: &SerializationContext<'_>,
    ) -> Result<M, SerializationError> {
        let (sid, payload) = dual_schema_id(data, ctx, true)?;
        if let Some(registry) = &self.registry {
            self.writer_message(registry, &sid, ctx)?;
        }
        M::decode(payload)
            .map_err(|e| SerializationError::with_source("Protobuf decoding failed", e))
    }
}

impl<M> std::fmt::Debug for ProtobufDeserializer<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtobufDeserializer")
            .field("conf", &self.conf)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_indexes_name_nested_messages() {
        let file = FileDescriptorProto {
            name: Some("f.proto".into()),
            package: Some("p".into()),
            message_type: vec![
                DescriptorProto {
                    name: Some("A".into()),
                    ..Default::default()
                },
                DescriptorProto {
                    name: Some("B".into()),
                    nested_type: vec![DescriptorProto {
                        name: Some("C".into()),
                        ..Default::default()
                    }],
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        assert_eq!(message_at(&file, &[0]).unwrap(), "p.A");
        assert_eq!(message_at(&file, &[1, 0]).unwrap(), "p.B.C");
        assert!(message_at(&file, &[1, 1])
            .unwrap_err()
            .message()
            .contains("[1, 1]"));
        assert!(message_at(&file, &[-1]).is_err());
        assert!(is_builtin("google/protobuf/timestamp.proto") && !is_builtin("address.proto"));
    }
}
