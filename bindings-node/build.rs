//! Link settings for a Node addon (napi-rs): undefined `napi_*` symbols are
//! resolved by the Node process that loads the library.
fn main() {
    napi_build::setup();
}
