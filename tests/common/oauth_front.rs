//! A minimal authenticating SASL front for tests. No broker available here speaks OAUTHBEARER
//! or PLAIN (tansu implements SCRAM only, the mock cluster no SASL at all), so tests put this
//! before the prebuilt tansu: it answers SaslHandshake and SaslAuthenticate itself as a Kafka
//! broker does, for one mechanism ([`Auth`]): OAUTHBEARER (RFC 7628 client first message, the
//! token checked by a function) or PLAIN (RFC 4616, exactly one username and password). It
//! records what it received and after a successful authentication pipes the connection to
//! tansu unchanged. tansu advertises the front's address, so every client connection goes
//! through it.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use rkafka::Config;

use super::Tansu;

/// What the front saw in each SaslAuthenticate: OAUTHBEARER (token, extensions); PLAIN
/// (username, []); the password is checked, never kept.
pub type Seen = Arc<Mutex<Vec<(String, Vec<String>)>>>;

/// The one mechanism a front offers and what it accepts.
#[derive(Clone)]
pub enum Auth {
    /// OAUTHBEARER with the tokens for which the function is true.
    OAuthBearer(fn(&str) -> bool),
    /// PLAIN with exactly this username and password.
    Plain { username: String, password: String },
}

impl Auth {
    fn mechanism(&self) -> &'static str {
        match self {
            Auth::OAuthBearer(_) => "OAUTHBEARER",
            Auth::Plain { .. } => "PLAIN",
        }
    }

    /// Checks one SaslAuthenticate payload: what to record, and whether it authenticates.
    fn check(&self, payload: &[u8]) -> ((String, Vec<String>), bool) {
        match self {
            Auth::OAuthBearer(accept) => {
                // "n,,\x01auth=Bearer <token>\x01k=v\x01...\x01\x01".
                let msg = String::from_utf8_lossy(payload);
                let mut token = String::new();
                let mut exts = Vec::new();
                for part in msg.split('\x01').skip(1).filter(|p| !p.is_empty()) {
                    match part.strip_prefix("auth=Bearer ") {
                        Some(t) => token = t.to_string(),
                        None => exts.push(part.to_string()),
                    }
                }
                let ok = accept(&token);
                ((token, exts), ok)
            }
            Auth::Plain { username, password } => {
                // "[authzid] NUL authcid NUL passwd"; as Kafka's PlainSaslServer, an authzid
                // other than the username is refused.
                let parts: Vec<&[u8]> = payload.split(|&b| b == 0).collect();
                let ok = match parts[..] {
                    [authzid, user, pass] => {
                        (authzid.is_empty() || authzid == user)
                            && user == username.as_bytes()
                            && pass == password.as_bytes()
                    }
                    _ => false,
                };
                let user = parts
                    .get(1)
                    .map(|u| String::from_utf8_lossy(u).into_owned());
                ((user.unwrap_or_default(), Vec::new()), ok)
            }
        }
    }
}

pub struct Front {
    pub port: u16,
    pub seen: Seen,
    auth: Auth,
    broker: Tansu,
}

fn read_frame(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len)?;
    let mut buf = vec![0u8; i32::from_be_bytes(len) as usize];
    s.read_exact(&mut buf)?;
    Ok(buf)
}

fn write_frame(s: &mut TcpStream, body: &[u8]) -> std::io::Result<()> {
    let mut out = (body.len() as i32).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    s.write_all(&out)
}

/// Offset of the request body: api_key, api_version, correlation_id, client_id (header v1).
fn body_start(frame: &[u8]) -> usize {
    let client_id_len = i16::from_be_bytes([frame[8], frame[9]]);
    10 + client_id_len.max(0) as usize
}

fn handle(
    mut client: TcpStream,
    backend_port: u16,
    seen: Seen,
    auth: &Auth,
    throttle_ms: i32,
) -> std::io::Result<()> {
    let mut backend = TcpStream::connect(("127.0.0.1", backend_port))?;
    let mechanism = auth.mechanism();
    let mut handshake_done = false;
    loop {
        let frame = read_frame(&mut client)?;
        let api_key = i16::from_be_bytes([frame[0], frame[1]]);
        let version = i16::from_be_bytes([frame[2], frame[3]]);
        let corr = &frame[4..8];
        let body = &frame[body_start(&frame)..];
        match api_key {
            17 => {
                // SaslHandshake: only `mechanism` is enabled here.
                let n = i16::from_be_bytes([body[0], body[1]]) as usize;
                let mech = String::from_utf8_lossy(&body[2..2 + n]).into_owned();
                let mut r = corr.to_vec();
                let err: i16 = if mech == mechanism { 0 } else { 33 };
                r.extend_from_slice(&err.to_be_bytes());
                r.extend_from_slice(&1i32.to_be_bytes());
                r.extend_from_slice(&(mechanism.len() as i16).to_be_bytes());
                r.extend_from_slice(mechanism.as_bytes());
                write_frame(&mut client, &r)?;
                if err != 0 {
                    return Ok(());
                }
                handshake_done = true;
            }
            36 if handshake_done => {
                // SaslAuthenticate: auth_bytes (int32 length, payload) checked by `auth`.
                let n = i32::from_be_bytes([body[0], body[1], body[2], body[3]]) as usize;
                let (record, ok) = auth.check(&body[4..4 + n]);
                seen.lock().unwrap().push(record);
                let mut r = corr.to_vec();
                if ok {
                    r.extend_from_slice(&0i16.to_be_bytes());
                    r.extend_from_slice(&(-1i16).to_be_bytes());
                } else {
                    let m: &[u8] = match auth {
                        Auth::OAuthBearer(_) => b"invalid token",
                        Auth::Plain { .. } => {
                            b"Authentication failed: Invalid username or password"
                        }
                    };
                    r.extend_from_slice(&58i16.to_be_bytes()); // SASL_AUTHENTICATION_FAILED
                    r.extend_from_slice(&(m.len() as i16).to_be_bytes());
                    r.extend_from_slice(m);
                }
                r.extend_from_slice(&0i32.to_be_bytes()); // auth_bytes
                if version >= 1 {
                    r.extend_from_slice(&0i64.to_be_bytes()); // session_lifetime_ms
                }
                write_frame(&mut client, &r)?;
                if !ok {
                    return Ok(());
                }
                break;
            }
            18 => {
                // ApiVersions: tansu answers (what a client asks before choosing how to log in).
                write_frame(&mut backend, &frame)?;
                let resp = read_frame(&mut backend)?;
                write_frame(&mut client, &resp)?;
            }
            // Anything else before authentication (a client without SASL): as a Kafka broker's
            // SASL listener, drop the connection; nothing reaches tansu.
            _ => return Ok(()),
        }
    }
    // Authenticated: from here on the connection is tansu's.
    let (mut c2, mut b2) = (client.try_clone()?, backend.try_clone()?);
    if throttle_ms == 0 {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut c2, &mut b2);
            let _ = b2.shutdown(std::net::Shutdown::Both);
        });
        let _ = std::io::copy(&mut backend, &mut client);
    } else {
        // Frame by frame, remembering which requests are Produce (and their version) so
        // their responses can carry a throttle time, as a broker over its quota answers.
        let produce: Arc<Mutex<std::collections::HashMap<[u8; 4], i16>>> = Arc::default();
        let p2 = produce.clone();
        std::thread::spawn(move || {
            while let Ok(f) = read_frame(&mut c2) {
                if i16::from_be_bytes([f[0], f[1]]) == 0 {
                    let version = i16::from_be_bytes([f[2], f[3]]);
                    p2.lock().unwrap().insert([f[4], f[5], f[6], f[7]], version);
                }
                if write_frame(&mut b2, &f).is_err() {
                    break;
                }
            }
            let _ = b2.shutdown(std::net::Shutdown::Both);
        });
        while let Ok(mut f) = read_frame(&mut backend) {
            let version = produce.lock().unwrap().remove(&f[..4]);
            if let Some(v) = version {
                // throttle_time_ms ends the body; flexible versions (9+) add empty tags (0).
                let end = f.len() - usize::from(v >= 9);
                f[end - 4..end].copy_from_slice(&throttle_ms.to_be_bytes());
            }
            if write_frame(&mut client, &f).is_err() {
                break;
            }
        }
    }
    let _ = client.shutdown(std::net::Shutdown::Both);
    Ok(())
}

impl Front {
    /// Starts tansu behind an OAUTHBEARER front accepting the tokens for which `accept` is true.
    pub fn start(accept: fn(&str) -> bool) -> Front {
        Front::start_with(Auth::OAuthBearer(accept), 0)
    }

    /// Starts tansu behind a PLAIN front accepting exactly `username` with `password`.
    pub fn start_plain(username: &str, password: &str) -> Front {
        let auth = Auth::Plain {
            username: username.into(),
            password: password.into(),
        };
        Front::start_with(auth, 0)
    }

    /// Like [`Front::start`], and every Produce response tells the client it was throttled
    /// for `throttle_ms` (0: responses pass unchanged).
    pub fn start_throttling(accept: fn(&str) -> bool, throttle_ms: i32) -> Front {
        Front::start_with(Auth::OAuthBearer(accept), throttle_ms)
    }

    fn start_with(auth: Auth, throttle_ms: i32) -> Front {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let broker = Tansu::plain_advertising(port);
        let backend_port = broker.port;
        let seen: Seen = Arc::default();
        let (s2, a2) = (seen.clone(), auth.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (seen, auth) = (s2.clone(), a2.clone());
                std::thread::spawn(move || {
                    let _ = handle(conn, backend_port, seen, &auth, throttle_ms);
                });
            }
        });
        Front {
            port,
            seen,
            auth,
            broker,
        }
    }

    /// A SASL_PLAINTEXT config for this front's mechanism (OAUTHBEARER: with a scope; PLAIN:
    /// add `sasl.username` and `sasl.password`).
    pub fn config(&self) -> Config {
        let config = Config::from([
            ("bootstrap.servers", format!("127.0.0.1:{}", self.port)),
            ("security.protocol", "SASL_PLAINTEXT".into()),
            ("sasl.mechanisms", self.auth.mechanism().into()),
        ]);
        match self.auth {
            Auth::OAuthBearer(_) => config.with("sasl.oauthbearer.config", "scope=kafka-test"),
            Auth::Plain { .. } => config,
        }
    }

    /// The tansu behind the front, for checks through a direct, unauthenticated connection.
    pub fn backend(&self) -> &Tansu {
        &self.broker
    }

    /// Every token (OAUTHBEARER) or username (PLAIN) presented so far.
    pub fn tokens(&self) -> BTreeSet<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|(t, _)| t.clone())
            .collect()
    }
}
