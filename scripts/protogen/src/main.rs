//! Compiles tests/proto/*.proto with protox and writes, into tests/proto/generated/:
//! `descriptors.bin` (the FileDescriptorSet, imports included) and one `<package>.rs` per
//! package: prost messages deriving `prost_reflect::ReflectMessage` against the pool that
//! `crate::proto` (tests/proto/mod.rs) decodes from `descriptors.bin`.
use std::path::Path;

use prost::Message;

fn messages(prefix: &str, m: &prost_types::DescriptorProto, out: &mut Vec<String>) {
    let name = format!("{prefix}.{}", m.name());
    for n in &m.nested_type {
        if !n.options.as_ref().is_some_and(|o| o.map_entry()) {
            messages(&name, n, out);
        }
    }
    out.push(name);
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let proto_dir = root.join("tests/proto");
    let out_dir = proto_dir.join("generated");
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut files: Vec<String> = std::fs::read_dir(&proto_dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".proto"))
        .collect();
    files.sort();
    let fds = protox::compile(&files, [&proto_dir]).expect("compile the .proto files");
    std::fs::write(out_dir.join("descriptors.bin"), fds.encode_to_vec()).unwrap();
    let mut config = prost_build::Config::new();
    for f in fds.file.iter().filter(|f| files.iter().any(|n| n == f.name())) {
        let mut names = Vec::new();
        for m in &f.message_type {
            messages(&format!(".{}", f.package()).replace("..", "."), m, &mut names);
        }
        for full in names {
            // Without the leading dot prost-build matches the type itself, not its nested types.
            let bare = full.trim_start_matches('.');
            config
                .message_attribute(bare, "#[derive(::prost_reflect::ReflectMessage)]")
                .message_attribute(bare, format!(r#"#[prost_reflect(message_name = "{bare}")]"#))
                .message_attribute(bare, r#"#[prost_reflect(descriptor_pool = "crate::proto::DESCRIPTOR_POOL")]"#);
        }
    }
    config.out_dir(&out_dir);
    config.compile_fds(fds).expect("generate Rust");
    println!("wrote {}", out_dir.display());
}
