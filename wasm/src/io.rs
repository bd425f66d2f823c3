//! The scratch buffers shared with the JS facade.
//!
//! Each string that crosses into wasm through wasm-bindgen costs an
//! allocation and a JS-side encoding loop, and each string that comes back
//! costs a decode. On the hot paths the facade instead encodes **one**
//! string with `TextEncoder.encodeInto` straight into [`Io::input`] (whose
//! address `input` hands out), and reads results out of linear memory:
//! a sign from [`Io::sign`], parsed XML fields as UTF-16 offsets in
//! [`Io::out`] (so JS slices its own string instead of decoding ours).
//!
//! No `unsafe` is involved: Rust hands out addresses as integers, JS writes
//! through its `Uint8Array` view of the memory, and Rust reads the bytes as
//! an ordinary `Vec<u8>` (validating UTF-8) on the next call.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

/// The buffers. One per (single-threaded) instance.
pub(crate) struct Io {
    /// Where JS writes the encoded input.
    pub(crate) input: Vec<u8>,
    /// The sign of the last `signIo`, uppercase hex.
    pub(crate) sign: [u8; 64],
    /// `parseXmlIo` output: `[n, side_addr, side_len, same, (key_id,
    /// key_start, key_end, value_start, value_end) × n]`, UTF-16 offsets.
    pub(crate) out: Vec<u32>,
    /// Values that are not a slice of the input (entities, several CDATA
    /// sections), concatenated; offsets into it carry [`SIDE`].
    pub(crate) side: String,
    /// Field names seen so far, by id (see [`Io::key_id`]).
    pub(crate) keys: Vec<String>,
    /// The ids of the last document's fields, in order: WeChat sends the
    /// same fields in the same order, so the j-th name is usually known.
    pub(crate) last: Vec<u32>,
    /// Spare buffer for the next document's ids (swapped with `last`).
    pub(crate) seq: Vec<u32>,
}

/// At most this many distinct field names get an id.
pub(crate) const MAX_KEYS: usize = 256;

/// `key_id` output for a name that got no id (the table is full).
pub(crate) const NO_ID: u32 = u32::MAX;

impl Io {
    /// An id for field name `k` at position `j`, and whether it is new
    /// (the facade then slices the name once and keeps it, so later
    /// documents reuse one interned JS string instead of a fresh one per
    /// field; property stores with interned keys are several times faster).
    pub(crate) fn key_id(&mut self, j: usize, k: &str) -> (u32, bool) {
        if let Some(&id) = self.last.get(j)
            && self.keys.get(id as usize).is_some_and(|n| n == k)
        {
            return (id, false);
        }
        if let Some(i) = self.keys.iter().position(|n| n == k) {
            return (i as u32, false);
        }
        if self.keys.len() >= MAX_KEYS {
            return (NO_ID, false);
        }
        self.keys.push(String::from(k));
        ((self.keys.len() - 1) as u32, true)
    }
}

/// Flag on a value offset that points into [`Io::side`], not the input;
/// on a key id, marks a name the facade has not seen yet.
pub(crate) const SIDE: u32 = 0x8000_0000;

std::thread_local! {
    static IO: RefCell<Io> = const {
        RefCell::new(Io {
            input: Vec::new(),
            sign: [0; 64],
            out: Vec::new(),
            side: String::new(),
            keys: Vec::new(),
            last: Vec::new(),
            seq: Vec::new(),
        })
    };
}

/// Runs `f` with the buffers, or returns `None` if they are already in use
/// (a re-entrant call from a JS callback; the facade never makes one).
pub(crate) fn with<R>(f: impl FnOnce(&mut Io) -> R) -> Option<R> {
    IO.with(|io| io.try_borrow_mut().ok().map(|mut io| f(&mut io)))
}

/// Makes the input buffer at least `len` bytes and returns its address.
pub(crate) fn input(len: usize) -> Option<u32> {
    with(|io| {
        if io.input.len() < len {
            io.input.resize(len, 0);
        }
        addr(io.input.as_ptr())
    })
    .flatten()
}

/// An address in linear memory as the `u32` JS indexes with.
pub(crate) fn addr<T>(p: *const T) -> Option<u32> {
    u32::try_from(p as usize).ok()
}

/// Counts UTF-16 code units up to increasing byte offsets of valid UTF-8,
/// so JS can slice its own string. Linear over the whole document.
pub(crate) struct Utf16Cursor<'a> {
    bytes: &'a [u8],
    ascii: bool,
    byte: usize,
    unit: usize,
}

impl<'a> Utf16Cursor<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            ascii: bytes.is_ascii(),
            byte: 0,
            unit: 0,
        }
    }

    /// The UTF-16 offset of byte offset `b` (at a char boundary).
    pub(crate) fn at(&mut self, b: usize) -> u32 {
        if !self.ascii {
            if b < self.byte {
                self.byte = 0;
                self.unit = 0;
            }
            let end = b.min(self.bytes.len());
            self.unit += utf16_len(&self.bytes[self.byte.min(end)..end]);
            self.byte = end;
        }
        let unit = if self.ascii { b } else { self.unit };
        u32::try_from(unit).unwrap_or(u32::MAX)
    }
}

/// UTF-16 length of valid UTF-8: one unit per char (bytes that are not
/// continuation bytes `10xxxxxx`), plus one more for each 4-byte char (lead
/// byte `11110xxx`). Eight bytes at a time.
pub(crate) fn utf16_len(bytes: &[u8]) -> usize {
    const LOW: u64 = 0x0101_0101_0101_0101;
    let mut units = 0usize;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let w = u64::from_le_bytes(w);
        // Per byte: bit 7 set and bit 6 clear → continuation.
        let cont = (w >> 7) & !(w >> 6) & LOW;
        // Per byte: bits 7..4 all set → lead byte of a 4-byte char.
        let lead4 = (w >> 7) & (w >> 6) & (w >> 5) & (w >> 4) & LOW;
        units += 8 - cont.count_ones() as usize + lead4.count_ones() as usize;
    }
    units
        + chunks
            .remainder()
            .iter()
            .map(|&b| usize::from(b & 0xc0 != 0x80) + usize::from(b >= 0xf0))
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_offsets() {
        let s = "a中😀b";
        let mut c = Utf16Cursor::new(s.as_bytes());
        assert_eq!(c.at(0), 0);
        assert_eq!(c.at(1), 1);
        assert_eq!(c.at(4), 2);
        assert_eq!(c.at(8), 4);
        assert_eq!(c.at(9), 5);
        assert_eq!(c.at(1), 1, "going back restarts");
        assert_eq!(utf16_len("😀中a".as_bytes()), 4);
        for text in [
            "",
            "abcdefgh",
            "中文测试😀😀 a",
            "ü😀中aaaaaaaaaaaaaaaaaa𝄞",
            "\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff}",
        ] {
            assert_eq!(
                utf16_len(text.as_bytes()),
                text.encode_utf16().count(),
                "{text}"
            );
            for i in 0..=text.len() {
                if let Some(prefix) = text.get(..i) {
                    assert_eq!(utf16_len(prefix.as_bytes()), prefix.encode_utf16().count());
                }
            }
        }
        let mut a = Utf16Cursor::new(b"abc");
        assert_eq!(a.at(2), 2);
    }
}
