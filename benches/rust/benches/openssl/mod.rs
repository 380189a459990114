//! The OpenSSL anchors, called in-process through libcrypto's C API.
//!
//! Declared by hand (a dozen functions of the stable OpenSSL 3 ABI) rather
//! than through the `openssl` crate: no new dependency for the workspace,
//! and the benchmark calls exactly the functions a C program would
//! (`benches/c/bench_sign.c` uses the same two paths).
//!
//! - [`hmac_oneshot`]: `HMAC()`, which keys the MAC on every call.
//! - [`EvpMac`]: `EVP_MAC` fetched and keyed once, re-initialised per
//!   message with `EVP_MAC_init(ctx, NULL, 0, NULL)` — OpenSSL's fastest
//!   path, the anchor of the targets.

#![allow(unsafe_code, non_camel_case_types)]

use std::ffi::{c_char, c_int, c_uint, c_void, CStr};

/// `OSSL_PARAM` from `<openssl/core.h>` (passed and returned by value).
#[repr(C)]
struct OSSL_PARAM {
    key: *const c_char,
    data_type: c_uint,
    data: *mut c_void,
    data_size: usize,
    return_size: usize,
}

#[link(name = "crypto")]
extern "C" {
    fn EVP_sha256() -> *const c_void;
    fn HMAC(
        md: *const c_void,
        key: *const c_void,
        key_len: c_int,
        data: *const u8,
        data_len: usize,
        out: *mut u8,
        out_len: *mut c_uint,
    ) -> *mut u8;
    fn EVP_MAC_fetch(libctx: *mut c_void, name: *const c_char, props: *const c_char)
        -> *mut c_void;
    fn EVP_MAC_free(mac: *mut c_void);
    fn EVP_MAC_CTX_new(mac: *mut c_void) -> *mut c_void;
    fn EVP_MAC_CTX_free(ctx: *mut c_void);
    fn EVP_MAC_init(
        ctx: *mut c_void,
        key: *const u8,
        key_len: usize,
        params: *const OSSL_PARAM,
    ) -> c_int;
    fn EVP_MAC_update(ctx: *mut c_void, data: *const u8, len: usize) -> c_int;
    fn EVP_MAC_final(ctx: *mut c_void, out: *mut u8, out_len: *mut usize, size: usize) -> c_int;
    fn OSSL_PARAM_construct_utf8_string(
        key: *const c_char,
        buf: *mut c_char,
        bsize: usize,
    ) -> OSSL_PARAM;
    fn OSSL_PARAM_construct_end() -> OSSL_PARAM;
    fn CRYPTO_memcmp(a: *const c_void, b: *const c_void, len: usize) -> c_int;
    fn OpenSSL_version(kind: c_int) -> *const c_char;
}

/// "OpenSSL 3.0.x ..." as reported by the library the bench linked.
pub fn version() -> String {
    // SAFETY: OpenSSL_version(0) returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(OpenSSL_version(0)) }
        .to_string_lossy()
        .into_owned()
}

/// HMAC-SHA256 with `HMAC()`: keys the MAC on every call, like `erpops::sign`
/// with a fresh secret.
pub fn hmac_oneshot(key: &[u8], body: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut len: c_uint = 0;
    // SAFETY: every pointer is valid for the given length; `out` holds the
    // 32 bytes SHA-256 produces.
    let ok = unsafe {
        HMAC(
            EVP_sha256(),
            key.as_ptr().cast(),
            key.len() as c_int,
            body.as_ptr(),
            body.len(),
            out.as_mut_ptr(),
            &mut len,
        )
    };
    assert!(!ok.is_null() && len == 32, "HMAC() failed");
    out
}

/// An `EVP_MAC` HMAC-SHA256 context keyed once.
pub struct EvpMac {
    mac: *mut c_void,
    ctx: *mut c_void,
}

impl EvpMac {
    /// Fetches HMAC, creates the context and keys it with SHA-256.
    pub fn new(key: &[u8]) -> EvpMac {
        // SAFETY: C strings are static; the param array ends with the end
        // marker; the digest name outlives the init call that reads it.
        unsafe {
            let mac = EVP_MAC_fetch(std::ptr::null_mut(), c"HMAC".as_ptr(), std::ptr::null());
            assert!(!mac.is_null(), "EVP_MAC_fetch(HMAC) failed");
            let ctx = EVP_MAC_CTX_new(mac);
            assert!(!ctx.is_null(), "EVP_MAC_CTX_new failed");
            let params = [
                OSSL_PARAM_construct_utf8_string(
                    c"digest".as_ptr(),
                    c"SHA256".as_ptr().cast_mut(),
                    0,
                ),
                OSSL_PARAM_construct_end(),
            ];
            assert!(
                EVP_MAC_init(ctx, key.as_ptr(), key.len(), params.as_ptr()) == 1,
                "EVP_MAC_init failed"
            );
            EvpMac { mac, ctx }
        }
    }

    /// The MAC of `body`, re-initialising the keyed context (no re-keying).
    pub fn mac(&mut self, body: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut len = 0usize;
        // SAFETY: `ctx` is a live keyed context; pointers valid for lengths.
        let ok = unsafe {
            EVP_MAC_init(self.ctx, std::ptr::null(), 0, std::ptr::null()) == 1
                && EVP_MAC_update(self.ctx, body.as_ptr(), body.len()) == 1
                && EVP_MAC_final(self.ctx, out.as_mut_ptr(), &mut len, out.len()) == 1
        };
        assert!(ok && len == 32, "EVP_MAC failed");
        out
    }
}

impl Drop for EvpMac {
    fn drop(&mut self) {
        // SAFETY: both were created in `new` and are freed once.
        unsafe {
            EVP_MAC_CTX_free(self.ctx);
            EVP_MAC_free(self.mac);
        }
    }
}

/// Constant-time comparison, as a receiver built on OpenSSL would use.
pub fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    // SAFETY: both point to 32 readable bytes.
    unsafe { CRYPTO_memcmp(a.as_ptr().cast(), b.as_ptr().cast(), 32) == 0 }
}
