//! Library and ABI versions, to check at start-up against the header.

use core::ffi::c_char;

use crate::boundary::guard_or;

/// The ABI generation; equals `ERPOPS_ABI_VERSION` in `erpops.h` (a test
/// checks). Bumped on every incompatible change.
pub(crate) const ABI_VERSION: u32 = 1;

const VERSION: &str = concat!("libERPOps/", env!("CARGO_PKG_VERSION"), "\0");

/// `"libERPOps/<version>"` as a static NUL-terminated string. Never free it.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn erpops_version() -> *const c_char {
    guard_or(VERSION.as_ptr().cast(), || VERSION.as_ptr().cast())
}

/// The ABI generation of the loaded library. A program compares it with the
/// `ERPOPS_ABI_VERSION` it was compiled against and refuses to run on a
/// mismatch.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn erpops_abi_version() -> u32 {
    guard_or(ABI_VERSION, || ABI_VERSION)
}
