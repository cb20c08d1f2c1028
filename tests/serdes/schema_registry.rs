//! `SchemaRegistryClient` against the registry fixture (tests/common/registry.rs), with
//! confluent-kafka-python 2.12.1's `SchemaRegistryClient` as the second client on the same
//! fixture: registration and lookups both ways, caching, basic / bearer / OAuth auth, TLS with
//! a CA and a client certificate, retries, timeouts, a registry that is down, and secrets never
//! printed.
#![cfg(feature = "schema-registry")]

use crate::common;

use std::time::{Duration, Instant};

use common::registry::{run_sr_python, Auth, Registry, TlsFiles};
use rkafka::schema_registry::{
    BearerFields, ConfigCompatibilityLevel, Schema, SchemaReference, SchemaRegistryClient,
    ServerConfig, Version,
};

const USER_V1: &str = r#"{"type":"record","name":"User","namespace":"test","fields":[{"name":"name","type":"string"}]}"#;
const USER_V2_OK: &str = r#"{"type":"record","name":"User","namespace":"test","fields":[{"name":"name","type":"string"},{"name":"age","type":"int","default":0}]}"#;
const USER_V2_BAD: &str = r#"{"type":"record","name":"User","namespace":"test","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"}]}"#;

fn client(r: &Registry) -> SchemaRegistryClient {
    SchemaRegistryClient::new([("url", r.url())]).unwrap()
}

/// A Python `SchemaRegistryClient` doing `body` (Python statements using `c`, `Schema`,
/// `SchemaReference`, `json`; printing their results).
fn python(url: &str, extra_conf: &str, body: &str) -> String {
    let script = format!(
        "import json, sys\n\
         from confluent_kafka.schema_registry import SchemaRegistryClient, Schema, SchemaReference\n\
         c = SchemaRegistryClient({{'url': sys.argv[1]{extra_conf}}})\n{body}\n"
    );
    run_sr_python(&script, &[url])
}

#[test]
fn schemas_registered_by_one_client_are_found_by_the_other() {
    let r = Registry::start();
    let c = client(&r);
    // Python registers; rkafka finds the same id, by lookup and by id.
    let py_id: i32 = python(
        &r.url(),
        "",
        &format!("print(c.register_schema('users-value', Schema({USER_V1:?}, 'AVRO')))"),
    )
    .trim()
    .parse()
    .unwrap();
    let found = c
        .lookup_schema("users-value", &Schema::new(USER_V1, "AVRO"), false, false)
        .unwrap();
    assert_eq!((found.schema_id, found.version), (py_id, Some(1)));
    assert_eq!(c.get_schema(py_id, None, None).unwrap().schema_str, USER_V1);
    // rkafka registering the same schema again gets the same id and no new version.
    assert_eq!(
        c.register_schema("users-value", &Schema::new(USER_V1, "AVRO"), false)
            .unwrap(),
        py_id
    );
    assert_eq!(r.ids("users-value"), [py_id]);

    // rkafka registers a second version; Python sees it as the latest and by lookup.
    let v2 = c
        .register_schema("users-value", &Schema::new(USER_V2_OK, "AVRO"), false)
        .unwrap();
    assert_ne!(v2, py_id);
    let out = python(
        &r.url(),
        "",
        &format!(
            "l = c.get_latest_version('users-value'); print(l.schema_id, l.version)\n\
             print(c.lookup_schema('users-value', Schema({USER_V2_OK:?}, 'AVRO')).schema_id)\n\
             print(c.get_versions('users-value'))"
        ),
    );
    assert_eq!(out, format!("{v2} 2\n{v2}\n[1, 2]\n"));
    let latest = c.get_latest_version("users-value", None).unwrap();
    assert_eq!((latest.schema_id, latest.version), (v2, Some(2)));
    assert_eq!(c.get_versions("users-value", false, false).unwrap(), [1, 2]);
    assert_eq!(c.get_subjects(None, false, false).unwrap(), ["users-value"]);
    assert_eq!(
        c.get_version("users-value", 1, false, None)
            .unwrap()
            .schema_id,
        py_id
    );
    let uses = c.get_schema_versions(v2, None, false).unwrap();
    assert_eq!(
        (uses[0].subject.as_str(), uses[0].version),
        ("users-value", 2)
    );
    assert_eq!(
        c.get_subjects_by_schema_id(v2, None, false).unwrap(),
        ["users-value"]
    );
    assert!(c.get_schema_types().unwrap().contains(&"AVRO".to_string()));
}

#[test]
fn answers_are_cached_as_python_caches_them() {
    let r = Registry::start();
    let c = client(&r);
    let s = Schema::new(USER_V1, "AVRO");
    let id = c.register_schema("cache-value", &s, false).unwrap();
    for _ in 0..3 {
        assert_eq!(c.register_schema("cache-value", &s, false).unwrap(), id);
        assert_eq!(c.get_schema(id, None, None).unwrap(), s);
        c.lookup_schema("cache-value", &s, false, false).unwrap();
        c.get_latest_version("cache-value", None).unwrap();
        c.get_version("cache-value", 1, false, None).unwrap();
    }
    assert_eq!(r.count("POST", "/subjects/cache-value/versions"), 1);
    assert_eq!(r.count("GET", &format!("/schemas/ids/{id}")), 1);
    assert_eq!(r.count("POST", "/subjects/cache-value?"), 1);
    assert_eq!(r.count("GET", "/subjects/cache-value/versions/latest"), 1);
    assert_eq!(
        r.count("GET", "/subjects/cache-value/versions/1"),
        0,
        "version 1 came with the lookup"
    );
    c.clear_caches();
    c.get_schema(id, None, None).unwrap();
    assert_eq!(r.count("GET", &format!("/schemas/ids/{id}")), 2);

    // The latest version expires after cache.latest.ttl.sec.
    let c = SchemaRegistryClient::new([("url", r.url()), ("cache.latest.ttl.sec", "0.2".into())])
        .unwrap();
    c.get_latest_version("cache-value", None).unwrap();
    c.get_latest_version("cache-value", None).unwrap();
    assert_eq!(r.count("GET", "/subjects/cache-value/versions/latest"), 2);
    std::thread::sleep(Duration::from_millis(300));
    c.get_latest_version("cache-value", None).unwrap();
    assert_eq!(r.count("GET", "/subjects/cache-value/versions/latest"), 3);
}

#[test]
fn compatibility_config_and_refusals() {
    let r = Registry::start();
    let c = client(&r);
    c.register_schema("compat-value", &Schema::new(USER_V1, "AVRO"), false)
        .unwrap();
    assert_eq!(
        c.get_compatibility(None).unwrap(),
        ConfigCompatibilityLevel::Backward
    );
    assert!(c
        .test_compatibility(
            "compat-value",
            &Schema::new(USER_V2_OK, "AVRO"),
            Version::Latest,
            false
        )
        .unwrap());
    assert!(!c
        .test_compatibility(
            "compat-value",
            &Schema::new(USER_V2_BAD, "AVRO"),
            Version::Latest,
            false
        )
        .unwrap());
    assert!(!c
        .test_compatibility_all_versions("compat-value", &Schema::new(USER_V2_BAD, "AVRO"), false)
        .unwrap());

    // 409: the registry refuses an incompatible schema; nothing is registered.
    let e = c
        .register_schema("compat-value", &Schema::new(USER_V2_BAD, "AVRO"), false)
        .unwrap_err();
    assert_eq!(
        (e.http_status_code(), e.error_code()),
        (Some(409), 409),
        "{e}"
    );
    assert!(
        e.to_string().contains("incompatible") && e.to_string().contains("HTTP status code 409"),
        "{e}"
    );
    assert_eq!(r.ids("compat-value").len(), 1);
    // Python sees the same refusal.
    let out = python(
        &r.url(),
        "",
        &format!(
            "from confluent_kafka.schema_registry.error import SchemaRegistryError\n\
             try:\n    c.register_schema('compat-value', Schema({USER_V2_BAD:?}, 'AVRO'))\n\
             except SchemaRegistryError as e:\n    print(e.http_status_code, e.error_code)"
        ),
    );
    assert_eq!(out.trim(), "409 409");

    // With the subject at NONE it is accepted.
    assert_eq!(
        c.set_compatibility(Some("compat-value"), ConfigCompatibilityLevel::None)
            .unwrap(),
        ConfigCompatibilityLevel::None
    );
    assert_eq!(
        c.get_compatibility(Some("compat-value")).unwrap(),
        ConfigCompatibilityLevel::None
    );
    c.register_schema("compat-value", &Schema::new(USER_V2_BAD, "AVRO"), false)
        .unwrap();
    let cfg = c
        .set_config(
            None,
            &ServerConfig {
                compatibility: Some(ConfigCompatibilityLevel::Full),
                ..ServerConfig::default()
            },
        )
        .unwrap();
    assert_eq!(cfg.compatibility, Some(ConfigCompatibilityLevel::Full));
    assert_eq!(
        c.get_config(None).unwrap().compatibility_level,
        Some(ConfigCompatibilityLevel::Full)
    );
    assert_eq!(
        c.delete_config(Some("compat-value"))
            .unwrap()
            .compatibility_level,
        Some(ConfigCompatibilityLevel::None)
    );
    assert_eq!(
        c.update_mode("compat-value", "READONLY", false).unwrap(),
        "READONLY"
    );
    assert_eq!(c.get_mode("compat-value").unwrap(), "READONLY");
    assert_eq!(c.delete_mode("compat-value").unwrap(), "READONLY");
    assert_eq!(c.get_global_mode().unwrap(), "READWRITE");
    assert_eq!(
        c.update_global_mode("READWRITE", true).unwrap(),
        "READWRITE"
    );
    assert_eq!(c.get_contexts().unwrap(), ["."]);

    // Deleting: soft, then versions are gone from the listing.
    assert_eq!(c.delete_version("compat-value", 2, false).unwrap(), 2);
    assert_eq!(c.get_versions("compat-value", false, false).unwrap(), [1]);
    assert_eq!(c.delete_subject("compat-value", false).unwrap(), [1, 2]);
    assert!(c.get_subjects(None, false, false).unwrap().is_empty());
    assert_eq!(c.delete_subject("compat-value", true).unwrap(), [1, 2]);
}

#[test]
fn not_found_errors_carry_the_registry_codes() {
    let r = Registry::start();
    let c = client(&r);
    let e = c.get_schema(77, None, None).unwrap_err();
    assert_eq!(
        (e.http_status_code(), e.error_code()),
        (Some(404), 40403),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "Schema 77 not found (HTTP status code 404, SR code 40403)"
    );
    let e = c.get_latest_version("nobody", None).unwrap_err();
    assert_eq!(e.error_code(), 40401, "{e}");
    c.register_schema("s", &Schema::new(USER_V1, "AVRO"), false)
        .unwrap();
    let e = c
        .lookup_schema("s", &Schema::new(USER_V2_OK, "AVRO"), false, false)
        .unwrap_err();
    assert_eq!(e.error_code(), 40403, "{e}");
    let e = c.get_version("s", 9, false, None).unwrap_err();
    assert_eq!(e.error_code(), 40402, "{e}");
}

#[test]
fn references_and_referenced_by() {
    let r = Registry::start();
    let c = client(&r);
    let addr = r#"{"type":"record","name":"Address","namespace":"test","fields":[{"name":"city","type":"string"}]}"#;
    let person = r#"{"type":"record","name":"Person","namespace":"test","fields":[{"name":"home","type":"test.Address"}]}"#;
    let addr_id = c
        .register_schema("address", &Schema::new(addr, "AVRO"), false)
        .unwrap();
    let refs = vec![SchemaReference::new("test.Address", "address", 1)];
    let person_schema = Schema::new(person, "AVRO").with_references(refs.clone());
    let id = c
        .register_schema("person-value", &person_schema, false)
        .unwrap();
    assert_ne!(id, addr_id);
    assert_eq!(c.get_referenced_by("address", 1).unwrap(), [id]);
    // Python reads the references back as rkafka wrote them.
    let out = python(
        &r.url(),
        "",
        &format!(
            "s = c.get_schema({id}); print([(x.name, x.subject, x.version) for x in s.references])"
        ),
    );
    assert_eq!(out.trim(), "[('test.Address', 'address', 1)]");
    assert_eq!(c.get_schema(id, None, None).unwrap().references, refs);
    // A reference to nothing is refused.
    let bad = Schema::new(person, "AVRO").with_references(vec![SchemaReference::new(
        "test.Address",
        "nowhere",
        1,
    )]);
    assert_eq!(
        c.register_schema("bad", &bad, false)
            .unwrap_err()
            .error_code(),
        42201
    );
}

#[test]
fn basic_auth_from_config_or_url_and_401_without_it() {
    let r = Registry::with_basic_auth("alice", "alice-sr-secret");
    let good = SchemaRegistryClient::new([
        ("url", r.url()),
        ("basic.auth.user.info", "alice:alice-sr-secret".into()),
    ])
    .unwrap();
    let id = good
        .register_schema("auth-value", &Schema::new(USER_V1, "AVRO"), false)
        .unwrap();
    let in_url = r.url().replace("http://", "http://alice:alice-sr-secret@");
    let via_url = SchemaRegistryClient::new([("url", in_url.clone())]).unwrap();
    assert_eq!(
        via_url.get_schema(id, None, None).unwrap().schema_str,
        USER_V1
    );

    for c in [
        client(&r),
        SchemaRegistryClient::new([
            ("url", r.url()),
            ("basic.auth.user.info", "alice:wrong-password".into()),
        ])
        .unwrap(),
    ] {
        let e = c.get_schema(id, None, None).unwrap_err();
        assert_eq!(
            (e.http_status_code(), e.error_code()),
            (Some(401), 401),
            "{e}"
        );
        assert!(!e.to_string().contains("wrong-password"));
    }
    // Python with the same credentials sees the same schema; without them, 401.
    let out = python(
        &r.url(),
        ", 'basic.auth.user.info': 'alice:alice-sr-secret'",
        &format!("print(c.get_schema({id}).schema_str == {USER_V1:?})"),
    );
    assert_eq!(out.trim(), "True");

    // Credentials are never printed: not by Debug, not by the config, not in errors.
    let dbg = format!("{good:?} {via_url:?} {:?}", good.config());
    assert!(!dbg.contains("alice-sr-secret"), "{dbg}");
    let both = SchemaRegistryClient::new([
        ("url", in_url),
        ("basic.auth.user.info", "alice:alice-sr-secret".into()),
    ])
    .unwrap_err();
    assert!(
        both.to_string().contains("userinfo credentials in the URL")
            && !both.to_string().contains("secret"),
        "{both}"
    );
    let malformed = SchemaRegistryClient::new([
        ("url", r.url()),
        ("basic.auth.user.info", "no-colon-secret".into()),
    ])
    .unwrap_err();
    assert!(
        !malformed.to_string().contains("no-colon-secret"),
        "{malformed}"
    );
}

#[test]
fn bearer_auth_static_custom_and_oauth() {
    let r = Registry::start();
    r.set_auth(Auth::Bearer("static-tok".into()));
    let conf = |token: &str| {
        vec![
            ("url", r.url()),
            ("bearer.auth.credentials.source", "STATIC_TOKEN".to_string()),
            ("bearer.auth.token", token.to_string()),
            ("bearer.auth.logical.cluster", "lsrc-1".to_string()),
            ("bearer.auth.identity.pool.id", "pool-1".to_string()),
        ]
    };
    let c = SchemaRegistryClient::new(conf("static-tok")).unwrap();
    let id = c
        .register_schema("bearer-value", &Schema::new(USER_V1, "AVRO"), false)
        .unwrap();
    let h = r.request_headers().pop().unwrap();
    assert!(
        h.contains(&("target-sr-cluster".into(), "lsrc-1".into())),
        "{h:?}"
    );
    assert!(
        h.contains(&("confluent-identity-pool-id".into(), "pool-1".into())),
        "{h:?}"
    );
    let e = SchemaRegistryClient::new(conf("other-tok"))
        .unwrap()
        .get_schema(id, None, None)
        .unwrap_err();
    assert_eq!(e.http_status_code(), Some(401));
    let missing = SchemaRegistryClient::new(vec![
        ("url", r.url()),
        ("bearer.auth.credentials.source", "STATIC_TOKEN".to_string()),
    ])
    .unwrap_err();
    assert!(
        missing.to_string().contains("bearer.auth.logical.cluster"),
        "{missing}"
    );

    // CUSTOM: a closure gives the fields.
    let custom = SchemaRegistryClient::with_bearer_provider(
        [
            ("url", r.url()),
            ("bearer.auth.credentials.source", "CUSTOM".into()),
        ],
        || {
            Ok(BearerFields {
                token: "static-tok".into(),
                logical_cluster: "lsrc-2".into(),
                identity_pool_id: "pool-2".into(),
            })
        },
    )
    .unwrap();
    assert_eq!(
        custom.get_schema(id, None, None).unwrap().schema_str,
        USER_V1
    );

    // OAUTHBEARER: a client-credentials token from the issuer endpoint, reused while valid.
    let oauth = SchemaRegistryClient::new(vec![
        ("url", r.url()),
        ("bearer.auth.credentials.source", "OAUTHBEARER".to_string()),
        ("bearer.auth.client.id", "rkafka-client".to_string()),
        ("bearer.auth.client.secret", "client-secret".to_string()),
        ("bearer.auth.scope", "schema_registry".to_string()),
        (
            "bearer.auth.issuer.endpoint.url",
            format!("{}/oauth/token", r.url()),
        ),
        ("bearer.auth.logical.cluster", "lsrc-3".to_string()),
        ("bearer.auth.identity.pool.id", "pool-3".to_string()),
    ])
    .unwrap();
    assert_eq!(oauth.get_schema_types().unwrap().len(), 3);
    assert_eq!(
        oauth.get_subjects(None, false, false).unwrap(),
        ["bearer-value"]
    );
    assert_eq!(r.count("POST", "/oauth/token"), 1);
    assert!(!format!("{oauth:?}").contains("client-secret"));
}

#[test]
fn tls_with_a_ca_and_a_client_certificate() {
    let files = TlsFiles::generate();
    let r = Registry::with_tls(&files, true);
    let path = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let conf = vec![
        ("url", r.url()),
        ("ssl.ca.location", path(&files.ca)),
        ("ssl.certificate.location", path(&files.client_cert)),
        ("ssl.key.location", path(&files.client_key)),
        ("ssl.key.password", TlsFiles::KEY_PASSWORD.to_string()),
    ];
    let c = SchemaRegistryClient::new(conf.clone()).unwrap();
    let id = c
        .register_schema("tls-value", &Schema::new(USER_V1, "AVRO"), false)
        .unwrap();
    // Python with the same files finds it.
    let out = python(
        &r.url(),
        &format!(
            ", 'ssl.ca.location': {:?}, 'ssl.certificate.location': {:?}, 'ssl.key.location': {:?}, 'ssl.key.password': {:?}",
            path(&files.ca),
            path(&files.client_cert),
            path(&files.client_key),
            TlsFiles::KEY_PASSWORD
        ),
        "print(c.get_latest_version('tls-value').schema_id)",
    );
    assert_eq!(out.trim(), id.to_string());

    // Without the client certificate the server refuses the handshake.
    let no_cert =
        SchemaRegistryClient::new([("url", r.url()), ("ssl.ca.location", path(&files.ca))])
            .unwrap();
    assert!(no_cert
        .get_schema(id, None, None)
        .unwrap_err()
        .is_transport());
    // Without the CA the server's certificate is not trusted.
    let no_ca = SchemaRegistryClient::new([("url", r.url())]).unwrap();
    let e = no_ca.get_schema(id, None, None).unwrap_err();
    assert!(e.is_transport(), "{e}");
    // A wrong key password is a clear configuration error that does not print the password.
    let mut wrong = conf.clone();
    wrong[4].1 = "not-the-password".into();
    let e = SchemaRegistryClient::new(wrong).unwrap_err();
    assert!(
        e.to_string().contains("ssl.key.password") && !e.to_string().contains("not-the-password"),
        "{e}"
    );
    let e = SchemaRegistryClient::new([
        ("url", r.url()),
        ("ssl.key.location", path(&files.client_key)),
    ])
    .unwrap_err();
    assert!(
        e.to_string().contains("ssl.certificate.location required"),
        "{e}"
    );
}

#[test]
fn retriable_answers_are_retried_within_bounds() {
    let r = Registry::start();
    let conf = |retries: &str| {
        vec![
            ("url", r.url()),
            ("max.retries", retries.to_string()),
            ("retries.wait.ms", "20".to_string()),
            ("retries.max.wait.ms", "50".to_string()),
        ]
    };
    let c = SchemaRegistryClient::new(conf("3")).unwrap();
    r.fail_next(503, 2);
    c.get_schema_types().unwrap();
    assert_eq!(r.count("GET", "/schemas/types"), 3);
    // More failures than retries: the last answer is the error.
    r.fail_next(503, 2);
    let e = SchemaRegistryClient::new(conf("1"))
        .unwrap()
        .get_schema_types()
        .unwrap_err();
    assert_eq!(e.http_status_code(), Some(503), "{e}");
    assert_eq!(r.count("GET", "/schemas/types"), 5);
    // A 4xx other than 408/429 is not retried.
    r.fail_next(400, 1);
    assert_eq!(
        c.get_schema_types().unwrap_err().http_status_code(),
        Some(400)
    );
    assert_eq!(r.count("GET", "/schemas/types"), 6);
    // A second URL is tried after a retriable answer from the first.
    let second = Registry::start();
    let both = SchemaRegistryClient::new([
        ("url", format!("{},{}", r.url(), second.url())),
        ("max.retries", "0".into()),
    ])
    .unwrap();
    r.fail_next(503, 1);
    assert_eq!(both.get_schema_types().unwrap().len(), 3);
    assert_eq!(second.count("GET", "/schemas/types"), 1);
}

#[test]
fn a_registry_that_is_down_or_silent_fails_within_the_timeout() {
    let r = Registry::start();
    let url = r.url();
    r.stop();
    let c = SchemaRegistryClient::new([("url", url.clone())]).unwrap();
    let t = Instant::now();
    let e = c.get_schema(1, None, None).unwrap_err();
    assert!(e.is_transport() && e.to_string().contains(&url), "{e}");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());

    // A server that accepts connections and never answers: bounded by `timeout`.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", silent.local_addr().unwrap().port());
    let c = SchemaRegistryClient::new([("url", url), ("timeout", "1".into())]).unwrap();
    let t = Instant::now();
    let e = c.get_schema(1, None, None).unwrap_err();
    assert!(e.is_transport(), "{e}");
    assert!(
        t.elapsed() >= Duration::from_millis(900)
            && t.elapsed() < Duration::from_secs(2) + Duration::from_secs(1),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn wire_format_vectors_equal_pythons() {
    use rkafka::schema_registry::wire::{read_indexes, write_indexes};
    use rkafka::schema_registry::SchemaId;
    let cases: &[(i32, &[i32])] = &[
        (1, &[0]),
        (1, &[1]),
        (258, &[0, 2]),
        (0x7fff_ffff, &[3, 1, 0]),
        (65536, &[64, 8191, 100000]),
    ];
    // Python's SchemaId.id_to_bytes for each (id, message indexes); also without indexes.
    let script = format!(
        "from confluent_kafka.schema_registry.serde import SchemaId\n\
         for i, ix in {cases:?}:\n    print(SchemaId('PROTOBUF', i, message_indexes=list(ix)).id_to_bytes().hex(), SchemaId('AVRO', i).id_to_bytes().hex())"
    );
    let out = run_sr_python(&script, &[]);
    for ((id, ix), line) in cases.iter().zip(out.lines()) {
        let (py_pb, py_avro) = line.split_once(' ').unwrap();
        let pb = SchemaId {
            id: Some(*id),
            message_indexes: Some(ix.to_vec()),
            ..SchemaId::default()
        };
        let bytes = pb.id_to_bytes().unwrap();
        assert_eq!(common::registry::hex(&bytes), py_pb, "{id} {ix:?}");
        assert_eq!(
            common::registry::hex(
                &SchemaId {
                    id: Some(*id),
                    ..SchemaId::default()
                }
                .id_to_bytes()
                .unwrap()
            ),
            py_avro
        );
        assert_eq!(SchemaId::from_bytes(&bytes, true).unwrap(), (pb, &[][..]));
        let mut alone = Vec::new();
        write_indexes(&mut alone, ix);
        assert_eq!(read_indexes(&alone).unwrap().0, ix.to_vec());
    }
    assert_eq!(
        out.lines().next().unwrap(),
        "000000000100 0000000001",
        "[0] is a single 0 byte"
    );
}

#[test]
fn bad_configuration_is_refused_naming_the_key() {
    let e = SchemaRegistryClient::new([("url", "ftp://x")]).unwrap_err();
    assert!(e.to_string().contains("Invalid url ftp://x"), "{e}");
    let e = SchemaRegistryClient::new(Vec::<(&str, &str)>::new()).unwrap_err();
    assert!(e.to_string().contains("url"), "{e}");
    let e = SchemaRegistryClient::new([("url", "http://127.0.0.1:1"), ("max.retrys", "1")])
        .unwrap_err();
    assert_eq!(e.to_string(), "Unrecognized properties: max.retrys");
    let e = SchemaRegistryClient::new([("url", "http://127.0.0.1:1"), ("timeout", "soon")])
        .unwrap_err();
    assert!(e.to_string().contains("timeout"), "{e}");
}
