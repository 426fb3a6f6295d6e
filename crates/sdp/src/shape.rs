//! Fast paths of the parser (issue 3): a shape check of the common, well-formed values of
//! `v=`, `o=`, `c=`, `t=` and `m=` lines, one pass over the value that validates it and yields
//! the positions of its fields, without building text or error positions. Long fields
//! (addresses, user names, numbers) are checked eight bytes at a time.
//!
//! While parsing, the check runs on the rest of the input from the value on and stops at the
//! first CR or LF, so that it also finds the end of the line (no separate search for it). The
//! field ends it finds are kept in the line's span ([`Ends`]), so that the typed read is one
//! UTF-8 check and slicing, not a second parse.
//!
//! Anything a shape check does not accept (including every malformed value) goes to the
//! general parsers of [`crate::parse`], which produce the same values for valid input and the
//! located error otherwise, so a fast path only has to be sound: whatever it accepts, the
//! general parser accepts with the same result (a proptest in `parse.rs` checks this).

use crate::model::{Connection, Media, Origin, Timing};

/// `token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E`.
const fn is_token_char(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x27 | 0x2A..=0x2B | 0x2D..=0x2E | 0x30..=0x39 | 0x41..=0x5A | 0x5E..=0x7E)
}

/// Byte classes, for the fields too short to test a word at a time.
const C_TOKEN: u8 = 1;
/// `VCHAR / %x80-FF`: a `non-ws-string` byte.
const C_NON_WS: u8 = 2;
const C_DIGIT: u8 = 4;
/// A `non-ws-string` byte other than `/`: a connection address without `/ttl` or `/count`.
const C_ADDR: u8 = 8;

#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
static CLASSES: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        let mut class = 0;
        if is_token_char(byte) {
            class |= C_TOKEN;
        }
        if byte > 0x20 && byte != 0x7F {
            class |= C_NON_WS;
            if byte != b'/' {
                class |= C_ADDR;
            }
        }
        if byte.is_ascii_digit() {
            class |= C_DIGIT;
        }
        table[b] = class;
        b += 1;
    }
    table
};

fn class_of(b: u8) -> u8 {
    CLASSES.get(usize::from(b)).copied().unwrap_or(0)
}

pub(crate) fn is_token_byte(b: u8) -> bool {
    class_of(b) & C_TOKEN != 0
}

/// `token = 1*(token-char)`.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_token_byte(b))
}

/// How many bytes at the start of `v` are token characters.
pub(crate) fn token_len(v: &[u8]) -> usize {
    v.iter().position(|&b| !is_token_byte(b)).unwrap_or(v.len())
}

/// The ends of the first fields of a structured value that parsing checked (relative to the
/// value; see `Span::ends`), or [`NO_ENDS`].
pub(crate) type Ends = [u8; 6];

/// No field ends kept (a first field is never empty, so its end is never 0).
pub(crate) const NO_ENDS: Ends = [0; 6];

// Word-at-a-time tests (SWAR): each flags, in its high bit, every byte of an 8-byte word that
// matches, exactly (no carry crosses a byte), so that the lowest flag is the first match.

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The bytes of `w` below `n` (`n` at most 0x80).
const fn below(w: u64, n: u8) -> u64 {
    // The low seven bits plus `0x80 - n` reach the high bit when they are at least `n`; a byte
    // with its high bit set is not below `n` either.
    !(((w & LOW7) + LOW * (0x80 - n as u64)) | w) & HIGH
}

/// The bytes of `w` above `n` (`n` below 0x80).
const fn above(w: u64, n: u8) -> u64 {
    (((w & LOW7) + LOW * (0x7F - n as u64)) | w) & HIGH
}

/// The bytes of `w` equal to `b`.
const fn equal(w: u64, b: u8) -> u64 {
    let x = w ^ (LOW * b as u64);
    !(((x & LOW7) + LOW7) | x) & HIGH
}

/// Bytes that end a `non-ws-string` (anything but `VCHAR / %x80-FF`).
const fn not_non_ws(w: u64) -> u64 {
    below(w, 0x21) | equal(w, 0x7F)
}

/// Bytes that end a connection address without `/ttl` (as [`not_non_ws`], and `/`).
const fn not_addr(w: u64) -> u64 {
    not_non_ws(w) | equal(w, b'/')
}

/// Bytes that end a run of digits.
const fn not_digit(w: u64) -> u64 {
    below(w, b'0') | above(w, b'9')
}

/// Where the run of bytes of `class` that starts at `at` in `v` ends: eight bytes at a time
/// while `flag` (which flags the bytes not of the class) finds none, then byte by byte.
fn run(v: &[u8], mut at: usize, flag: impl Fn(u64) -> u64, class: u8) -> usize {
    while let Some(word) = v.get(at..at + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
        let flags = flag(u64::from_le_bytes(word));
        if flags != 0 {
            return at + (flags.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + v
        .get(at..)
        .unwrap_or_default()
        .iter()
        .position(|&b| class_of(b) & class == 0)
        .unwrap_or(v.len().saturating_sub(at))
}

/// Where the run of bytes of `class` that starts at `at` ends, byte by byte (for short fields).
fn run_of(v: &[u8], at: usize, class: u8) -> usize {
    let rest = v.get(at..).unwrap_or_default();
    at + rest
        .iter()
        .position(|&b| class_of(b) & class == 0)
        .unwrap_or(rest.len())
}

/// A field `from..to` followed by a single space (not at the end of the value): where the next
/// field starts.
fn then_space(v: &[u8], from: usize, to: usize) -> Option<usize> {
    (to > from && v.get(to) == Some(&b' ')).then_some(to + 1)
}

/// A last field `from..to`, followed by a CR or LF or by nothing: where the value ends.
fn then_end(v: &[u8], from: usize, to: usize) -> Option<usize> {
    (to > from && matches!(v.get(to), None | Some(b'\r' | b'\n'))).then_some(to)
}

/// A field `from..to` of digits that [`digits`] reads.
fn number_field(v: &[u8], from: usize) -> Option<usize> {
    let to = run(v, from, not_digit, C_DIGIT);
    (to - from <= 19).then_some(to)
}

/// `1*DIGIT` of at most 19 digits (which cannot overflow a `u64`), eight at a time.
fn digits(f: &[u8]) -> Option<u64> {
    if f.is_empty() || f.len() > 19 {
        return None;
    }
    let mut n = 0u64;
    let mut rest = f;
    while let Some((word, tail)) = rest.split_first_chunk::<8>() {
        let w = u64::from_le_bytes(*word);
        if not_digit(w) != 0 {
            return None;
        }
        n = n.wrapping_mul(100_000_000).wrapping_add(eight_digits(w));
        rest = tail;
    }
    for &b in rest {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.wrapping_mul(10).wrapping_add(u64::from(d));
    }
    Some(n)
}

/// The value of eight ASCII digits, the first in the lowest byte: pairs, then quadruples,
/// then the eight, each step one multiplication (the lanes never carry into each other).
const fn eight_digits(w: u64) -> u64 {
    let w = w.wrapping_sub(0x3030_3030_3030_3030);
    let w = w.wrapping_mul(10).wrapping_add(w >> 8) & 0x00FF_00FF_00FF_00FF;
    let w = w.wrapping_mul(100).wrapping_add(w >> 16) & 0x0000_FFFF_0000_FFFF;
    w.wrapping_mul(10_000).wrapping_add(w >> 32) & 0xFFFF_FFFF
}

/// `token *(sep token)` from `v[at..]`: where it ends (at a byte that is neither a token
/// character nor `sep`, or at the end of `v`).
fn token_list(v: &[u8], mut at: usize, sep: u8) -> Option<usize> {
    loop {
        let end = run_of(v, at, C_TOKEN);
        if end == at {
            return None;
        }
        if v.get(end) != Some(&sep) {
            return Some(end);
        }
        at = end + 1;
    }
}

// The shapes. Each returns the length of the value (up to the first CR or LF, or the end of
// `v`) and the ends of its fields but the last.

/// `o=`: `username sess-id sess-version nettype addrtype unicast-address`, the address a
/// non-ws-string (no `extn-addr` check needed: any non-ws-string is one).
fn origin_fields(v: &[u8]) -> Option<(usize, [usize; 5])> {
    let a = run(v, 0, not_non_ws, C_NON_WS);
    let from = then_space(v, 0, a)?;
    let b = number_field(v, from)?;
    let from = then_space(v, from, b)?;
    let c = number_field(v, from)?;
    let from = then_space(v, from, c)?;
    let d = run_of(v, from, C_TOKEN);
    let from = then_space(v, from, d)?;
    let e = run_of(v, from, C_TOKEN);
    let from = then_space(v, from, e)?;
    let len = then_end(v, from, run(v, from, not_non_ws, C_NON_WS))?;
    Some((len, [a, b, c, d, e]))
}

/// `c=`: `nettype addrtype connection-address`, without a `/` suffix.
fn connection_fields(v: &[u8]) -> Option<(usize, [usize; 2])> {
    let a = run_of(v, 0, C_TOKEN);
    let from = then_space(v, 0, a)?;
    let b = run_of(v, from, C_TOKEN);
    let from = then_space(v, from, b)?;
    let len = then_end(v, from, run(v, from, not_addr, C_ADDR))?;
    Some((len, [a, b]))
}

/// `t=`: `start-time stop-time`.
fn timing_fields(v: &[u8]) -> Option<(usize, [usize; 1])> {
    let a = number_field(v, 0)?;
    let from = then_space(v, 0, a)?;
    let len = then_end(v, from, number_field(v, from)?)?;
    Some((len, [a]))
}

/// `m=`: `media port proto fmt-list`, without a port count; and the port.
fn media_fields(v: &[u8]) -> Option<(usize, [usize; 3], u16)> {
    let a = run_of(v, 0, C_TOKEN);
    let from = then_space(v, 0, a)?;
    let b = run(v, from, not_digit, C_DIGIT);
    let port = u16::try_from(digits(v.get(from..b)?)?).ok()?;
    let from = then_space(v, from, b)?;
    let c = token_list(v, from, b'/')?;
    let from = then_space(v, from, c)?;
    let len = then_end(v, from, token_list(v, from, b' ')?)?;
    Some((len, [a, b, c], port))
}

/// `ends` as [`Ends`], when they fit.
fn narrow<const N: usize>(ends: [usize; N]) -> Ends {
    let mut out = NO_ENDS;
    for (slot, &end) in out.iter_mut().zip(&ends) {
        match u8::try_from(end) {
            Ok(end) => *slot = end,
            Err(_) => return NO_ENDS,
        }
    }
    out
}

/// A line of type `kind` whose value starts `rest` (the rest of the input, or a value) when the
/// value has the common shape: the value's length (up to the first CR or LF, or the end of
/// `rest`) and the field ends to keep.
pub(crate) fn line(kind: u8, rest: &[u8]) -> Option<(usize, Ends)> {
    match kind {
        // `v=0`, the only version (nothing to keep).
        b'v' => {
            then_end(rest, 0, usize::from(rest.first() == Some(&b'0'))).map(|len| (len, NO_ENDS))
        }
        b'o' => origin_fields(rest).map(|(len, e)| (len, narrow(e))),
        b'c' => connection_fields(rest).map(|(len, e)| (len, narrow(e))),
        b't' => timing_fields(rest).map(|(len, e)| (len, narrow(e))),
        b'm' => media_fields(rest).map(|(len, e, _)| (len, narrow(e))),
        _ => None,
    }
}

/// [`line`] for a whole value.
pub(crate) fn value(kind: u8, v: &[u8]) -> Option<Ends> {
    line(kind, v)
        .filter(|&(len, _)| len == v.len())
        .map(|(_, ends)| ends)
}

// The typed reads of a value of the shape (as text), from its field ends: slicing and the
// numbers.

fn read_origin(t: &str, [a, b, c, d, e]: [usize; 5]) -> Option<Origin<'_>> {
    let v = t.as_bytes();
    Some(Origin {
        username: t.get(..a)?,
        session_id: digits(v.get(a + 1..b)?)?,
        session_version: digits(v.get(b + 1..c)?)?,
        net_type: t.get(c + 1..d)?,
        addr_type: t.get(d + 1..e)?,
        unicast_address: t.get(e + 1..)?,
    })
}

fn read_connection(t: &str, [a, b]: [usize; 2]) -> Option<Connection<'_>> {
    Some(Connection {
        net_type: t.get(..a)?,
        addr_type: t.get(a + 1..b)?,
        address: t.get(b + 1..)?,
        ttl: None,
        count: None,
    })
}

fn read_timing(v: &[u8], [a]: [usize; 1]) -> Option<Timing> {
    Some(Timing {
        start: digits(v.get(..a)?)?,
        stop: digits(v.get(a + 1..)?)?,
    })
}

fn read_media(t: &str, [a, b, c]: [usize; 3]) -> Option<Media<'_>> {
    Some(Media {
        media: t.get(..a)?,
        port: u16::try_from(digits(t.as_bytes().get(a + 1..b)?)?).ok()?,
        port_count: None,
        proto: t.get(b + 1..c)?,
        formats: t.get(c + 1..)?,
    })
}

/// A whole value of the shape, as text, and its field ends.
fn whole<const N: usize>(v: &[u8], (len, ends): (usize, [usize; N])) -> Option<(&str, [usize; N])> {
    if len != v.len() {
        return None;
    }
    Some((core::str::from_utf8(v).ok()?, ends))
}

/// An `o=` value of the common shape, read.
pub(crate) fn origin(v: &[u8]) -> Option<Origin<'_>> {
    let (t, ends) = whole(v, origin_fields(v)?)?;
    read_origin(t, ends)
}

/// A `c=` value of the common shape, read.
pub(crate) fn connection(v: &[u8]) -> Option<Connection<'_>> {
    let (t, ends) = whole(v, connection_fields(v)?)?;
    read_connection(t, ends)
}

/// A `t=` value of the common shape, read.
pub(crate) fn timing(v: &[u8]) -> Option<Timing> {
    let (len, ends) = timing_fields(v)?;
    (len == v.len()).then(|| read_timing(v, ends))?
}

/// An `m=` value of the common shape, read.
pub(crate) fn media(v: &[u8]) -> Option<Media<'_>> {
    let (len, ends, _) = media_fields(v)?;
    let (t, ends) = whole(v, (len, ends))?;
    read_media(t, ends)
}

/// The field ends parsing kept, for `N` fields.
fn widen<const N: usize>(ends: Ends) -> Option<[usize; N]> {
    let mut out = [0; N];
    for (slot, &end) in out.iter_mut().zip(&ends) {
        *slot = usize::from(end);
    }
    // A kept end is never 0: a first field is never empty.
    (N <= ends.len() && out.iter().all(|&e| e > 0)).then_some(out)
}

/// The `o=` line from the field ends parsing kept.
pub(crate) fn origin_at(v: &[u8], ends: Ends) -> Option<Origin<'_>> {
    read_origin(core::str::from_utf8(v).ok()?, widen(ends)?)
}

/// The `c=` line from the field ends parsing kept.
pub(crate) fn connection_at(v: &[u8], ends: Ends) -> Option<Connection<'_>> {
    read_connection(core::str::from_utf8(v).ok()?, widen(ends)?)
}

/// The `t=` line from the field ends parsing kept: digits, no text to check.
pub(crate) fn timing_at(v: &[u8], ends: Ends) -> Option<Timing> {
    read_timing(v, widen(ends)?)
}

/// The `m=` line from the field ends parsing kept.
pub(crate) fn media_at(v: &[u8], ends: Ends) -> Option<Media<'_>> {
    read_media(core::str::from_utf8(v).ok()?, widen(ends)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_values_have_the_shape() {
        let o = b"alice 2890844557 2890844559 IN IP4 alicepc.example.com";
        assert!(value(b'o', o).is_some());
        assert!(value(b'c', b"IN IP4 alicepc.example.com").is_some());
        assert!(value(b't', b"0 0").is_some());
        assert!(value(b'm', b"message 7777 TCP/MSRP *").is_some());
        assert!(value(b'm', b"audio 9 UDP/TLS/RTP/SAVPF 111 0 8").is_some());
    }

    #[test]
    fn a_line_ends_at_its_cr_or_lf() {
        let rest = b"IN IP4 host\r\nt=0 0\r\n";
        assert_eq!(line(b'c', rest).map(|(len, _)| len), Some(11));
        assert_eq!(
            line(b'm', b"audio 9 RTP/AVP 0 8\nb=AS:1").map(|(len, _)| len),
            Some(19)
        );
        // The last line of the input, without a line end.
        assert_eq!(line(b't', b"0 0").map(|(len, _)| len), Some(3));
    }

    #[test]
    fn unusual_values_are_left_to_the_general_parsers() {
        for (kind, v) in [
            (b'c', &b"IN IP4 224.2.1.1/127"[..]),
            (b'c', b"IN IP4 host "),
            (b'c', b"IN  IP4 host"),
            (b'm', b"audio 49170/2 RTP/AVP 0"),
            (b'm', b"audio 9 RTP//AVP 0"),
            (b'm', b"audio 9 RTP/AVP 0  8"),
            (b'm', b"audio 9 RTP/AVP "),
            (b'm', b"audio 99999 RTP/AVP 0"),
            (b't', b"0 18446744073709551616"),
            (b'o', b"- 1 1 IN IP4"),
            (b'o', b"- 1x 1 IN IP4 h"),
        ] {
            assert_eq!(value(kind, v), None, "{}", String::from_utf8_lossy(v));
        }
    }

    /// Each word test flags exactly the bytes it should, whatever their neighbours (no carry
    /// or borrow crosses a byte), and exactly the bytes outside the class it stands for.
    #[test]
    fn word_tests_flag_exactly_the_matching_bytes() {
        /// A test's name, the test, which bytes it should flag, and their class.
        type Case = (&'static str, fn(u64) -> u64, fn(u8) -> bool, Option<u8>);
        let tests: [Case; 4] = [
            (
                "not_non_ws",
                not_non_ws,
                |b| b <= 0x20 || b == 0x7F,
                Some(C_NON_WS),
            ),
            (
                "not_addr",
                not_addr,
                |b| b <= 0x20 || b == 0x7F || b == b'/',
                Some(C_ADDR),
            ),
            (
                "not_digit",
                not_digit,
                |b| !b.is_ascii_digit(),
                Some(C_DIGIT),
            ),
            ("equal CR", |w| equal(w, b'\r'), |b| b == b'\r', None),
        ];
        for (name, test, expected, class) in tests {
            if let Some(class) = class {
                for b in 0..=255u8 {
                    assert_eq!(
                        class_of(b) & class == 0,
                        expected(b),
                        "{name}: class of {b}"
                    );
                }
            }
            for filler in [0x00, b'0', b'x', 0x7F, 0x80, 0xFF] {
                for b in 0..=255u8 {
                    for at in 0..8 {
                        let mut word = [filler; 8];
                        if let Some(slot) = word.get_mut(at) {
                            *slot = b;
                        }
                        let flags = test(u64::from_le_bytes(word));
                        for (i, &byte) in word.iter().enumerate() {
                            let flagged = flags >> (8 * i + 7) & 1 == 1;
                            assert_eq!(flagged, expected(byte), "{name}: {word:?} byte {i}");
                        }
                        assert_eq!(flags & !HIGH, 0, "{name}: {word:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn digits_reads_only_digits() {
        for n in [
            0u64,
            7,
            42,
            1_234_567,
            12_345_678,
            123_456_789,
            2_890_844_557,
            u64::MAX / 10,
        ] {
            assert_eq!(digits(n.to_string().as_bytes()), Some(n), "{n}");
        }
        assert_eq!(digits(b"00000000000000000001"), None);
        assert_eq!(digits(b"0000000000000000001"), Some(1));
        assert_eq!(digits(b"1234567:"), None);
        assert_eq!(digits(b"12345678:"), None);
        assert_eq!(digits(b"/2345678"), None);
        assert_eq!(digits(b"0"), Some(0));
        assert_eq!(digits(b"18446744073709551615"), None);
        assert_eq!(
            digits(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(digits(b"12x4"), None);
        assert_eq!(digits(b"1/"), None);
        assert_eq!(digits(b""), None);
    }
}
