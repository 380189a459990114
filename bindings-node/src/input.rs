//! Byte inputs: `Buffer`, `Uint8Array` or `string`.
//!
//! A `Buffer` or `Uint8Array` arrives as `&[u8]` pointing into the
//! JavaScript object's own memory (no copy); it is valid only for the
//! duration of the synchronous call, which is all the core needs. A `string`
//! has to be transcoded from V8's representation to UTF-8 (napi offers no
//! borrowed view of a string), so it costs one copy.

use napi::Either;

/// One byte-string argument as napi hands it over.
pub type Bytes<'a> = Either<&'a [u8], String>;

/// The raw bytes of a [`Bytes`] argument, exactly as given: no trimming,
/// no normalisation (the bindings contract).
pub fn as_bytes<'b>(value: &'b Bytes<'_>) -> &'b [u8] {
    match value {
        Either::A(slice) => slice,
        Either::B(text) => text.as_bytes(),
    }
}
