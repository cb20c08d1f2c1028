//! Build script for rkafka.
//!
//! rdkafka-sys provides librdkafka before this script runs, in one of three ways:
//! - built from its bundled 2.12.1 source with `./configure` (the default; also under
//!   `static-linking` and `ssl-vendored`): `DEP_RDKAFKA_ROOT` is that source tree;
//! - built from the same source with CMake (`cmake-build`, `oidc`): `DEP_RDKAFKA_ROOT` is the
//!   install prefix;
//! - the system's librdkafka, found by pkg-config (`dynamic-linking`, also when another crate in
//!   the build turns it on): no `DEP_RDKAFKA_ROOT`; this script asks pkg-config itself.
//!
//! Then it:
//! 1. checks that that librdkafka has every feature rkafka promises (TLS, SASL PLAIN, SCRAM,
//!    OAUTHBEARER, gzip, snappy, zstd; GSSAPI with `gssapi`, OIDC with `oidc`) and, when one is
//!    missing, stops with what to install instead of a run-time "No such feature". A source
//!    build says so in its `config.h`; a system library is asked by running a probe program
//!    (skipped, with a warning, when cross-compiling);
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
    println!("cargo:rerun-if-env-changed=PKG_CONFIG");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-env-changed=DEP_LIBRDKAFKA_STATIC_ROOT");

    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let lib = locate();
    refuse_ignored_static_root(&lib);
    check_features(&lib, &out);
    check_wrapper(&lib, &out);
    gen_consts(&out);
    gen_error_codes(&lib.include.join("rdkafka.h"), &out);
    if feature("GSSAPI") {
        warn_missing_gssapi_plugin();
    }
}

/// Stops the build with a message that says what to do.
fn fail(msg: &str) -> ! {
    eprintln!("\n================ rkafka build error ================\n{msg}\n====================================================\n");
    std::process::exit(1);
}

/// True if rkafka's Cargo feature `name` (upper case, `_` for `-`) is on.
fn feature(name: &str) -> bool {
    env::var_os(format!("CARGO_FEATURE_{name}")).is_some()
}

/// How rdkafka-sys provided librdkafka.
enum Origin {
    /// Built from the bundled source; `config.h` says what it was built with.
    Source { config_h: PathBuf },
    /// The system's library, found by pkg-config (`dynamic-linking`).
    System { pkg_config: PkgConfig },
}

/// The librdkafka that will be linked: where its headers are and how it came.
struct Librdkafka {
    /// The directory holding `rdkafka.h` and `rdkafka_mock.h`.
    include: PathBuf,
    origin: Origin,
}

impl Librdkafka {
    fn describe(&self) -> String {
        match &self.origin {
            Origin::Source { config_h } => format!(
                "rdkafka-sys's build of its bundled librdkafka ({})",
                config_h.parent().unwrap_or(Path::new("")).display()
            ),
            Origin::System { pkg_config } => format!(
                "the system librdkafka {} (pkg-config, headers in {})",
                pkg_config.version,
                self.include.display()
            ),
        }
    }
}

/// Finds librdkafka's headers and build configuration, whichever way rdkafka-sys provided it.
fn locate() -> Librdkafka {
    let Ok(root) = env::var("DEP_RDKAFKA_ROOT") else {
        return locate_system();
    };
    let root = PathBuf::from(root);
    // ./configure build: the source tree itself.
    if root.join("src/rdkafka.h").exists() {
        return Librdkafka {
            include: root.join("src"),
            origin: Origin::Source {
                config_h: root.join("config.h"),
            },
        };
    }
    // CMake build (`cmake-build`): an install prefix, with the build tree under build/.
    if root.join("include/librdkafka/rdkafka.h").exists() {
        return Librdkafka {
            include: root.join("include/librdkafka"),
            origin: Origin::Source {
                config_h: root.join("build/generated/config.h"),
            },
        };
    }
    fail(&format!(
        "rdkafka-sys reported its librdkafka build at {} (DEP_RDKAFKA_ROOT), but neither \
         src/rdkafka.h (./configure build) nor include/librdkafka/rdkafka.h (CMake build) is there.\n\
         Run `cargo clean -p rdkafka-sys` and build again; rkafka needs rdkafka-sys =4.10.0.",
        root.display()
    ))
}

/// What pkg-config says about the system's librdkafka.
struct PkgConfig {
    version: String,
    /// `-I...` and other compiler flags.
    cflags: Vec<String>,
    /// `-L... -lrdkafka ...`.
    libs: Vec<String>,
}

fn pkg_config(args: &[&str]) -> Result<String, String> {
    let exe = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".into());
    let out = Command::new(&exe)
        .args(args)
        .arg("rdkafka")
        .output()
        .map_err(|e| format!("cannot run `{exe}`: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// No `DEP_RDKAFKA_ROOT`: rdkafka-sys linked the system librdkafka (its `dynamic-linking`,
/// which any crate in the build may turn on). Its headers come from pkg-config, as the
/// library did.
fn locate_system() -> Librdkafka {
    let how = "rdkafka-sys did not build librdkafka (no DEP_RDKAFKA_ROOT), so it links the \
               system's (its `dynamic-linking` feature is on, from rkafka's `dynamic-linking` or \
               from another crate in this build)";
    let probe = || -> Result<PkgConfig, String> {
        let split = |s: String| s.split_whitespace().map(str::to_string).collect();
        Ok(PkgConfig {
            version: pkg_config(&["--modversion"])?,
            cflags: split(pkg_config(&["--cflags"])?),
            libs: split(pkg_config(&["--libs"])?),
        })
    };
    let pkg_config = probe().unwrap_or_else(|e| {
        fail(&format!(
            "{how}, but pkg-config cannot describe it: {e}\n\
             Install librdkafka 2.12.1's development files (Debian 12's librdkafka-dev is 2.0.2, too \
             old: build 2.12.1 from source into a prefix and set PKG_CONFIG_PATH=PREFIX/lib/pkgconfig), \
             or drop `dynamic-linking` to build the bundled librdkafka."
        ))
    });
    let mut dirs: Vec<PathBuf> = pkg_config
        .cflags
        .iter()
        .filter_map(|f| f.strip_prefix("-I"))
        .map(PathBuf::from)
        .collect();
    dirs.extend(["/usr/local/include", "/usr/include"].map(PathBuf::from));
    let include = dirs
        .iter()
        .flat_map(|d| [d.join("librdkafka"), d.clone()])
        .find(|d| d.join("rdkafka.h").exists() && d.join("rdkafka_mock.h").exists())
        .unwrap_or_else(|| {
            fail(&format!(
                "{how}: pkg-config found librdkafka {}, but no directory among {dirs:?} (or their \
                 librdkafka/ subdirectories) holds both rdkafka.h and rdkafka_mock.h.\n\
                 Install the complete development files of librdkafka 2.12.1.",
                pkg_config.version
            ))
        });
    Librdkafka {
        include,
        origin: Origin::System { pkg_config },
    }
}

/// rdkafka-sys 4.10.0 documents `static-linking` as linking the librdkafka built at
/// `DEP_LIBRDKAFKA_STATIC_ROOT`, but its build script tests a feature it never declares
/// (`static-external`), so it builds its bundled source instead. Linking something other
/// than what the user pointed at must not pass silently.
fn refuse_ignored_static_root(lib: &Librdkafka) {
    let Some(wanted) = env::var_os("DEP_LIBRDKAFKA_STATIC_ROOT") else {
        return;
    };
    if let Origin::Source { .. } = lib.origin {
        fail(&format!(
            "DEP_LIBRDKAFKA_STATIC_ROOT is set ({}), but rdkafka-sys 4.10.0 ignores it: its \
             `static-linking` feature builds and links the bundled librdkafka 2.12.1 instead \
             (its build script checks for a `static-external` feature that does not exist).\n\
             Unset DEP_LIBRDKAFKA_STATIC_ROOT to use the bundled build, or install your librdkafka \
             (2.12.1) with its pkg-config file and build with `dynamic-linking`.",
            Path::new(&wanted).display()
        ));
    }
}

/// A librdkafka feature rkafka needs: its `config.h` define, its `builtin.features` name, and
/// what provides it.
struct Need {
    define: &'static str,
    builtin: &'static str,
    debian: &'static str,
    rhel: &'static str,
}

fn needs() -> Vec<Need> {
    let ssl = |define, builtin| Need {
        define,
        builtin,
        debian: "libssl-dev",
        rhel: "openssl-devel",
    };
    let mut needs = vec![
        ssl("WITH_SSL", "ssl"),
        ssl("WITH_SASL_SCRAM", "sasl_scram"),
        ssl("WITH_SASL_OAUTHBEARER", "sasl_oauthbearer"),
        Need {
            define: "WITH_ZLIB",
            builtin: "gzip",
            debian: "zlib1g-dev",
            rhel: "zlib-devel",
        },
        Need {
            define: "WITH_ZSTD",
            builtin: "zstd",
            debian: "libzstd-dev",
            rhel: "libzstd-devel",
        },
        Need {
            define: "WITH_SNAPPY",
            builtin: "snappy",
            debian: "(bundled; rebuild)",
            rhel: "(bundled; rebuild)",
        },
    ];
    if feature("GSSAPI") {
        needs.push(Need {
            define: "WITH_SASL_CYRUS",
            builtin: "sasl_gssapi",
            debian: "libsasl2-dev libsasl2-modules-gssapi-mit",
            rhel: "cyrus-sasl-devel cyrus-sasl-gssapi",
        });
    }
    if feature("OIDC") {
        needs.push(Need {
            define: "WITH_OAUTHBEARER_OIDC",
            builtin: "oidc",
            // rdkafka-sys's ./configure build detects curl only through the system's
            // development files (it links curl-sys's static libcurl all the same).
            debian: "libcurl4-openssl-dev",
            rhel: "libcurl-devel",
        });
    }
    needs
}

fn check_features(lib: &Librdkafka, out: &Path) {
    let needs = needs();
    let missing: Vec<&Need> = match &lib.origin {
        Origin::Source { config_h } => {
            let text = fs::read_to_string(config_h).unwrap_or_else(|e| {
                fail(&format!(
                    "cannot read {}: {e}\nrdkafka-sys's librdkafka build looks incomplete; run \
                     `cargo clean -p rdkafka-sys` and rebuild.",
                    config_h.display()
                ))
            });
            let defined = |name: &str| {
                text.lines()
                    .any(|l| l.trim() == format!("#define {name} 1"))
            };
            if defined("HAVE_ATOMICS_32")
                && !defined("HAVE_ATOMICS_32_ATOMIC")
                && !defined("HAVE_ATOMICS_32_SYNC")
            {
                warn_non_atomic_set(config_h);
            }
            needs.iter().filter(|n| !defined(n.define)).collect()
        }
        Origin::System { pkg_config } => match builtin_features(&lib.include, pkg_config, out) {
            Some(have) => needs
                .iter()
                .filter(|n| !have.iter().any(|f| f == n.builtin))
                .collect(),
            None => Vec::new(),
        },
    };
    if missing.is_empty() {
        return;
    }
    let mut msg = format!(
        "{} was built without features rkafka requires:\n",
        lib.describe()
    );
    for n in &missing {
        let _ = writeln!(
            msg,
            "  - {} ({} / builtin.features `{}`)\n      Debian/Ubuntu: apt-get install {}\n      RHEL/Fedora:   dnf install {}",
            n.builtin, n.define, n.builtin, n.debian, n.rhel
        );
    }
    match lib.origin {
        Origin::Source { .. } => {
            msg.push_str("Install the packages, then `cargo clean -p rdkafka-sys` and build again.")
        }
        Origin::System { .. } => msg.push_str(
            "The system librdkafka decides this (`dynamic-linking`): install one built with these \
             features, or drop `dynamic-linking` to build the bundled librdkafka with them.",
        ),
    }
    fail(&msg);
}

/// librdkafka 2.12.1's CMake build (`cmake-build`) defines `HAVE_ATOMICS_32`/`_64` but neither
/// `HAVE_ATOMICS_*_ATOMIC` nor `_SYNC`, so `rd_atomic32_set`/`rd_atomic64_set` (rdatomic.h)
/// fall back to a plain store, not atomic, that returns the new value where callers expect the
/// old one (fixed after 2.12.1, librdkafka #5136). The visible effect: `_ALL_BROKERS_DOWN` never
/// reaches error_cb. Its `#cmakedefine01` also defines `WITH_SASL_CYRUS` as 0, which
/// rdkafka_conf.c tests with `defined()`: `builtin.features` then claims `sasl_gssapi` without
/// Cyrus SASL. rkafka cannot repair a dependency's build, so it says so.
fn warn_non_atomic_set(config_h: &Path) {
    println!(
        "cargo:warning=rkafka: this librdkafka ({}) was built with CMake, whose 2.12.1 build makes \
         rd_atomic*_set non-atomic and return the new value (librdkafka #5136, fixed after 2.12.1): \
         _ALL_BROKERS_DOWN is never reported and those stores race; builtin.features also lists \
         sasl_gssapi without Cyrus SASL. Prefer the default ./configure build (drop `cmake-build`, \
         in rkafka and in rdkafka / rdkafka-sys elsewhere in the build).",
        config_h.display()
    );
}

/// The system librdkafka's `builtin.features`, read by compiling and running a probe against
/// it; `None` (with a warning) when that cannot run here, e.g. when cross-compiling.
fn builtin_features(include: &Path, pkg_config: &PkgConfig, out: &Path) -> Option<Vec<String>> {
    let skip = |why: String| {
        println!(
            "cargo:warning=rkafka: not checked which features the system librdkafka {} has ({why}); \
             a missing one (ssl, sasl_scram, sasl_oauthbearer, gzip, zstd, snappy, ...) will show \
             at run time as a configuration error",
            pkg_config.version
        );
        None
    };
    if env::var("HOST").ok() != env::var("TARGET").ok() {
        return skip("cross-compiling: the probe cannot run on this machine".into());
    }
    let src = out.join("features_probe.c");
    let exe = out.join("features_probe");
    fs::write(
        &src,
        "#include <stdio.h>\n#include <rdkafka.h>\n\
         int main(void) {\n  char buf[1024]; size_t n = sizeof(buf);\n\
         rd_kafka_conf_t *c = rd_kafka_conf_new();\n\
         if (rd_kafka_conf_get(c, \"builtin.features\", buf, &n) != RD_KAFKA_CONF_OK) return 1;\n\
         printf(\"%s\\n\", buf);\n  rd_kafka_conf_destroy(c);\n  return 0;\n}\n",
    )
    .expect("write features_probe.c");
    // The library may live outside the loader's path (a prefix install): point the probe at it.
    let rpaths: Vec<String> = pkg_config
        .libs
        .iter()
        .filter_map(|f| f.strip_prefix("-L"))
        .map(|d| format!("-Wl,-rpath,{d}"))
        .collect();
    let cc = env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let built = Command::new(&cc)
        .arg(format!("-I{}", include.display()))
        .args(&pkg_config.cflags)
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .args(&pkg_config.libs)
        .args(&rpaths)
        .output();
    match built {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            return skip(format!(
                "the probe did not build: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
        Err(e) => return skip(format!("cannot run the C compiler `{cc}`: {e}")),
    }
    match Command::new(&exe).output() {
        Ok(o) if o.status.success() => Some(
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .split(',')
                .map(str::to_string)
                .collect(),
        ),
        Ok(o) => skip(format!(
            "the probe failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => skip(format!("cannot run the probe: {e}")),
    }
}

fn check_wrapper(lib: &Librdkafka, out: &Path) {
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
        .arg(format!("-I{}", lib.include.display()))
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
            "wrapper.h does not match {}:\n{}\n\
             rkafka is written against librdkafka 2.12.1 (rdkafka-sys =4.10.0, whose bindings are \
             generated from it); link exactly that version.",
            lib.describe(),
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
            fail(&format!(
                "src/ffi.rs: cannot parse the declaration of {c_name}"
            ))
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
