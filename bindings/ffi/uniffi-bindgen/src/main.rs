//! `uniffi-bindgen`: generates the Kotlin and Swift bindings of `kamkor-ffi` in library mode
//! (`uniffi-bindgen generate --library target/debug/libkamkor_ffi.so --language kotlin`).

fn main() {
    uniffi::uniffi_bindgen_main()
}
