//! A Schema Registry test fixture: the documented REST endpoints that confluent-kafka-python's
//! `SchemaRegistryClient` and rkafka's both use (subjects, versions, schemas by id,
//! compatibility, config, mode), on 127.0.0.1, with the registry's error codes. It can demand
//! basic or bearer auth (401 otherwise), refuse incompatible Avro/JSON schemas (409), answer
//! errors on purpose (`fail_next`), and stop (connection refused). No Confluent-compatible
//! registry can be installed on these machines; the clients talking to it are real.
//!
//! Schemas are kept once each, with one global id: a schema registered under a second subject,
//! or by a second client, gets the id it already has. Avro and JSON schemas are compared as
//! parsed JSON (whitespace and key order do not matter), Protobuf schemas by their text.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

/// One registered schema: its JSON (`schema`, `schemaType`, `references`) and its identity key.
struct Stored {
    body: Value,
    key: String,
}

struct Version {
    version: i32,
    id: i32,
    deleted: bool,
}

#[derive(Default)]
struct Data {
    schemas: Vec<Stored>,
    subjects: BTreeMap<String, Vec<Version>>,
    global_compat: String,
    subject_compat: HashMap<String, String>,
    modes: HashMap<String, String>,
    tokens_issued: u32,
}

#[derive(Clone)]
pub enum Auth {
    None,
    Basic(String, String),
    Bearer(String),
}

struct Shared {
    data: Mutex<Data>,
    stop: AtomicBool,
    auth: Mutex<Auth>,
    fail_next: Mutex<VecDeque<u16>>,
    log: Mutex<Vec<String>>,
    headers: Mutex<Vec<Vec<(String, String)>>>,
}

/// TLS for the fixture: a CA, the server's certificate for 127.0.0.1, and a client certificate
/// the server demands when `mutual`.
pub struct TlsFiles {
    pub dir: super::TempDir,
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    /// The client key, encrypted with [`TlsFiles::KEY_PASSWORD`].
    pub client_key: PathBuf,
}

impl TlsFiles {
    pub const KEY_PASSWORD: &'static str = "client-key-pw";

    /// Makes the files with the `openssl` command.
    pub fn generate() -> TlsFiles {
        let dir = super::TempDir::new("sr-tls");
        let p = |n: &str| dir.0.join(n);
        let run = |args: &[&str]| {
            let out = std::process::Command::new("openssl")
                .args(args)
                .current_dir(&dir.0)
                .output()
                .expect("openssl must be installed");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=rkafka test CA",
        ]);
        std::fs::write(p("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n").unwrap();
        run(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ]);
        run(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-passout",
            &format!("pass:{}", Self::KEY_PASSWORD),
            "-keyout",
            "client.key",
            "-out",
            "client.csr",
            "-subj",
            "/CN=rkafka client",
        ]);
        run(&[
            "x509",
            "-req",
            "-in",
            "client.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "client.pem",
            "-days",
            "2",
        ]);
        TlsFiles {
            ca: p("ca.pem"),
            server_cert: p("server.pem"),
            server_key: p("server.key"),
            client_cert: p("client.pem"),
            client_key: p("client.key"),
            dir,
        }
    }
}

/// The fixture; stopped on drop.
pub struct Registry {
    pub port: u16,
    shared: Arc<Shared>,
    tls: bool,
}

pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let v = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            out.push(if i <= c.len() {
                T[(v >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

impl Registry {
    /// A registry without authentication, compatibility `BACKWARD` (the registry's default).
    pub fn start() -> Registry {
        Registry::start_with(Auth::None, None)
    }

    /// A registry that answers 401 unless requests carry `user:password` basic auth.
    pub fn with_basic_auth(user: &str, password: &str) -> Registry {
        Registry::start_with(Auth::Basic(user.into(), password.into()), None)
    }

    /// A registry over TLS with `files`; `mutual` demands a client certificate.
    pub fn with_tls(files: &TlsFiles, mutual: bool) -> Registry {
        let mut b =
            openssl::ssl::SslAcceptor::mozilla_intermediate_v5(openssl::ssl::SslMethod::tls())
                .unwrap();
        b.set_private_key_file(&files.server_key, openssl::ssl::SslFiletype::PEM)
            .unwrap();
        b.set_certificate_chain_file(&files.server_cert).unwrap();
        if mutual {
            b.set_ca_file(&files.ca).unwrap();
            b.set_verify(
                openssl::ssl::SslVerifyMode::PEER
                    | openssl::ssl::SslVerifyMode::FAIL_IF_NO_PEER_CERT,
            );
        }
        Registry::start_with(Auth::None, Some(Arc::new(b.build())))
    }

    fn start_with(auth: Auth, tls: Option<Arc<openssl::ssl::SslAcceptor>>) -> Registry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let shared = Arc::new(Shared {
            data: Mutex::new(Data {
                global_compat: "BACKWARD".into(),
                ..Data::default()
            }),
            stop: AtomicBool::new(false),
            auth: Mutex::new(auth),
            fail_next: Mutex::default(),
            log: Mutex::default(),
            headers: Mutex::default(),
        });
        let s = shared.clone();
        let is_tls = tls.is_some();
        std::thread::spawn(move || {
            while !s.stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (s, tls) = (s.clone(), tls.clone());
                        std::thread::spawn(move || serve_connection(stream, s, tls));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => break,
                }
            }
            // The listener is dropped here: new connections are refused.
        });
        Registry {
            port,
            shared,
            tls: is_tls,
        }
    }

    pub fn url(&self) -> String {
        format!(
            "{}://127.0.0.1:{}",
            if self.tls { "https" } else { "http" },
            self.port
        )
    }

    /// Demands `auth` from now on.
    pub fn set_auth(&self, auth: Auth) {
        *self.shared.auth.lock().unwrap() = auth;
    }

    /// Answers the next `n` requests with `status` (and the registry's error body).
    pub fn fail_next(&self, status: u16, n: usize) {
        let mut f = self.shared.fail_next.lock().unwrap();
        f.extend(std::iter::repeat_n(status, n));
    }

    /// Stops listening and closes open connections: later requests are refused.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(30));
    }

    /// Every request served so far, as `METHOD /path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.shared.log.lock().unwrap().clone()
    }

    /// The headers of every request served so far (names lower-cased).
    pub fn request_headers(&self) -> Vec<Vec<(String, String)>> {
        self.shared.headers.lock().unwrap().clone()
    }

    /// Requests matching `method` whose path starts with `prefix`.
    pub fn count(&self, method: &str, prefix: &str) -> usize {
        let want = format!("{method} {prefix}");
        self.requests()
            .iter()
            .filter(|r| r.starts_with(&want))
            .count()
    }

    /// The ids of the live versions of `subject`, in version order.
    pub fn ids(&self, subject: &str) -> Vec<i32> {
        let d = self.shared.data.lock().unwrap();
        d.subjects
            .get(subject)
            .map(|v| v.iter().filter(|v| !v.deleted).map(|v| v.id).collect())
            .unwrap_or_default()
    }

    /// How many distinct schemas are stored.
    pub fn schema_count(&self) -> usize {
        self.shared.data.lock().unwrap().schemas.len()
    }

    /// The stored JSON of schema `id`.
    pub fn schema(&self, id: i32) -> Value {
        self.shared.data.lock().unwrap().schemas[(id - 1) as usize]
            .body
            .clone()
    }

    /// Sets the global compatibility level.
    pub fn set_compatibility(&self, level: &str) {
        self.shared.data.lock().unwrap().global_compat = level.into();
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
    }
}

trait Stream: Read + Write {}
impl<T: Read + Write> Stream for T {}

fn serve_connection(
    stream: TcpStream,
    s: Arc<Shared>,
    tls: Option<Arc<openssl::ssl::SslAcceptor>>,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_nodelay(true);
    let conn: Box<dyn Stream> = match tls {
        Some(acceptor) => match acceptor.accept(stream) {
            Ok(tls) => Box::new(tls),
            Err(_) => return,
        },
        None => {
            // Plain connections poll the stop flag between requests.
            let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
            Box::new(stream)
        }
    };
    // Requests and answers alternate, so answers are written to the stream under the reader.
    let mut reader = BufReader::new(conn);
    loop {
        if s.stop.load(Ordering::SeqCst) {
            return;
        }
        let req = match read_request(&mut reader, &s.stop) {
            Ok(Some(r)) => r,
            Ok(None) | Err(_) => return,
        };
        if s.stop.load(Ordering::SeqCst) {
            return;
        }
        let close = req
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let (status, body) = handle(&s, &req);
        let text = body.to_string();
        let reason = match status {
            200 => "OK",
            401 => "Unauthorized",
            404 => "Not Found",
            409 => "Conflict",
            422 => "Unprocessable Entity",
            _ => "Error",
        };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\nContent-Length: {}\r\n{}\r\n",
            text.len(),
            if close { "Connection: close\r\n" } else { "" }
        );
        let w = reader.get_mut();
        if w.write_all(head.as_bytes())
            .and_then(|_| w.write_all(text.as_bytes()))
            .and_then(|_| w.flush())
            .is_err()
            || close
        {
            return;
        }
    }
}

struct Request {
    method: String,
    path: Vec<String>,
    query: HashMap<String, String>,
    raw_target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn flag(&self, name: &str) -> bool {
        self.query
            .get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(if c == b'+' { b' ' } else { c });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn read_request(
    r: &mut BufReader<Box<dyn Stream>>,
    stop: &AtomicBool,
) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    loop {
        match r.read_line(&mut line) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if stop.load(Ordering::SeqCst) {
                    return Ok(None);
                }
            }
            Err(e) => return Err(e),
        }
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    Ok(Some(Request {
        method,
        path: path
            .split('/')
            .filter(|p| !p.is_empty())
            .map(decode)
            .collect(),
        query,
        raw_target: target.clone(),
        headers,
        body,
    }))
}

fn err(status: u16, code: i32, message: impl Into<String>) -> (u16, Value) {
    (
        status,
        json!({"error_code": code, "message": message.into()}),
    )
}

fn authorized(auth: &Auth, req: &Request) -> bool {
    match auth {
        Auth::None => true,
        Auth::Basic(u, p) => {
            req.header("authorization")
                == Some(&format!("Basic {}", base64(format!("{u}:{p}").as_bytes())))
        }
        Auth::Bearer(t) => {
            req.header("authorization") == Some(&format!("Bearer {t}"))
                && req.header("target-sr-cluster").is_some()
                && req.header("confluent-identity-pool-id").is_some()
        }
    }
}

fn handle(s: &Shared, req: &Request) -> (u16, Value) {
    s.log
        .lock()
        .unwrap()
        .push(format!("{} {}", req.method, req.raw_target));
    s.headers.lock().unwrap().push(req.headers.clone());
    if req.path.first().map(String::as_str) == Some("oauth") {
        return issue_token(s, req);
    }
    if !authorized(&s.auth.lock().unwrap(), req) {
        return err(401, 401, "Unauthorized");
    }
    if let Some(status) = s.fail_next.lock().unwrap().pop_front() {
        return err(
            status,
            status as i32 * 100,
            format!("fixture answers {status} on purpose"),
        );
    }
    let body: Value = if req.body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&req.body) {
            Ok(v) => v,
            Err(e) => return err(400, 400, format!("bad JSON body: {e}")),
        }
    };
    let mut d = s.data.lock().unwrap();
    let p: Vec<&str> = req.path.iter().map(String::as_str).collect();
    let m = req.method.as_str();
    match (m, p.as_slice()) {
        ("GET", ["subjects"]) => {
            let deleted = req.flag("deleted");
            let prefix = req.query.get("subject").cloned().unwrap_or_default();
            let names: Vec<&String> = d
                .subjects
                .iter()
                .filter(|(n, v)| n.starts_with(&prefix) && v.iter().any(|v| deleted || !v.deleted))
                .map(|(n, _)| n)
                .collect();
            (200, json!(names))
        }
        ("GET", ["subjects", sub, "versions"]) => match d.subjects.get(*sub) {
            Some(v) => (
                200,
                json!(v
                    .iter()
                    .filter(|v| req.flag("deleted") || !v.deleted)
                    .map(|v| v.version)
                    .collect::<Vec<_>>()),
            ),
            None => subject_not_found(sub),
        },
        ("POST", ["subjects", sub, "versions"]) => register(&mut d, sub, &body),
        ("POST", ["subjects", sub]) => lookup(&d, sub, &body, req.flag("deleted")),
        ("GET", ["subjects", sub, "versions", v]) => {
            match find_version(&d, sub, v, req.flag("deleted")) {
                Ok((ver, id)) => (200, version_body(&d, sub, ver, id)),
                Err(e) => e,
            }
        }
        ("GET", ["subjects", sub, "versions", v, "referencedby"]) => {
            match find_version(&d, sub, v, true) {
                Ok((ver, _)) => {
                    let ids: Vec<i32> = d
                        .schemas
                        .iter()
                        .enumerate()
                        .filter(|(_, st)| {
                            st.body["references"].as_array().is_some_and(|r| {
                                r.iter()
                                    .any(|r| r["subject"] == **sub && r["version"] == ver)
                            })
                        })
                        .map(|(i, _)| i as i32 + 1)
                        .collect();
                    (200, json!(ids))
                }
                Err(e) => e,
            }
        }
        ("GET", ["subjects", sub, "metadata"]) => match find_version(&d, sub, "latest", true) {
            Ok((ver, id)) => (200, version_body(&d, sub, ver, id)),
            Err(e) => e,
        },
        ("DELETE", ["subjects", sub]) => {
            let permanent = req.flag("permanent");
            match d.subjects.get_mut(*sub) {
                Some(vs) => {
                    let versions: Vec<i32> = vs.iter().map(|v| v.version).collect();
                    vs.iter_mut().for_each(|v| v.deleted = true);
                    if permanent {
                        d.subjects.remove(*sub);
                    }
                    (200, json!(versions))
                }
                None => subject_not_found(sub),
            }
        }
        ("DELETE", ["subjects", sub, "versions", v]) => match find_version(&d, sub, v, true) {
            Ok((ver, _)) => {
                let vs = d.subjects.get_mut(*sub).unwrap();
                if req.flag("permanent") {
                    vs.retain(|x| x.version != ver);
                } else if let Some(x) = vs.iter_mut().find(|x| x.version == ver) {
                    x.deleted = true;
                }
                (200, json!(ver))
            }
            Err(e) => e,
        },
        ("GET", ["schemas", "ids", id]) => match schema_by_id(&d, id) {
            Some(st) => (200, schema_body(&st.body)),
            None => err(404, 40403, format!("Schema {id} not found")),
        },
        ("GET", ["schemas", "ids", id, what]) => {
            let Ok(id) = id.parse::<i32>() else {
                return err(404, 40403, "Schema not found");
            };
            if schema_by_id(&d, &id.to_string()).is_none() {
                return err(404, 40403, format!("Schema {id} not found"));
            }
            let uses: Vec<(String, i32)> = d
                .subjects
                .iter()
                .flat_map(|(n, vs)| {
                    vs.iter()
                        .filter(|v| v.id == id && (req.flag("deleted") || !v.deleted))
                        .map(move |v| (n.clone(), v.version))
                })
                .collect();
            match *what {
                "subjects" => (200, json!(uses.iter().map(|(n, _)| n).collect::<Vec<_>>())),
                _ => (
                    200,
                    json!(uses
                        .iter()
                        .map(|(n, v)| json!({"subject": n, "version": v}))
                        .collect::<Vec<_>>()),
                ),
            }
        }
        ("GET", ["schemas", "types"]) => (200, json!(["JSON", "PROTOBUF", "AVRO"])),
        ("GET", ["config"]) => (200, json!({"compatibilityLevel": d.global_compat})),
        ("GET", ["config", sub]) => match d.subject_compat.get(*sub) {
            Some(c) => (200, json!({"compatibilityLevel": c})),
            None => err(
                404,
                40408,
                format!("Subject '{sub}' does not have subject-level compatibility configured"),
            ),
        },
        ("PUT", ["config", rest @ ..]) => {
            let Some(level) = body["compatibility"].as_str().map(str::to_string) else {
                return err(422, 42203, "Invalid compatibility level");
            };
            match rest {
                [sub] => d.subject_compat.insert(sub.to_string(), level.clone()),
                _ => Some(std::mem::replace(&mut d.global_compat, level.clone())),
            };
            (200, json!({"compatibility": level}))
        }
        ("DELETE", ["config", rest @ ..]) => {
            let old = match rest {
                [sub] => d
                    .subject_compat
                    .remove(*sub)
                    .unwrap_or_else(|| d.global_compat.clone()),
                _ => std::mem::replace(&mut d.global_compat, "BACKWARD".into()),
            };
            (200, json!({"compatibilityLevel": old}))
        }
        ("POST", ["compatibility", "subjects", sub, "versions", rest @ ..]) => {
            let new = match parse_schema(&body) {
                Ok(n) => n,
                Err(e) => return e,
            };
            let olds: Vec<i32> = match rest {
                [v] => match find_version(&d, sub, v, false) {
                    Ok((_, id)) => vec![id],
                    Err(e) => return e,
                },
                _ => d
                    .subjects
                    .get(*sub)
                    .map(|vs| vs.iter().filter(|v| !v.deleted).map(|v| v.id).collect())
                    .unwrap_or_default(),
            };
            let level = level_of(&d, sub);
            let ok = olds
                .iter()
                .all(|id| compatible(&level, &d.schemas[(*id - 1) as usize].body, &new).is_ok());
            (200, json!({"is_compatible": ok}))
        }
        ("GET", ["mode", rest @ ..]) => {
            let k = rest.first().map(|s| s.to_string()).unwrap_or_default();
            (
                200,
                json!({"mode": d.modes.get(&k).cloned().unwrap_or_else(|| "READWRITE".into())}),
            )
        }
        ("PUT", ["mode", rest @ ..]) => {
            let k = rest.first().map(|s| s.to_string()).unwrap_or_default();
            let mode = body["mode"].as_str().unwrap_or("READWRITE").to_string();
            d.modes.insert(k, mode.clone());
            (200, json!({"mode": mode}))
        }
        ("DELETE", ["mode", sub]) => {
            let old = d.modes.remove(*sub).unwrap_or_else(|| "READWRITE".into());
            (200, json!({"mode": old}))
        }
        ("GET", ["contexts"]) => (200, json!(["."])),
        _ => err(
            404,
            404,
            format!("HTTP 404 Not Found: {} {}", req.method, req.raw_target),
        ),
    }
}

/// The OAuth token endpoint for `bearer.auth.credentials.source=OAUTHBEARER`: client
/// `rkafka-client` / `client-secret`, tokens `tok-1`, `tok-2`, ... which the registry then takes.
fn issue_token(s: &Shared, req: &Request) -> (u16, Value) {
    let want = format!("Basic {}", base64(b"rkafka-client:client-secret"));
    let form = String::from_utf8_lossy(&req.body);
    if req.header("authorization") != Some(want.as_str())
        || !form.contains("grant_type=client_credentials")
    {
        return (401, json!({"error": "invalid_client"}));
    }
    let mut d = s.data.lock().unwrap();
    d.tokens_issued += 1;
    let token = format!("tok-{}", d.tokens_issued);
    drop(d);
    *s.auth.lock().unwrap() = Auth::Bearer(token.clone());
    (
        200,
        json!({"access_token": token, "token_type": "bearer", "expires_in": 3600}),
    )
}

fn subject_not_found(sub: &str) -> (u16, Value) {
    err(404, 40401, format!("Subject '{sub}' not found."))
}

fn schema_by_id<'d>(d: &'d Data, id: &str) -> Option<&'d Stored> {
    let id: usize = id.parse().ok()?;
    d.schemas.get(id.checked_sub(1)?)
}

fn find_version(d: &Data, sub: &str, v: &str, deleted: bool) -> Result<(i32, i32), (u16, Value)> {
    let vs = d.subjects.get(sub).ok_or_else(|| subject_not_found(sub))?;
    let live: Vec<&Version> = vs.iter().filter(|x| deleted || !x.deleted).collect();
    let found = if v == "latest" || v == "-1" {
        live.last().copied()
    } else {
        let n: i32 = v
            .parse()
            .map_err(|_| err(422, 42202, format!("Invalid version {v}")))?;
        live.iter().find(|x| x.version == n).copied()
    };
    found
        .map(|x| (x.version, x.id))
        .ok_or_else(|| err(404, 40402, format!("Version {v} not found.")))
}

/// A schema's JSON as the registry answers it (no `schemaType` for Avro, no empty references).
fn schema_body(stored: &Value) -> Value {
    let mut out = json!({"schema": stored["schema"]});
    if stored["schemaType"] != "AVRO" {
        out["schemaType"] = stored["schemaType"].clone();
    }
    if stored["references"]
        .as_array()
        .is_some_and(|r| !r.is_empty())
    {
        out["references"] = stored["references"].clone();
    }
    out
}

fn version_body(d: &Data, sub: &str, version: i32, id: i32) -> Value {
    let mut out = schema_body(&d.schemas[(id - 1) as usize].body);
    out["subject"] = json!(sub);
    out["version"] = json!(version);
    out["id"] = json!(id);
    out
}

/// The schema of a request body, normalised: `schema`, `schemaType`, sorted `references`.
fn parse_schema(body: &Value) -> Result<Value, (u16, Value)> {
    let schema = body["schema"]
        .as_str()
        .ok_or_else(|| err(422, 42201, "Invalid schema: no schema"))?;
    let ty = body["schemaType"].as_str().unwrap_or("AVRO");
    if !matches!(ty, "AVRO" | "JSON" | "PROTOBUF") {
        return Err(err(422, 42201, format!("Invalid schema type {ty}")));
    }
    if ty != "PROTOBUF" && serde_json::from_str::<Value>(schema).is_err() {
        return Err(err(422, 42201, format!("Invalid schema {schema}")));
    }
    let mut refs: Vec<Value> = body["references"].as_array().cloned().unwrap_or_default();
    refs.sort_by_key(|r| r.to_string());
    Ok(json!({"schema": schema, "schemaType": ty, "references": refs}))
}

/// What makes two schemas the same one.
fn identity(schema: &Value) -> String {
    let text = schema["schema"].as_str().unwrap_or_default();
    let canonical = match schema["schemaType"].as_str() {
        Some("PROTOBUF") => text.trim().to_string(),
        _ => serde_json::from_str::<Value>(text)
            .map(|v| v.to_string())
            .unwrap_or_default(),
    };
    format!(
        "{}|{canonical}|{}",
        schema["schemaType"], schema["references"]
    )
}

fn level_of(d: &Data, sub: &str) -> String {
    d.subject_compat
        .get(sub)
        .cloned()
        .unwrap_or_else(|| d.global_compat.clone())
}

/// A small compatibility check: Avro records (a field the reader has and the writer lacks
/// needs a default; shared fields keep their type) and JSON Schema objects (a newly required
/// property breaks old data); Protobuf is taken as compatible.
fn compatible(level: &str, old: &Value, new: &Value) -> Result<(), String> {
    let parse = |v: &Value| {
        serde_json::from_str::<Value>(v["schema"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
    };
    let (o, n) = (parse(old), parse(new));
    let reads = |reader: &Value, writer: &Value| -> Result<(), String> {
        match new["schemaType"].as_str() {
            Some("AVRO") => {
                let fields = |s: &Value| s["fields"].as_array().cloned().unwrap_or_default();
                let wf = fields(writer);
                for f in fields(reader) {
                    match wf.iter().find(|w| w["name"] == f["name"]) {
                        Some(w) if w["type"] != f["type"] => {
                            return Err(format!("field {} changed type", f["name"]))
                        }
                        None if f.get("default").is_none() => {
                            return Err(format!("READER_FIELD_MISSING_DEFAULT_VALUE {}", f["name"]))
                        }
                        _ => {}
                    }
                }
                Ok(())
            }
            Some("JSON") => {
                let req = |s: &Value| s["required"].as_array().cloned().unwrap_or_default();
                let (rr, wr) = (req(reader), req(writer));
                match rr.iter().find(|r| !wr.contains(r)) {
                    Some(r) => Err(format!("REQUIRED_PROPERTY_ADDED {r}")),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    };
    match level {
        "NONE" => Ok(()),
        "BACKWARD" | "BACKWARD_TRANSITIVE" => reads(&n, &o),
        "FORWARD" | "FORWARD_TRANSITIVE" => reads(&o, &n),
        _ => reads(&n, &o).and(reads(&o, &n)),
    }
}

fn register(d: &mut Data, sub: &str, body: &Value) -> (u16, Value) {
    let schema = match parse_schema(body) {
        Ok(s) => s,
        Err(e) => return e,
    };
    for r in schema["references"].as_array().unwrap() {
        let (rs, rv) = (
            r["subject"].as_str().unwrap_or(""),
            r["version"].to_string(),
        );
        if find_version(d, rs, &rv, true).is_err() {
            return err(
                422,
                42201,
                format!("Invalid schema: reference {r} not found"),
            );
        }
    }
    let key = identity(&schema);
    let existing = d
        .schemas
        .iter()
        .position(|s| s.key == key)
        .map(|i| i as i32 + 1);
    if let (Some(id), Some(vs)) = (existing, d.subjects.get(sub)) {
        if vs.iter().any(|v| v.id == id && !v.deleted) {
            return (200, json!({"id": id}));
        }
    }
    let level = level_of(d, sub);
    let live: Vec<i32> = d
        .subjects
        .get(sub)
        .map(|vs| vs.iter().filter(|v| !v.deleted).map(|v| v.id).collect())
        .unwrap_or_default();
    let against: Vec<i32> = if level.ends_with("TRANSITIVE") {
        live
    } else {
        live.last().copied().into_iter().collect()
    };
    for id in against {
        if let Err(why) = compatible(&level, &d.schemas[(id - 1) as usize].body, &schema) {
            return err(
                409,
                409,
                format!("Schema being registered is incompatible with an earlier schema for subject \"{sub}\", details: [{why}]"),
            );
        }
    }
    let id = existing.unwrap_or_else(|| {
        d.schemas.push(Stored { body: schema, key });
        d.schemas.len() as i32
    });
    let vs = d.subjects.entry(sub.to_string()).or_default();
    let version = vs.iter().map(|v| v.version).max().unwrap_or(0) + 1;
    vs.push(Version {
        version,
        id,
        deleted: false,
    });
    (200, json!({"id": id}))
}

fn lookup(d: &Data, sub: &str, body: &Value, deleted: bool) -> (u16, Value) {
    let schema = match parse_schema(body) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let Some(vs) = d.subjects.get(sub) else {
        return subject_not_found(sub);
    };
    let key = identity(&schema);
    match vs
        .iter()
        .filter(|v| deleted || !v.deleted)
        .find(|v| d.schemas[(v.id - 1) as usize].key == key)
    {
        Some(v) => (200, version_body(d, sub, v.version, v.id)),
        None => err(404, 40403, "Schema not found"),
    }
}

/// The venv Python with confluent-kafka[avro,json,protobuf,schemaregistry]==2.12.1 that
/// `scripts/install-brokers.sh` makes (or `RKAFKA_SR_PYTHON`).
pub fn sr_python() -> PathBuf {
    if let Ok(p) = std::env::var("RKAFKA_SR_PYTHON") {
        return PathBuf::from(p);
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let cache = std::env::var("RKAFKA_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(&home).join(".cache/rkafka"));
    let p = cache.join("venv-sr-2.12.1/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run `scripts/install-brokers.sh`",
        p.display()
    );
    p
}

/// Runs `script` with the Schema Registry Python (`args` as `sys.argv[1:]`); returns stdout.
pub fn run_sr_python(script: &str, args: &[&str]) -> String {
    super::run_python_with(&sr_python(), script, args)
}

/// Runs a script file from tests/py with the Schema Registry Python.
pub fn run_sr_python_file(name: &str, args: &[&str]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/py")
        .join(name);
    run_sr_python(&std::fs::read_to_string(&path).unwrap(), args)
}

/// tests/py/sr_serdes.py `serialize`: Python's key and value bytes (hex) for each record.
pub fn py_serialize(spec: &Value) -> Vec<(String, String)> {
    run_sr_python_file("sr_serdes.py", &["serialize", &spec.to_string()])
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(' ').unwrap_or((l, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// tests/py/sr_serdes.py `produce`: Python's SerializingProducer sends the spec's records.
pub fn py_produce(spec: &Value, bootstrap: &str) {
    let out = run_sr_python_file("sr_serdes.py", &["produce", &spec.to_string(), bootstrap]);
    let n = spec["records"].as_array().map_or(0, Vec::len);
    assert_eq!(out.trim(), format!("ok {n}"));
}

/// tests/py/sr_serdes.py `consume`: what Python's DeserializingConsumer reads (`n` messages).
pub fn py_consume(spec: &Value, bootstrap: &str, n: usize) -> Vec<Value> {
    let group = super::unique("py-group");
    run_sr_python_file(
        "sr_serdes.py",
        &[
            "consume",
            &spec.to_string(),
            bootstrap,
            &group,
            &n.to_string(),
        ],
    )
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect()
}

/// Lower-case hex of `b`.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Polls `c` until `n` results (messages or errors) arrived; fails the test after 30 s.
pub fn poll_n<K, V>(
    c: &rkafka::serialization::DeserializingConsumer<K, V>,
    n: usize,
) -> Vec<Result<rkafka::serialization::TypedMessage<K, V>, rkafka::serialization::ConsumeError>> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut out = Vec::new();
    while out.len() < n {
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of {n} messages within 30 s",
            out.len()
        );
        if let Some(m) = c.poll(Duration::from_millis(200)) {
            out.push(m);
        }
    }
    out
}
