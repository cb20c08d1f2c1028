//! Which configuration values are secrets, and [`Secrets`]: scrubbing them out of the text
//! librdkafka writes (log lines, error strings).
//!
//! Two rules, one for each way a secret can leak:
//!
//! - *Which keys hold secrets* ([`is_secret_key`]): librdkafka's secret properties, any key whose
//!   name says password, secret, passphrase, token, credential, private key, API key or user
//!   info (`basic.auth.user.info`, the Schema Registry's `user:password`), a key
//!   whose last word is `key`, and misspellings of all of those (`sasl.pasword`): a value is
//!   better hidden once too often in `Debug` than shown once.
//! - *What is scrubbed from text* ([`Secrets::scrub`]): each secret value whole, whatever its
//!   length; and of a structured value (`sasl.oauthbearer.config`'s `k1=v1 k2=v2`, whose pieces
//!   librdkafka quotes in its errors) each `k=v` piece and each value of at least
//!   [`MIN_PIECE`] characters. Shorter pieces (`scope=kafka`'s `kafka`) are names, not secrets;
//!   scrubbing them turned every `rdkafka` in the log into `rd[redacted]`.

use std::borrow::Cow;
use std::fmt;

use crate::util::edit_distance_within;

/// What a redacted value is shown as.
pub(crate) const REDACTED: &str = "[redacted]";

/// Pieces of a structured secret shorter than this are not scrubbed on their own.
pub(crate) const MIN_PIECE: usize = 8;

/// librdkafka 2.12.1's properties that hold secrets (and `ssl_key`, the C-API-only key).
const SECRET_KEYS: &[&str] = &[
    "sasl.password",
    "ssl.key.password",
    "ssl.keystore.password",
    "ssl.key.pem",
    "ssl_key",
    "sasl.oauthbearer.config",
    "sasl.oauthbearer.client.secret",
    "sasl.oauthbearer.client.credentials.client.secret",
    "sasl.oauthbearer.assertion.private.key.passphrase",
    "sasl.oauthbearer.assertion.private.key.pem",
];

/// Words that make a key a secret's wherever they appear in its name.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "passphrase",
    "token",
    "credential",
    "privatekey",
    "apikey",
    // The Schema Registry client's `basic.auth.user.info` (`user:password`).
    "userinfo",
];

/// True if `key` holds (or, misspelled, was meant to hold) a secret; see the module docs.
pub(crate) fn is_secret_key(key: &str) -> bool {
    // `sasl_password`, `SASL-Password` and `sasl.password` name the same thing.
    let k: String = key
        .chars()
        .map(|c| match c {
            '_' | '-' => '.',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let joined = k.replace('.', "");
    SECRET_WORDS.iter().any(|w| joined.contains(w))
        || k.ends_with(".pem") && k.contains("key")
        || k.rsplit('.').next() == Some("key")
        || k.split('.').any(|word| {
            word.len() >= 5
                && SECRET_WORDS
                    .iter()
                    .any(|w| edit_distance_within(word, w, 1).is_some())
        })
        || SECRET_KEYS.iter().any(|s| {
            let near = if s.len() < 10 { 1 } else { 2 };
            edit_distance_within(&k, &s.replace('_', "."), near).is_some()
        })
}

/// The secret values of one configuration, to scrub out of the text librdkafka writes.
/// `Debug` shows only how many there are.
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    /// Longest first, so a whole value is replaced before any piece of it.
    needles: Vec<String>,
}

impl Secrets {
    /// The secrets among `entries` (`key`, `value`): each value whose key [`is_secret_key`],
    /// and the long-enough pieces of structured ones.
    pub(crate) fn new<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> Secrets {
        let mut needles: Vec<String> = Vec::new();
        let mut add = |s: &str| {
            if !s.is_empty() && !needles.iter().any(|n| n == s) {
                needles.push(s.to_string());
            }
        };
        for (key, value) in entries {
            if !is_secret_key(key) {
                continue;
            }
            add(value);
            for piece in value.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
                let value_part = piece.split_once('=').map_or(piece, |(_, v)| v);
                for part in [piece, value_part] {
                    if part.chars().count() >= MIN_PIECE {
                        add(part);
                    }
                }
            }
        }
        needles.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Secrets { needles }
    }

    /// `s` with every secret replaced by `[redacted]`, in one pass from left to right (the
    /// longest secret starting at a position wins, and replacement text is never scanned, so a
    /// secret that is part of `[redacted]` cannot mangle it).
    pub(crate) fn scrub<'a>(&self, s: &'a str) -> Cow<'a, str> {
        if !self.needles.iter().any(|n| s.contains(n.as_str())) {
            return Cow::Borrowed(s);
        }
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            match self.needles.iter().find(|n| rest.starts_with(n.as_str())) {
                Some(n) => {
                    out.push_str(REDACTED);
                    rest = &rest[n.len()..];
                }
                None => {
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        Cow::Owned(out)
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} values)", self.needles.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_values_always_long_pieces_of_structured_values_too() {
        let s = Secrets::new([
            (
                "sasl.oauthbearer.config",
                "principal=alice extension_traceId=Ext-S3cret bogus=Tail-S3cret scope=kafka",
            ),
            ("sasl.password", "pw1"),
            ("client.id", "not-secret"),
        ]);
        let scrub = |t: &str| s.scrub(t).into_owned();
        assert_eq!(scrub("pw1 and pw1"), "[redacted] and [redacted]");
        assert_eq!(
            scrub("Unrecognized config beginning at: bogus=Tail-S3cret scope=kafka"),
            "Unrecognized config beginning at: [redacted] [redacted]"
        );
        assert_eq!(scrub("trace Ext-S3cret"), "trace [redacted]");
        assert_eq!(scrub("principal=alice"), "[redacted]");
        // Short values of pieces are names, not secrets.
        assert_eq!(
            scrub("rdkafka#producer-1 alice"),
            "rdkafka#producer-1 alice"
        );
        assert_eq!(scrub("not-secret"), "not-secret");
        assert!(matches!(s.scrub("nothing here"), Cow::Borrowed(_)));
        assert_eq!(
            format!("{s:?}"),
            format!("Secrets({} values)", s.needles.len())
        );
        assert!(
            s.needles.windows(2).all(|w| w[0].len() >= w[1].len()),
            "longest first"
        );
    }

    #[test]
    fn a_secret_inside_the_redaction_marker_does_not_mangle_it() {
        let s = Secrets::new([("sasl.password", "red"), ("ssl.key.password", "xredx")]);
        assert_eq!(
            s.scrub("red xredx [redacted]").as_ref(),
            "[redacted] [redacted] [[redacted]acted]"
        );
        let s = Secrets::new([("sasl.password", "a")]);
        assert_eq!(s.scrub("a-b-a").as_ref(), "[redacted]-b-[redacted]");
    }

    #[test]
    fn secret_looking_keys() {
        for k in [
            "sasl.password",
            "sasl.pasword",
            "sasl.passwrd",
            "SASL_PASSWORD",
            "ssl.key.pasword",
            "ssl.keystore.password",
            "ssl.key.pem",
            "ssl_key",
            "sasl.oauthbearer.config",
            "sasl.oauthbearer.confg",
            "sasl.oauthbearer.client.secret",
            "sasl.oauthbearer.client.secert",
            "my.api.key",
            "my.apikey",
            "vault.token",
            "aws.credentials",
            "some.private.key",
            "db.passphrase",
            "x.passwd",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "sasl.username",
            "sasl.mechanisms",
            "client.id",
            "ssl.key.location",
            "ssl.keystore.location",
            "ssl.ca.pem",
            "ssl.certificate.pem",
            "bootstrap.servers",
            "sasl.kerberos.keytab",
            "enable.sasl.oauthbearer.unsecure.jwt",
            "key.serializer",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }
}
