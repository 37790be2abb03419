//! Generates the C header from the ABI in src/ffi.rs with cbindgen.
//!
//! The header is always written to $OUT_DIR/group_writeback.h; a test
//! compares it with the committed include/group_writeback.h. Set
//! GWB_WRITE_HEADER=1 (what `make header` does) to update the committed one.
use std::env;
use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=GWB_WRITE_HEADER");

    // On Linux the library names itself (DT_SONAME). A host that loads it by
    // full path and then binds DllImport("group_writeback") by name relies
    // on it: glibc's dlopen("libgroup_writeback.so") returns the object
    // already loaded under that soname (Mono running the module's net472
    // build; .NET itself maps the name with NativeLibrary instead).
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libgroup_writeback.so");
    }

    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable");
    let version = env::var("CARGO_PKG_VERSION").unwrap();
    let part = |name: &str| env::var(name).unwrap();
    config.after_includes = Some(format!(
        "\n/* The version of the library this header was generated from. */\n\
         #define GWB_VERSION \"{}\"\n#define GWB_VERSION_MAJOR {}\n#define GWB_VERSION_MINOR {}\n#define GWB_VERSION_PATCH {}\n",
        version,
        part("CARGO_PKG_VERSION_MAJOR"),
        part("CARGO_PKG_VERSION_MINOR"),
        part("CARGO_PKG_VERSION_PATCH"),
    ));

    let bindings = match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(b) => b,
        Err(e) => panic!("cbindgen could not generate the header: {}", e),
    };
    bindings.write_to_file(out_dir.join("group_writeback.h"));
    if env::var_os("GWB_WRITE_HEADER").is_some() {
        bindings.write_to_file(crate_dir.join("include").join("group_writeback.h"));
    }
}
