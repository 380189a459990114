//! Signature header parsing and verification on arbitrary bytes: never a
//! panic; a header that verifies is exactly the signature of the body under
//! the matching secret; the real signature always verifies.
#![no_main]

use erpops_core::signature::{sign, verify, Secret};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Layout: [key_len][key][header_len][header][body…], lengths one byte.
    let Some((&key_len, rest)) = data.split_first() else {
        return;
    };
    let (key, rest) = rest.split_at(usize::from(key_len).min(rest.len()));
    let Some((&header_len, rest)) = rest.split_first() else {
        return;
    };
    let (header, body) = rest.split_at(usize::from(header_len).min(rest.len()));
    let Ok(secret) = Secret::new(key) else {
        assert!(key.is_empty());
        return;
    };
    let secrets = [secret];
    if verify(&secrets, body, Some(header)).is_ok() {
        let expected = sign(&secrets[0], body);
        let trimmed = header
            .iter()
            .copied()
            .skip_while(|b| *b == b' ' || *b == b'\t')
            .collect::<Vec<u8>>();
        let text = String::from_utf8_lossy(&trimmed).to_ascii_lowercase();
        assert!(text.starts_with(expected.as_str()));
    }
    let real = sign(&secrets[0], body);
    assert!(verify(&secrets, body, Some(real.as_bytes())).is_ok());
});
