//! Confluent's wire format: magic byte 0 and a 4-byte big-endian schema id before the payload
//! (or magic byte 1 and a 16-byte GUID, in a header or before the payload); for Protobuf the
//! message's index path follows as zig-zag varints, `[0]` as one 0 byte. Python: `SchemaId`,
//! `prefix_schema_id_serializer`, `dual_schema_id_deserializer`.

use crate::serialization::{MessageField, SerializationContext, SerializationError};

/// Python's `_MAGIC_BYTE` (`_MAGIC_BYTE_V0`): the id framing.
pub const MAGIC_BYTE: u8 = 0;
/// Python's `_MAGIC_BYTE_V1`: the GUID framing.
pub const MAGIC_BYTE_V1: u8 = 1;
/// The header carrying a key's schema GUID (Python: `_KEY_SCHEMA_ID`).
pub const KEY_SCHEMA_ID_HEADER: &str = "__key_schema_id";
/// The header carrying a value's schema GUID (Python: `_VALUE_SCHEMA_ID`).
pub const VALUE_SCHEMA_ID_HEADER: &str = "__value_schema_id";

/// Which schema a payload was written with. Python: `SchemaId(schema_type, schema_id, guid,
/// message_indexes)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SchemaId {
    /// The registry's numeric id (magic byte 0).
    pub id: Option<i32>,
    /// The schema's GUID (magic byte 1), as 16 bytes.
    pub guid: Option<[u8; 16]>,
    /// Protobuf only: the index path of the message type in its file.
    pub message_indexes: Option<Vec<i32>>,
}

impl SchemaId {
    /// Python: `id_to_bytes()`: magic byte 0, the id big-endian, then the message indexes.
    pub fn id_to_bytes(&self) -> Result<Vec<u8>, SerializationError> {
        let id = self
            .id
            .ok_or_else(|| SerializationError::new("Schema ID is not set"))?;
        let mut out = Vec::with_capacity(8);
        out.push(MAGIC_BYTE);
        out.extend_from_slice(&id.to_be_bytes());
        if let Some(ix) = &self.message_indexes {
            write_indexes(&mut out, ix);
        }
        Ok(out)
    }

    /// The GUID as text (`8-4-4-4-12` hex), as the registry names it.
    pub fn guid_string(&self) -> Option<String> {
        let g = self.guid?;
        let h: String = g.iter().map(|b| format!("{b:02x}")).collect();
        Some(format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        ))
    }

    /// Python: `from_bytes(payload)`: reads the framing from `data`, returns the rest.
    pub fn from_bytes(
        data: &[u8],
        protobuf: bool,
    ) -> Result<(SchemaId, &[u8]), SerializationError> {
        let (&magic, rest) = data
            .split_first()
            .ok_or_else(|| SerializationError::new("empty payload: no magic byte"))?;
        let mut sid = SchemaId::default();
        let rest = match magic {
            MAGIC_BYTE => {
                let (id, rest) = split::<4>(rest, "schema id")?;
                sid.id = Some(i32::from_be_bytes(id));
                rest
            }
            MAGIC_BYTE_V1 => {
                let (guid, rest) = split::<16>(rest, "schema GUID")?;
                sid.guid = Some(guid);
                rest
            }
            other => {
                return Err(SerializationError::new(format!(
                    "Invalid magic byte 0x{other:02x} (expected 0x00): the data was not written by \
                     a Confluent Schema Registry serializer"
                )))
            }
        };
        if !protobuf {
            return Ok((sid, rest));
        }
        let (ix, rest) = read_indexes(rest)?;
        sid.message_indexes = Some(ix);
        Ok((sid, rest))
    }
}

fn split<'d, const N: usize>(
    data: &'d [u8],
    what: &str,
) -> Result<([u8; N], &'d [u8]), SerializationError> {
    if data.len() < N {
        return Err(SerializationError::new(format!(
            "truncated framing: the {what} needs {N} bytes, {} left",
            data.len()
        )));
    }
    let (head, rest) = data.split_at(N);
    Ok((head.try_into().expect("split at N"), rest))
}

/// Zig-zag varint, as Python's `_write_varint(zigzag=True)` (on 64-bit values).
fn write_varint(out: &mut Vec<u8>, v: i64) {
    let mut u = ((v << 1) ^ (v >> 63)) as u64;
    while u & !0x7f != 0 {
        out.push((u as u8 & 0x7f) | 0x80);
        u >>= 7;
    }
    out.push(u as u8);
}

fn read_varint(data: &[u8], pos: &mut usize) -> Result<i64, SerializationError> {
    let mut u: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = *data
            .get(*pos)
            .ok_or_else(|| SerializationError::new("Unexpected EOF while reading index"))?;
        *pos += 1;
        u |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok((u >> 1) as i64 ^ -((u & 1) as i64));
        }
    }
    Err(SerializationError::new(
        "message index varint longer than 10 bytes",
    ))
}

/// Python's `_encode_varints`: `[0]` as a single 0 byte, else the count then each index.
pub fn write_indexes(out: &mut Vec<u8>, indexes: &[i32]) {
    if indexes == [0] || indexes.is_empty() {
        out.push(0);
        return;
    }
    write_varint(out, indexes.len() as i64);
    for &i in indexes {
        write_varint(out, i64::from(i));
    }
}

/// Python's `_read_index_array`: a count of 0 means `[0]`; more than 100,000 is refused.
pub fn read_indexes(data: &[u8]) -> Result<(Vec<i32>, &[u8]), SerializationError> {
    let mut pos = 0;
    let n = read_varint(data, &mut pos)?;
    if !(0..=100_000).contains(&n) {
        return Err(SerializationError::new(format!(
            "Invalid msgidx array length {n}"
        )));
    }
    if n == 0 {
        return Ok((vec![0], &data[pos..]));
    }
    let mut ix = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let v = read_varint(data, &mut pos)?;
        ix.push(
            i32::try_from(v)
                .map_err(|_| SerializationError::new(format!("message index {v} out of range")))?,
        );
    }
    Ok((ix, &data[pos..]))
}

/// Python's `dual_schema_id_deserializer`: the GUID from the `__key_schema_id` /
/// `__value_schema_id` header if the message has one (the payload is then all data), else the
/// framing at the start of the payload.
pub fn dual_schema_id<'d>(
    data: &'d [u8],
    ctx: &SerializationContext<'_>,
    protobuf: bool,
) -> Result<(SchemaId, &'d [u8]), SerializationError> {
    let name = match ctx.field {
        MessageField::Key => KEY_SCHEMA_ID_HEADER,
        _ => VALUE_SCHEMA_ID_HEADER,
    };
    match ctx.header(name) {
        Some(Some(h)) => {
            let (sid, rest) = SchemaId::from_bytes(h, protobuf)?;
            if !rest.is_empty() {
                return Err(SerializationError::new(format!(
                    "header {name} has {} bytes after its schema id",
                    rest.len()
                )));
            }
            Ok((sid, data))
        }
        _ => SchemaId::from_bytes(data, protobuf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_encode_as_python() {
        let enc = |ix: &[i32]| {
            let mut v = Vec::new();
            write_indexes(&mut v, ix);
            v
        };
        assert_eq!(enc(&[0]), [0]);
        assert_eq!(enc(&[1]), [2, 2]);
        assert_eq!(enc(&[0, 2]), [4, 0, 4]);
        assert_eq!(enc(&[64]), [2, 0x80, 0x01]);
        for ix in [vec![0], vec![3, 1, 0], vec![200, 70000]] {
            let e = enc(&ix);
            assert_eq!(read_indexes(&e).unwrap(), (ix, &[][..]));
        }
    }

    #[test]
    fn framing_round_trips_and_rejects_other_magic() {
        let sid = SchemaId {
            id: Some(0x01020304),
            message_indexes: Some(vec![1, 0]),
            ..SchemaId::default()
        };
        let mut bytes = sid.id_to_bytes().unwrap();
        assert_eq!(bytes, [0, 1, 2, 3, 4, 4, 2, 0]);
        bytes.extend_from_slice(b"payload");
        let (back, rest) = SchemaId::from_bytes(&bytes, true).unwrap();
        assert_eq!((back, rest), (sid, &b"payload"[..]));
        let e = SchemaId::from_bytes(&[7, 0, 0, 0, 1], false).unwrap_err();
        assert!(e.message().contains("Invalid magic byte 0x07"), "{e}");
        assert!(SchemaId::from_bytes(&[0, 0, 1], false).is_err());
    }
}
