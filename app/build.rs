//! With the `split` feature the linker keeps its relocations in the module: the split step
//! needs them to move functions between modules.

fn main() {
    // Only the feature decides (cargo reruns this when features change), not the sources.
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_SPLIT").is_some() {
        println!("cargo:rustc-link-arg=--emit-relocs");
    }
}
