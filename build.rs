//! Build script for rkafka.
//!
//! rdkafka-sys builds librdkafka 2.12.1 from its bundled source before this script runs and
//! tells us where (`DEP_RDKAFKA_ROOT`). This script then:
//!
//! 1. checks that the librdkafka it built has every feature rkafka promises (TLS, SASL PLAIN,
//!    SCRAM, OAUTHBEARER, gzip, snappy, lz4, zstd; GSSAPI with the `gssapi` feature) and, when one
//!    is missing, stops with the package to install instead of a run-time "No such feature";
//! 2. compiles `wrapper.h` with the C compiler against that librdkafka's headers: every ABI fact,
//!    constant and function the Rust code relies on is checked by the C compiler itself;
//! 3. generates `$OUT_DIR/c_consts.rs` from the `RKAFKA_CONST` lines of `wrapper.h` and
//!    `$OUT_DIR/error_codes.rs` (rkafka's `ErrorCode` enum) from `rd_kafka_resp_err_t` in the
//!    same `rdkafka.h`, so the Rust side can never drift from the linked C library.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=wrapper.h");
    println!("cargo:rerun-if-changed=src/ffi.rs");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CC");

    let root = match env::var("DEP_RDKAFKA_ROOT") {
        Ok(r) => PathBuf::from(r),
        Err(_) => fail(
            "rdkafka-sys did not report where it built librdkafka (DEP_RDKAFKA_ROOT is unset).\n\
             rkafka needs rdkafka-sys's bundled static build; do not enable rdkafka-sys's \
             `dynamic-linking` feature.",
        ),
    };
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));

    check_features(&root);
    check_wrapper(&root, &out);
    gen_consts(&out);
    gen_error_codes(&root.join("src/rdkafka.h"), &out);
    if env::var_os("CARGO_FEATURE_GSSAPI").is_some() {
        warn_missing_gssapi_plugin();
    }
}

/// Stops the build with a message that says what to do.
fn fail(msg: &str) -> ! {
    eprintln!("\n================ rkafka build error ================\n{msg}\n====================================================\n");
    std::process::exit(1);
}

struct Need {
    define: &'static str,
    feature: &'static str,
    debian: &'static str,
    rhel: &'static str,
}

fn check_features(root: &Path) {
    let config_h = root.join("config.h");
    let text = fs::read_to_string(&config_h).unwrap_or_else(|e| {
        fail(&format!(
            "cannot read {}: {e}\nrdkafka-sys's librdkafka build looks incomplete; run `cargo clean -p rdkafka-sys` and rebuild.",
            config_h.display()
        ))
    });
    let defined = |name: &str| {
        text.lines()
            .any(|l| l.trim() == format!("#define {name} 1"))
    };
    let mut needs = vec![
        Need {
            define: "WITH_SSL",
            feature: "ssl (TLS)",
            debian: "libssl-dev",
            rhel: "openssl-devel",
        },
        Need {
            define: "WITH_SASL_SCRAM",
            feature: "sasl_scram",
            debian: "libssl-dev",
            rhel: "openssl-devel",
        },
        Need {
            define: "WITH_SASL_OAUTHBEARER",
            feature: "sasl_oauthbearer",
            debian: "libssl-dev",
            rhel: "openssl-devel",
        },
        Need {
            define: "WITH_ZLIB",
            feature: "gzip",
            debian: "zlib1g-dev",
            rhel: "zlib-devel",
        },
        Need {
            define: "WITH_ZSTD",
            feature: "zstd",
            debian: "libzstd-dev",
            rhel: "libzstd-devel",
        },
        Need {
            define: "WITH_SNAPPY",
            feature: "snappy",
            debian: "(bundled; rebuild)",
            rhel: "(bundled; rebuild)",
        },
    ];
    if env::var_os("CARGO_FEATURE_GSSAPI").is_some() {
        needs.push(Need {
            define: "WITH_SASL_CYRUS",
            feature: "sasl_gssapi (Kerberos)",
            debian: "libsasl2-dev libsasl2-modules-gssapi-mit",
            rhel: "cyrus-sasl-devel cyrus-sasl-gssapi",
        });
    }
    let missing: Vec<&Need> = needs.iter().filter(|n| !defined(n.define)).collect();
    if !missing.is_empty() {
        let mut msg = String::from("librdkafka was built without features rkafka requires:\n");
        for n in &missing {
            let _ = writeln!(
                msg,
                "  - {} ({} not set in {})\n      Debian/Ubuntu: apt-get install {}\n      RHEL/Fedora:   dnf install {}",
                n.feature,
                n.define,
                config_h.display(),
                n.debian,
                n.rhel
            );
        }
        msg.push_str("Install the packages, then `cargo clean -p rdkafka-sys` and build again.");
        fail(&msg);
    }
}

fn check_wrapper(root: &Path, out: &Path) {
    let cc = env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let src = out.join("wrapper_check.c");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    fs::write(
        &src,
        format!(
            "#include \"{}\"\n{}\nint rkafka_wrapper_check;\n",
            manifest.join("wrapper.h").display(),
            ffi_checks(&manifest.join("src/ffi.rs"))
        ),
    )
    .expect("write wrapper_check.c");
    let result = Command::new(&cc)
        .arg("-std=c11")
        .arg("-fsyntax-only")
        .arg("-Werror")
        .arg(format!("-I{}", root.join("src").display()))
        .arg(&src)
        .output();
    match result {
        Err(e) => fail(&format!(
            "cannot run the C compiler `{cc}`: {e}\n\
             rkafka checks wrapper.h with it (librdkafka itself also needs it).\n\
             Debian/Ubuntu: apt-get install build-essential    RHEL/Fedora: dnf install gcc make\n\
             or point CC at a C compiler."
        )),
        Ok(o) if !o.status.success() => fail(&format!(
            "wrapper.h does not match the librdkafka that rdkafka-sys built ({}):\n{}\n\
             rkafka is written against librdkafka 2.12.1 (rdkafka-sys =4.10.0); keep that version.",
            root.display(),
            String::from_utf8_lossy(&o.stderr)
        )),
        Ok(_) => {}
    }
}

/// C assertions that every declaration in src/ffi.rs has the type of the C function it names:
/// `__builtin_types_compatible_p` on the whole function type (each `c_int` alias standing for
/// the C enum it names), and `sizeof(enum) == sizeof(int)` for each alias.
fn ffi_checks(path: &Path) -> String {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", path.display())));
    // Comments may quote the format; only code counts (the alias lines keep their `// C:`).
    let text: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut aliases: Vec<(String, String)> = Vec::new();
    let mut checks = String::new();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("pub(crate) type ") else {
            continue;
        };
        if let Some((name, c)) = rest.split_once(" = c_int; // C: ") {
            let _ = writeln!(
                checks,
                "_Static_assert(sizeof({c}) == sizeof(int), \"src/ffi.rs: {c} is not int-sized\");"
            );
            aliases.push((name.trim().to_string(), c.trim().to_string()));
        }
    }
    // Callback aliases: `pub(crate) type Name = unsafe extern "C" fn(..);`, possibly wrapped.
    for chunk in text.split("pub(crate) type ").skip(1) {
        let Some((name, rest)) = chunk.split_once(" = unsafe extern \"C\" fn(") else {
            continue;
        };
        let decl = &rest[..rest.find(");").expect("callback alias ends with `);`") + 1];
        let c = c_fn_type(name, decl, &aliases);
        aliases.push((name.trim().to_string(), c));
    }
    // Functions: `#[link_name = "c_name"]` then `pub(crate) fn name(..) -> ret;`.
    for chunk in text.split("#[link_name = \"").skip(1) {
        let (c_name, rest) = chunk.split_once('"').expect("link_name string");
        let decl = rest[..rest.find(';').expect("declaration ends with `;`")].to_string();
        let Some(open) = decl
            .find(" fn ")
            .and_then(|f| decl[f..].find('(').map(|o| f + o))
        else {
            fail(&format!("src/ffi.rs: cannot parse the declaration of {c_name}"))
        };
        let c = c_fn_type(c_name, &decl[open + 1..], &aliases);
        let _ = writeln!(
            checks,
            "_Static_assert(__builtin_types_compatible_p(__typeof__(&{c_name}), {c}), \"src/ffi.rs declares {c_name} as {c}, which does not match its prototype in rdkafka.h\");"
        );
    }
    checks
}

/// The C type of a pointer to a function, from the Rust text after the opening parenthesis of
/// its parameter list (`a: T, b: U) -> R`, or the bare types of a fn-pointer type).
fn c_fn_type(what: &str, after_open: &str, aliases: &[(String, String)]) -> String {
    let close = after_open.rfind(')').unwrap_or_else(|| {
        fail(&format!(
            "src/ffi.rs: cannot find the parameter list of {what}"
        ))
    });
    let (params, ret) = (&after_open[..close], after_open[close + 1..].trim());
    let ret = match ret.strip_prefix("->") {
        Some(r) => c_type(what, r.trim(), aliases),
        None => "void".to_string(),
    };
    let mut args: Vec<String> = Vec::new();
    for p in params.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if p == "..." {
            args.push("...".into());
            continue;
        }
        let ty = p.split_once(": ").map_or(p, |(_, t)| t);
        args.push(c_type(what, ty.trim(), aliases));
    }
    if args.is_empty() {
        args.push("void".into());
    }
    format!("{ret} (*)({})", args.join(", "))
}

/// The C spelling of a Rust FFI type as src/ffi.rs writes them.
fn c_type(what: &str, ty: &str, aliases: &[(String, String)]) -> String {
    if let Some(inner) = ty.strip_prefix("*mut ") {
        return format!("{} *", c_type(what, inner.trim(), aliases));
    }
    if let Some(inner) = ty.strip_prefix("*const ") {
        let inner = inner.trim();
        return if inner.starts_with('*') {
            format!("{} const *", c_type(what, inner, aliases))
        } else {
            format!("const {} *", c_type(what, inner, aliases))
        };
    }
    if let Some(inner) = ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) {
        return c_type(what, inner, aliases);
    }
    if let Some(name) = ty.strip_prefix("sys::") {
        // bindgen keeps C's names: `_t` names are typedefs, the rest struct tags.
        return if name.ends_with("_t") {
            name.to_string()
        } else {
            format!("struct {name}")
        };
    }
    if let Some((_, c)) = aliases.iter().find(|(n, _)| n == ty) {
        return c.clone();
    }
    let c = match ty {
        "c_int" => "int",
        "c_char" => "char",
        "c_uchar" => "unsigned char",
        "c_void" => "void",
        "i16" => "int16_t",
        "i32" => "int32_t",
        "i64" => "int64_t",
        "usize" => "size_t",
        _ => fail(&format!(
            "src/ffi.rs: {what}: no C spelling known for the Rust type `{ty}` (extend c_type in build.rs)"
        )),
    };
    c.to_string()
}

/// Turns every `RKAFKA_CONST(NAME, value)` line of wrapper.h into a Rust constant.
fn gen_consts(out: &Path) {
    let wrapper = fs::read_to_string("wrapper.h").expect("read wrapper.h");
    let mut rs = String::from(
        "// Generated by build.rs from wrapper.h; checked against rdkafka.h by the C compiler.\n",
    );
    for line in wrapper.lines() {
        let Some(rest) = line.trim().strip_prefix("RKAFKA_CONST(") else {
            continue;
        };
        let Some(args) = rest.strip_suffix(')') else {
            continue;
        };
        let Some((name, value)) = args.split_once(',') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        let value: i64 = if let Some(hex) = value.strip_prefix("0x") {
            i64::from_str_radix(hex, 16).expect("hex constant in wrapper.h")
        } else {
            value.parse().expect("integer constant in wrapper.h")
        };
        let _ = writeln!(
            rs,
            "#[allow(dead_code)]\npub(crate) const {name}: i64 = {value};"
        );
    }
    fs::write(out.join("c_consts.rs"), rs).expect("write c_consts.rs");
}

/// Generates `ErrorCode` from the `rd_kafka_resp_err_t` enum of the linked rdkafka.h.
fn gen_error_codes(header: &Path, out: &Path) {
    let text = fs::read_to_string(header)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", header.display())));
    let start = text.find("typedef enum {\n        /* Internal errors to rdkafka: */").unwrap_or_else(|| {
        fail("rdkafka.h: cannot find the rd_kafka_resp_err_t enum; rkafka needs librdkafka 2.12.1")
    });
    let end = start
        + text[start..]
            .find("} rd_kafka_resp_err_t;")
            .expect("enum end");
    let body = &text[start..end];

    // (C name, value, doc)
    let mut codes: Vec<(String, i32, String)> = Vec::new();
    let mut doc = String::new();
    let mut in_comment = false;
    let mut next_value = 0i32;
    let mut continuation = false;
    for raw in body.lines().skip(1) {
        let line = raw.trim();
        // `#define ALIAS \` + `REAL_NAME` pairs are aliases, not enumerators.
        if continuation || line.starts_with("#define") {
            continuation = line.ends_with('\\');
            continue;
        }
        if in_comment || line.starts_with("/*") {
            let t = line
                .trim_start_matches("/**")
                .trim_start_matches("/*")
                .trim_start_matches('*')
                .trim_end_matches("*/")
                .trim();
            if line.starts_with("/**") || (!in_comment && line.starts_with("/*")) {
                doc.clear();
            }
            if !t.is_empty() && !t.starts_with("@") {
                if !doc.is_empty() {
                    doc.push(' ');
                }
                doc.push_str(t);
            }
            in_comment = !line.ends_with("*/");
            continue;
        }
        let Some(decl) = line.strip_prefix("RD_KAFKA_RESP_ERR_") else {
            continue;
        };
        let decl = decl.trim_end_matches(',');
        let (name, value) = match decl.split_once('=') {
            Some((n, v)) => (n.trim(), v.trim().parse::<i32>().expect("error code value")),
            None => (decl.trim(), next_value),
        };
        next_value = value + 1;
        let d = std::mem::take(&mut doc);
        if matches!(name, "_BEGIN" | "_END" | "END_ALL") {
            continue;
        }
        codes.push((name.to_string(), value, d));
    }
    if codes.len() < 150 {
        fail("rdkafka.h: parsed too few error codes; rkafka needs librdkafka 2.12.1");
    }

    let camel = |n: &str| -> String {
        n.split('_')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let lower = p.to_ascii_lowercase();
                let mut c = lower.chars();
                match c.next() {
                    Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                    None => String::new(),
                }
            })
            .collect()
    };
    let mut variants: Vec<String> = Vec::new();
    for (name, _, _) in &codes {
        let mut v = camel(name);
        if name.starts_with('_')
            && codes
                .iter()
                .any(|(o, _, _)| !o.starts_with('_') && camel(o) == v)
        {
            v = format!("Local{v}");
        }
        // Broker code -1 is `UNKNOWN` (Java: UNKNOWN_SERVER_ERROR); `Unknown(i32)` is the
        // catch-all for codes this librdkafka does not know.
        if name == "UNKNOWN" {
            v = "UnknownServerError".into();
        }
        variants.push(v);
    }

    let mut rs = String::new();
    rs.push_str(
        "// Generated by build.rs from rd_kafka_resp_err_t in the linked librdkafka's rdkafka.h.\n",
    );
    rs.push_str("/// A librdkafka error code (`rd_kafka_resp_err_t`), as Python's `KafkaError.code()` returns.\n///\n");
    rs.push_str("/// Negative codes are local to the client (Python spells them `KafkaError._MSG_TIMED_OUT`),\n");
    rs.push_str("/// positive ones come from the broker (`KafkaError.UNKNOWN_TOPIC_OR_PART`). A code this enum does not\n");
    rs.push_str("/// know (a newer broker, a newer librdkafka) is kept as [`ErrorCode::Unknown`] with its number.\n");
    rs.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n#[non_exhaustive]\npub enum ErrorCode {\n");
    for ((name, value, doc), v) in codes.iter().zip(&variants) {
        let doc = if doc.is_empty() {
            format!("`RD_KAFKA_RESP_ERR_{name}`")
        } else {
            doc.replace('[', "\\[")
                .replace(']', "\\]")
                .replace('<', "\\<")
                .replace('>', "\\>")
        };
        let _ = writeln!(rs, "    /// {doc} (`{name}`, {value})\n    {v},");
    }
    rs.push_str("    /// A code not known to this librdkafka version; the raw value is kept.\n    Unknown(i32),\n}\n\n");
    rs.push_str("impl ErrorCode {\n    /// Converts librdkafka's raw integer code; never fails.\n    pub const fn from_raw(code: i32) -> ErrorCode {\n        match code {\n");
    for ((_, value, _), v) in codes.iter().zip(&variants) {
        let _ = writeln!(rs, "            {value} => ErrorCode::{v},");
    }
    rs.push_str("            other => ErrorCode::Unknown(other),\n        }\n    }\n\n");
    rs.push_str("    /// The raw integer code librdkafka uses.\n    pub const fn raw(self) -> i32 {\n        match self {\n");
    for ((_, value, _), v) in codes.iter().zip(&variants) {
        let _ = writeln!(rs, "            ErrorCode::{v} => {value},");
    }
    rs.push_str("            ErrorCode::Unknown(c) => c,\n        }\n    }\n\n");
    rs.push_str("    /// The code's symbolic name as librdkafka and Python spell it (`_MSG_TIMED_OUT`, `UNKNOWN_TOPIC_OR_PART`);\n    /// `None` for [`ErrorCode::Unknown`].\n    pub const fn symbol(self) -> Option<&'static str> {\n        match self {\n");
    for ((name, _, _), v) in codes.iter().zip(&variants) {
        let _ = writeln!(rs, "            ErrorCode::{v} => Some(\"{name}\"),");
    }
    rs.push_str("            ErrorCode::Unknown(_) => None,\n        }\n    }\n}\n");
    fs::write(out.join("error_codes.rs"), rs).expect("write error_codes.rs");
}

/// With `gssapi`, Cyrus SASL also needs its GSSAPI plugin at run time; without it every
/// Kerberos login fails with "No worthy mechs found". Warn at build time.
fn warn_missing_gssapi_plugin() {
    let dirs = [
        "/usr/lib/x86_64-linux-gnu/sasl2",
        "/usr/lib/aarch64-linux-gnu/sasl2",
        "/usr/lib64/sasl2",
        "/usr/lib/sasl2",
        "/usr/local/lib/sasl2",
    ];
    let found = dirs.iter().any(|d| {
        fs::read_dir(d)
            .map(|rd| {
                rd.flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with("libgssapi"))
            })
            .unwrap_or(false)
    });
    if !found {
        println!(
            "cargo:warning=rkafka `gssapi`: no Cyrus SASL GSSAPI plugin found; Kerberos logins will fail at run time \
             with \"No worthy mechs found\". Install libsasl2-modules-gssapi-mit (Debian/Ubuntu) or cyrus-sasl-gssapi (RHEL/Fedora)."
        );
    }
}
