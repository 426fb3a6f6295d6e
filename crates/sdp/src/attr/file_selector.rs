//! `a=file-selector` (RFC 5547 §5, §6).

use core::fmt;
use core::ops::Range;
use std::borrow::Cow;

use bytes::Bytes;

use super::media_range::MediaRange;
use super::scan::{
    check_line_safe, check_token, err, hex_pair, parse_u64, split_items, sub, write_bytes,
};
use crate::Result;

/// `a=file-selector[:<selector> *(SP <selector>)]` (RFC 5547 §6): identifies the file offered
/// or requested by any of
///
/// - `name:"<filename>"`, percent-encoded (`%22` for `"`, `%25` for `%`, ...),
/// - `type:<type>/<subtype>*(;<name>="<value>")`,
/// - `size:<octets>`,
/// - `hash:<algorithm>:<HH>:<HH>...`, e.g. `sha-1` with 20 colon-separated hex octets,
///
/// each optional, at most once, in any order. With no selector the attribute is the flag
/// `a=file-selector`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileSelector {
    raw: Bytes,
    /// The filename between the quotes, still percent-encoded.
    name: Option<Range<usize>>,
    media_type: Option<MediaRange>,
    size: Option<u64>,
    hash_algorithm: Option<Range<usize>>,
    hash_value: Option<Range<usize>>,
}

impl FileSelector {
    /// The attribute name.
    pub const NAME: &'static str = "file-selector";

    /// Parses zero or more selectors.
    pub fn parse(value: &Bytes) -> Result<Self> {
        check_line_safe(value)?;
        let mut out = Self {
            raw: value.clone(),
            name: None,
            media_type: None,
            size: None,
            hash_algorithm: None,
            hash_value: None,
        };
        for span in split_items(value, false)? {
            let item = sub(value, span.clone());
            let colon = item
                .iter()
                .position(|&b| b == b':')
                .ok_or(err(span.start))?;
            let key = sub(item, 0..colon);
            let rest = span.start + colon + 1..span.end;
            let duplicate = if key.eq_ignore_ascii_case(b"name") {
                out.name.replace(parse_name(value, rest)?).is_some()
            } else if key.eq_ignore_ascii_case(b"type") {
                let at = rest.start;
                let t = MediaRange::parse_span(value, rest, false)?;
                if t.is_any_subtype() {
                    return Err(err(at));
                }
                out.media_type.replace(t).is_some()
            } else if key.eq_ignore_ascii_case(b"size") {
                let n = parse_u64(sub(value, rest.clone()), rest.start)?;
                out.size.replace(n).is_some()
            } else if key.eq_ignore_ascii_case(b"hash") {
                let (alg, hex) = parse_hash(value, rest)?;
                out.hash_value = Some(hex);
                out.hash_algorithm.replace(alg).is_some()
            } else {
                return Err(err(span.start));
            };
            if duplicate {
                return Err(err(span.start));
            }
        }
        Ok(out)
    }

    /// A builder writing the canonical `name:"..." type:... size:... hash:...`.
    #[must_use]
    pub fn builder() -> FileSelectorBuilder {
        FileSelectorBuilder::default()
    }

    /// The filename as written between the quotes (percent-encoded).
    #[must_use]
    pub fn name_encoded(&self) -> Option<&[u8]> {
        self.name.clone().map(|r| sub(&self.raw, r))
    }

    /// The filename, percent-decoded (borrowed when there was nothing to decode).
    #[must_use]
    pub fn name(&self) -> Option<Cow<'_, [u8]>> {
        self.name_encoded().map(percent_decode)
    }

    /// The media type of the file.
    #[must_use]
    pub const fn media_type(&self) -> Option<&MediaRange> {
        self.media_type.as_ref()
    }

    /// The size in octets.
    #[must_use]
    pub const fn size(&self) -> Option<u64> {
        self.size
    }

    /// The hash algorithm token, e.g. `sha-1`.
    #[must_use]
    pub fn hash_algorithm(&self) -> Option<&[u8]> {
        self.hash_algorithm.clone().map(|r| sub(&self.raw, r))
    }

    /// The hash as written: colon-separated hex octets.
    #[must_use]
    pub fn hash_text(&self) -> Option<&[u8]> {
        self.hash_value.clone().map(|r| sub(&self.raw, r))
    }

    /// The hash octets, decoded.
    #[must_use]
    pub fn hash_digest(&self) -> Option<Vec<u8>> {
        let text = self.hash_text()?;
        text.split(|&b| b == b':')
            .map(|p| match p {
                [hi, lo] => hex_pair(*hi, *lo),
                _ => None,
            })
            .collect()
    }

    /// The exact value bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// Whether no selector is present, the value being written `a=file-selector`.
    #[must_use]
    pub fn is_flag(&self) -> bool {
        self.raw.is_empty()
    }
}

/// `DQUOTE 1*(filename-char / "%" 2HEXDIG) DQUOTE` in `value[span]`; the span inside the quotes.
fn parse_name(value: &[u8], span: Range<usize>) -> Result<Range<usize>> {
    let text = sub(value, span.clone());
    let closed = text.len() > 2 && text.first() == Some(&b'"') && text.last() == Some(&b'"');
    if !closed {
        return Err(err(span.start));
    }
    let inner = span.start + 1..span.end - 1;
    let name = sub(value, inner.clone());
    let mut i = 0;
    while let Some(&b) = name.get(i) {
        match b {
            b'"' => return Err(err(inner.start + i)),
            b'%' => {
                let ok =
                    matches!(name.get(i + 1..i + 3), Some(&[h, l]) if hex_pair(h, l).is_some());
                if !ok {
                    return Err(err(inner.start + i));
                }
                i += 3;
            }
            _ => i += 1,
        }
    }
    Ok(inner)
}

/// `hash-algorithm ":" 2HEXDIG *(":" 2HEXDIG)` in `value[span]`: the algorithm and hex spans.
fn parse_hash(value: &[u8], span: Range<usize>) -> Result<(Range<usize>, Range<usize>)> {
    let text = sub(value, span.clone());
    let colon = text.iter().position(|&b| b == b':').ok_or(err(span.end))?;
    check_token(sub(text, 0..colon), span.start)?;
    let hex = span.start + colon + 1..span.end;
    let mut at = hex.start;
    for part in sub(value, hex.clone()).split(|&b| b == b':') {
        let ok = matches!(part, [h, l] if hex_pair(*h, *l).is_some());
        if !ok {
            return Err(err(at));
        }
        at += part.len() + 1;
    }
    Ok((span.start..span.start + colon, hex))
}

/// Percent-decodes a validated filename.
fn percent_decode(name: &[u8]) -> Cow<'_, [u8]> {
    if !name.contains(&b'%') {
        return Cow::Borrowed(name);
    }
    let mut out = Vec::with_capacity(name.len());
    let mut rest = name;
    while let Some((&b, tail)) = rest.split_first() {
        match (b, tail) {
            (b'%', [h, l, more @ ..]) if hex_pair(*h, *l).is_some() => {
                out.extend(hex_pair(*h, *l));
                rest = more;
            }
            _ => {
                out.push(b);
                rest = tail;
            }
        }
    }
    Cow::Owned(out)
}

/// Percent-encodes the bytes a filename may not hold literally (RFC 5547 §6 `filename-char`
/// excludes NUL, CR, LF, DQUOTE and `%`).
fn percent_encode(name: &[u8], out: &mut Vec<u8>) {
    for &b in name {
        if matches!(b, 0 | b'\r' | b'\n' | b'"' | b'%') {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        } else {
            out.push(b);
        }
    }
}

impl fmt::Display for FileSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_bytes(f, &self.raw)
    }
}

super::typed_attribute!(FileSelector, |s| s.is_flag());

/// Builds a [`FileSelector`] in canonical order: `name`, `type`, `size`, `hash`.
#[derive(Debug, Clone, Default)]
pub struct FileSelectorBuilder {
    name: Option<Vec<u8>>,
    media_type: Option<MediaRange>,
    size: Option<u64>,
    hash: Option<(String, Vec<u8>)>,
}

impl FileSelectorBuilder {
    /// The filename (raw bytes, typically UTF-8); it is percent-encoded as needed.
    #[must_use]
    pub fn name(mut self, name: impl AsRef<[u8]>) -> Self {
        self.name = Some(name.as_ref().to_vec());
        self
    }

    /// The media type (not a wildcard; parameter values must be `"`-quoted).
    #[must_use]
    pub fn media_type(mut self, media_type: MediaRange) -> Self {
        self.media_type = Some(media_type);
        self
    }

    /// The size in octets.
    #[must_use]
    pub const fn size(mut self, octets: u64) -> Self {
        self.size = Some(octets);
        self
    }

    /// A hash of the file by `algorithm` (a token of the IANA hash names, e.g. `sha-1`).
    #[must_use]
    pub fn hash(mut self, algorithm: &str, digest: &[u8]) -> Self {
        self.hash = Some((algorithm.to_owned(), digest.to_vec()));
        self
    }

    /// A SHA-1 hash of the file (the algorithm RFC 5547 defines).
    #[must_use]
    pub fn sha1(self, digest: &[u8; 20]) -> Self {
        self.hash("sha-1", digest)
    }

    /// The value; errors (empty name, wildcard type, empty digest, bad algorithm token) are
    /// located in the written text.
    pub fn build(self) -> Result<FileSelector> {
        let mut text: Vec<u8> = Vec::new();
        let sep = |text: &mut Vec<u8>| {
            if !text.is_empty() {
                text.push(b' ');
            }
        };
        if let Some(name) = &self.name {
            sep(&mut text);
            text.extend_from_slice(b"name:\"");
            percent_encode(name, &mut text);
            text.push(b'"');
        }
        if let Some(t) = &self.media_type {
            sep(&mut text);
            text.extend_from_slice(b"type:");
            text.extend_from_slice(t.as_bytes());
        }
        if let Some(size) = self.size {
            sep(&mut text);
            text.extend_from_slice(format!("size:{size}").as_bytes());
        }
        if let Some((alg, digest)) = &self.hash {
            sep(&mut text);
            text.extend_from_slice(b"hash:");
            text.extend_from_slice(alg.as_bytes());
            text.push(b':');
            let hex: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
            text.extend_from_slice(hex.join(":").as_bytes());
        }
        FileSelector::parse(&Bytes::from(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use proptest::prelude::*;

    const RFC5547: &str = "name:\"My cool picture.jpg\" type:image/jpeg size:32349 \
                           hash:sha-1:72:24:5F:E8:65:3D:DA:F3:71:36:2F:86:D4:71:91:3E:E4:A2:CE:2E";

    const DIGEST: [u8; 20] = [
        0x72, 0x24, 0x5F, 0xE8, 0x65, 0x3D, 0xDA, 0xF3, 0x71, 0x36, 0x2F, 0x86, 0xD4, 0x71, 0x91,
        0x3E, 0xE4, 0xA2, 0xCE, 0x2E,
    ];

    fn fs(s: &str) -> Result<FileSelector> {
        FileSelector::parse(&Bytes::copy_from_slice(s.as_bytes()))
    }

    // REQ: SDP-2
    #[test]
    fn rfc5547_example() {
        let f = fs(RFC5547).unwrap();
        assert_eq!(f.name().unwrap().as_ref(), b"My cool picture.jpg");
        assert_eq!(f.media_type().unwrap().to_string(), "image/jpeg");
        assert_eq!(f.size(), Some(32349));
        assert_eq!(f.hash_algorithm().unwrap(), b"sha-1");
        assert_eq!(f.hash_digest().unwrap(), DIGEST);
        assert_eq!(f.to_string(), RFC5547);
        assert!(!f.is_flag());

        let built = FileSelector::builder()
            .name("My cool picture.jpg")
            .media_type(MediaRange::new("image", "jpeg").unwrap())
            .size(32349)
            .sha1(&DIGEST)
            .build()
            .unwrap();
        assert_eq!(built.to_string(), RFC5547);
        assert_eq!(built, f);
    }

    // REQ: SDP-2
    #[test]
    fn any_order_subsets_and_flag() {
        let f = fs("size:1024 name:\"a%22b%25c.txt\"").unwrap();
        assert_eq!(f.name_encoded().unwrap(), b"a%22b%25c.txt");
        assert_eq!(f.name().unwrap().as_ref(), b"a\"b%c.txt");
        assert!(f.media_type().is_none() && f.hash_text().is_none());
        let t = fs("type:message/cpim;charset=\"UTF-8\"").unwrap();
        assert_eq!(t.media_type().unwrap().params(), b"charset=\"UTF-8\"");
        let empty = fs("").unwrap();
        assert!(empty.is_flag() && empty.name().is_none());
        assert_eq!(FileSelector::builder().build().unwrap().to_string(), "");
    }

    #[test]
    fn located_errors() {
        let at = |s: &str| fs(s).unwrap_err().offset;
        assert_eq!(at("name:\"a\" color:red"), 9);
        assert_eq!(at("size:1 size:2"), 7);
        assert_eq!(at("name:plain"), 5);
        assert_eq!(at("name:\"\""), 5);
        assert_eq!(at("name:\"50%\""), 8);
        assert_eq!(at("name:\"a"), 5);
        assert_eq!(at("type:image/*"), 5);
        assert_eq!(at("size:12a"), 7);
        assert_eq!(at("hash:sha-1:72:2"), 14);
        assert_eq!(at("hash:sha-1:7G"), 11);
        assert_eq!(at("hash:sha-1"), 10);
        assert_eq!(at("nokey"), 0);
        let e = fs("size:1\n").unwrap_err();
        assert_eq!((e.kind, e.offset, e.line), (ErrorKind::Attribute, 6, 0));
    }

    #[test]
    fn builder_encodes_name() {
        let f = FileSelector::builder()
            .name("100% \"real\"\r\n.txt")
            .build()
            .unwrap();
        assert_eq!(f.to_string(), "name:\"100%25 %22real%22%0D%0A.txt\"");
        assert_eq!(f.name().unwrap().as_ref(), b"100% \"real\"\r\n.txt");
        assert!(FileSelector::builder().name("").build().is_err());
        assert!(FileSelector::builder().hash("sha-1", &[]).build().is_err());
    }

    proptest! {
        // REQ: SDP-2
        #[test]
        fn round_trip(
            name in proptest::option::of(".{1,16}"),
            ty in proptest::option::of(("[a-z]{1,8}", "[a-z0-9.+-]{1,8}")),
            size in proptest::option::of(any::<u64>()),
            digest in proptest::option::of(proptest::collection::vec(any::<u8>(), 1..32)),
            shuffle in any::<bool>(),
        ) {
            let mut b = FileSelector::builder();
            if let Some(n) = &name { b = b.name(n); }
            if let Some((t, s)) = &ty { b = b.media_type(MediaRange::new(t, s).unwrap()); }
            if let Some(s) = size { b = b.size(s); }
            if let Some(d) = &digest { b = b.hash("sha-1", d); }
            let f = b.build().unwrap();
            prop_assert_eq!(f.name().map(|n| n.into_owned()), name.map(String::into_bytes));
            prop_assert_eq!(f.size(), size);
            prop_assert_eq!(f.hash_digest(), digest);
            // parse → Display → parse, in the written or the reversed order.
            let text = f.to_string();
            let text = if shuffle {
                let spans = split_items(text.as_bytes(), false).unwrap();
                let items: Vec<&str> = spans.iter().rev().filter_map(|s| text.get(s.clone())).collect();
                items.join(" ")
            } else {
                text
            };
            let again = fs(&text).unwrap();
            prop_assert_eq!(again.to_string(), text);
            prop_assert_eq!(again.name(), f.name());
            prop_assert_eq!(again.media_type().map(MediaRange::to_string), f.media_type().map(MediaRange::to_string));
            prop_assert_eq!(again.size(), f.size());
            prop_assert_eq!(again.hash_text(), f.hash_text());
        }
    }
}
