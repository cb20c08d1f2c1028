//! The serializers of `confluent_kafka.serialization`: strings in a codec, 32-bit integers and
//! 64-bit floats, each writing exactly the bytes Python's writes; and the identity serializer
//! for bytes (Python: no serializer configured).

use super::{Deserializer, SerializationContext, SerializationError, Serializer};

/// The text encodings [`StringSerializer`] and [`StringDeserializer`] know, by Python's
/// canonical codec name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    Utf8,
    Ascii,
    Latin1,
    /// `utf_16`: a byte-order mark, then little-endian (CPython on little-endian machines).
    Utf16,
    Utf16Le,
    Utf16Be,
    /// `utf_32`: a byte-order mark, then little-endian.
    Utf32,
    Utf32Le,
    Utf32Be,
}

impl Codec {
    /// Looks a codec up as Python's `codecs.lookup` does: case-insensitive, `-` and spaces
    /// read as `_`, the usual aliases accepted.
    fn lookup(name: &str) -> Result<Codec, SerializationError> {
        let n = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Ok(match n.as_str() {
            "utf_8" | "utf8" | "u8" | "utf" | "cp65001" => Codec::Utf8,
            "ascii" | "us_ascii" | "646" | "us" | "iso646_us" | "ansi_x3.4_1968" => Codec::Ascii,
            "latin_1" | "latin1" | "latin" | "l1" | "iso_8859_1" | "iso8859_1" | "8859"
            | "cp819" => Codec::Latin1,
            "utf_16" | "utf16" | "u16" => Codec::Utf16,
            "utf_16_le" | "utf_16le" => Codec::Utf16Le,
            "utf_16_be" | "utf_16be" => Codec::Utf16Be,
            "utf_32" | "utf32" | "u32" => Codec::Utf32,
            "utf_32_le" | "utf_32le" => Codec::Utf32Le,
            "utf_32_be" | "utf_32be" => Codec::Utf32Be,
            _ => {
                return Err(SerializationError::new(format!(
                    "unsupported codec `{name}`: rkafka's StringSerializer knows utf_8, ascii, \
                     latin_1, utf_16, utf_16_le, utf_16_be, utf_32, utf_32_le and utf_32_be"
                )))
            }
        })
    }

    fn encode(self, s: &str) -> Result<Vec<u8>, SerializationError> {
        let narrow = |limit: u32, codec: &str| {
            s.chars()
                .enumerate()
                .map(|(i, c)| match u8::try_from(c as u32) {
                    Ok(b) if (c as u32) < limit => Ok(b),
                    _ => Err(SerializationError::new(format!(
                        "'{codec}' codec can't encode character {c:?} (U+{:04X}) in position {i}",
                        c as u32
                    ))),
                })
                .collect::<Result<Vec<u8>, _>>()
        };
        let wide = |bom: bool, le: bool, four: bool| {
            let mut out = Vec::with_capacity(s.len() * 4 + 4);
            let mut put = |u: u32| match (four, le) {
                (false, true) => out.extend_from_slice(&(u as u16).to_le_bytes()),
                (false, false) => out.extend_from_slice(&(u as u16).to_be_bytes()),
                (true, true) => out.extend_from_slice(&u.to_le_bytes()),
                (true, false) => out.extend_from_slice(&u.to_be_bytes()),
            };
            if bom {
                put(0xFEFF);
            }
            if four {
                s.chars().for_each(|c| put(c as u32));
            } else {
                s.encode_utf16().for_each(|u| put(u32::from(u)));
            }
            out
        };
        Ok(match self {
            Codec::Utf8 => s.as_bytes().to_vec(),
            Codec::Ascii => narrow(0x80, "ascii")?,
            Codec::Latin1 => narrow(0x100, "latin-1")?,
            Codec::Utf16 => wide(true, true, false),
            Codec::Utf16Le => wide(false, true, false),
            Codec::Utf16Be => wide(false, false, false),
            Codec::Utf32 => wide(true, true, true),
            Codec::Utf32Le => wide(false, true, true),
            Codec::Utf32Be => wide(false, false, true),
        })
    }

    fn decode(self, b: &[u8]) -> Result<String, SerializationError> {
        match self {
            Codec::Utf8 => String::from_utf8(b.to_vec())
                .map_err(|e| SerializationError::with_source("'utf-8' codec can't decode", e)),
            Codec::Ascii => match b.iter().position(|&x| x >= 0x80) {
                Some(i) => Err(SerializationError::new(format!(
                    "'ascii' codec can't decode byte 0x{:02x} in position {i}",
                    b[i]
                ))),
                None => Ok(b.iter().map(|&x| x as char).collect()),
            },
            Codec::Latin1 => Ok(b.iter().map(|&x| x as char).collect()),
            Codec::Utf16 => match b {
                [0xFF, 0xFE, rest @ ..] => decode_utf16(rest, true),
                [0xFE, 0xFF, rest @ ..] => decode_utf16(rest, false),
                _ => decode_utf16(b, true),
            },
            Codec::Utf16Le => decode_utf16(b, true),
            Codec::Utf16Be => decode_utf16(b, false),
            Codec::Utf32 => match b {
                [0xFF, 0xFE, 0, 0, rest @ ..] => decode_utf32(rest, true),
                [0, 0, 0xFE, 0xFF, rest @ ..] => decode_utf32(rest, false),
                _ => decode_utf32(b, true),
            },
            Codec::Utf32Le => decode_utf32(b, true),
            Codec::Utf32Be => decode_utf32(b, false),
        }
    }
}

fn decode_utf16(b: &[u8], le: bool) -> Result<String, SerializationError> {
    if !b.len().is_multiple_of(2) {
        return Err(SerializationError::new(format!(
            "'utf-16' codec can't decode: truncated data ({} bytes)",
            b.len()
        )));
    }
    let units = b.chunks_exact(2).map(|c| {
        let pair = [c[0], c[1]];
        if le {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    });
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|e| SerializationError::with_source("'utf-16' codec can't decode", e))
}

fn decode_utf32(b: &[u8], le: bool) -> Result<String, SerializationError> {
    if !b.len().is_multiple_of(4) {
        return Err(SerializationError::new(format!(
            "'utf-32' codec can't decode: truncated data ({} bytes)",
            b.len()
        )));
    }
    b.chunks_exact(4)
        .map(|c| {
            let quad = [c[0], c[1], c[2], c[3]];
            let u = if le {
                u32::from_le_bytes(quad)
            } else {
                u32::from_be_bytes(quad)
            };
            char::from_u32(u).ok_or_else(|| {
                SerializationError::new(format!(
                    "'utf-32' codec can't decode code point 0x{u:x}: not a Unicode scalar value"
                ))
            })
        })
        .collect()
}

/// Strings in a text codec. Python: `StringSerializer(codec='utf_8')`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StringSerializer {
    codec: Codec,
}

impl StringSerializer {
    /// A serializer for `codec` (Python's codec names and aliases: `utf_8`, `ascii`, `latin_1`,
    /// `utf_16`, `utf_16_le`, `utf_16_be`, `utf_32`, `utf_32_le`, `utf_32_be`). Another name is
    /// refused here, where Python would fail on the first message.
    pub fn new(codec: &str) -> Result<StringSerializer, SerializationError> {
        Codec::lookup(codec).map(|codec| StringSerializer { codec })
    }
}

impl Default for StringSerializer {
    /// UTF-8, Python's default.
    fn default() -> Self {
        StringSerializer { codec: Codec::Utf8 }
    }
}

impl Serializer<str> for StringSerializer {
    fn serialize(
        &self,
        value: &str,
        _: &SerializationContext<'_>,
    ) -> Result<Vec<u8>, SerializationError> {
        self.codec.encode(value)
    }
}

impl Serializer<String> for StringSerializer {
    fn serialize(
        &self,
        value: &String,
        ctx: &SerializationContext<'_>,
    ) -> Result<Vec<u8>, SerializationError> {
        Serializer::<str>::serialize(self, value, ctx)
    }
}

/// Strings from a text codec. Python: `StringDeserializer(codec='utf_8')`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StringDeserializer {
    codec: Codec,
}

impl StringDeserializer {
    /// A deserializer for `codec` (the names [`StringSerializer::new`] takes).
    pub fn new(codec: &str) -> Result<StringDeserializer, SerializationError> {
        Codec::lookup(codec).map(|codec| StringDeserializer { codec })
    }
}

impl Default for StringDeserializer {
    /// UTF-8, Python's default.
    fn default() -> Self {
        StringDeserializer { codec: Codec::Utf8 }
    }
}

impl Deserializer<String> for StringDeserializer {
    fn deserialize(
        &self,
        data: &[u8],
        _: &SerializationContext<'_>,
    ) -> Result<String, SerializationError> {
        self.codec.decode(data)
    }
}

/// `i32` as 4 bytes big-endian. Python: `IntegerSerializer` (`struct.pack('>i', obj)`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntegerSerializer;

impl Serializer<i32> for IntegerSerializer {
    fn serialize(
        &self,
        value: &i32,
        _: &SerializationContext<'_>,
    ) -> Result<Vec<u8>, SerializationError> {
        Ok(value.to_be_bytes().to_vec())
    }
}

/// `i32` from exactly 4 bytes big-endian. Python: `IntegerDeserializer`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntegerDeserializer;

impl Deserializer<i32> for IntegerDeserializer {
    fn deserialize(
        &self,
        data: &[u8],
        _: &SerializationContext<'_>,
    ) -> Result<i32, SerializationError> {
        fixed(data).map(i32::from_be_bytes)
    }
}

/// `f64` as 8 bytes IEEE 754 big-endian. Python: `DoubleSerializer` (`struct.pack('>d', obj)`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DoubleSerializer;

impl Serializer<f64> for DoubleSerializer {
    fn serialize(
        &self,
        value: &f64,
        _: &SerializationContext<'_>,
    ) -> Result<Vec<u8>, SerializationError> {
        Ok(value.to_be_bytes().to_vec())
    }
}

/// `f64` from exactly 8 bytes big-endian. Python: `DoubleDeserializer`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DoubleDeserializer;

impl Deserializer<f64> for DoubleDeserializer {
    fn deserialize(
        &self,
        data: &[u8],
        _: &SerializationContext<'_>,
    ) -> Result<f64, SerializationError> {
        fixed(data).map(f64::from_be_bytes)
    }
}

/// `data` as an array of exactly `N` bytes (Python: `unpack requires a buffer of N bytes`).
fn fixed<const N: usize>(data: &[u8]) -> Result<[u8; N], SerializationError> {
    data.try_into().map_err(|_| {
        SerializationError::new(format!(
            "unpack requires a buffer of {N} bytes, got {}",
            data.len()
        ))
    })
}

/// Bytes unchanged: what Python's clients do with a key or value that has no serializer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BytesSerializer;

impl Serializer<[u8]> for BytesSerializer {
    fn serialize(
        &self,
        value: &[u8],
        _: &SerializationContext<'_>,
    ) -> Result<Vec<u8>, SerializationError> {
        Ok(value.to_vec())
    }
}

impl Serializer<Vec<u8>> for BytesSerializer {
    fn serialize(
        &self,
        value: &Vec<u8>,
        _: &SerializationContext<'_>,
    ) -> Result<Vec<u8>, SerializationError> {
        Ok(value.clone())
    }
}

/// Bytes unchanged: what Python's consumer returns for a key or value without a deserializer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BytesDeserializer;

impl Deserializer<Vec<u8>> for BytesDeserializer {
    fn deserialize(
        &self,
        data: &[u8],
        _: &SerializationContext<'_>,
    ) -> Result<Vec<u8>, SerializationError> {
        Ok(data.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serialization::MessageField;

    fn ctx() -> SerializationContext<'static> {
        SerializationContext::new("t", MessageField::Value)
    }

    #[test]
    fn codecs_round_trip_and_refuse_what_they_cannot_hold() {
        for name in [
            "utf_8",
            "UTF-8",
            "ascii",
            "latin-1",
            "utf_16",
            "utf-16-be",
            "utf_32",
        ] {
            let s = StringSerializer::new(name).unwrap();
            let d = StringDeserializer::new(name).unwrap();
            let bytes = Serializer::<str>::serialize(&s, "abc", &ctx()).unwrap();
            assert_eq!(d.deserialize(&bytes, &ctx()).unwrap(), "abc", "{name}");
        }
        let ascii = StringSerializer::new("ascii").unwrap();
        let e = Serializer::<str>::serialize(&ascii, "né", &ctx()).unwrap_err();
        assert!(e.message().contains("position 1"), "{e}");
        assert!(StringSerializer::new("cp1252")
            .unwrap_err()
            .message()
            .contains("`cp1252`"));
    }

    #[test]
    fn numbers_need_exact_lengths() {
        assert_eq!(
            IntegerSerializer.serialize(&-2, &ctx()).unwrap(),
            [0xff, 0xff, 0xff, 0xfe]
        );
        let e = IntegerDeserializer
            .deserialize(&[0, 1], &ctx())
            .unwrap_err();
        assert!(e.message().contains("4 bytes, got 2"), "{e}");
        assert!(DoubleDeserializer.deserialize(&[0; 9], &ctx()).is_err());
    }
}
