//! The committed header is exactly what cbindgen generates from the code.

#[test]
fn committed_header_matches_the_code() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/group_writeback.h"));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("include/group_writeback.h");
    let committed = std::fs::read_to_string(&path).expect("include/group_writeback.h exists");
    assert!(
        generated == committed,
        "include/group_writeback.h differs from what src/ffi.rs generates: run `make header` and commit it"
    );
}
