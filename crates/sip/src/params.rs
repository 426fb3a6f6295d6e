//! Parameter lists (`;name=value`) of URIs and header values, kept in order.
//!
//! A [`Params`] holds one [`Bytes`] (the bytes the parameters were parsed from, normally the
//! whole value that owns them) and the spans of each name and value within it, so that a
//! parsed list costs one reference count however many parameters it has.

use std::borrow::Cow;

use bytes::Bytes;
use smallvec::SmallVec;

use crate::error::{ErrorKind, Result};
use crate::lex::{Cursor, is_token};
use crate::parse::{OptSpan, Span};

/// The parameters of one list, as spans into its source.
pub(crate) type ParamItems = SmallVec<[RawParam; 2]>;

/// Parses `*( SEMI generic-param )` at the cursor (RFC 3261 §25.1):
/// `generic-param = token [ EQUAL gen-value ]`, `gen-value = token / host / quoted-string`.
///
/// The spans are offsets into the cursor's input; [`Params::from_parts`] pairs them with the
/// `Bytes` of that input. A bare IPv6 address (`received=2001:db8::9`, RFC 5118 §4.5) is
/// accepted as a value. Stops before the first byte that is not `;` (after optional white
/// space), leaving it to the caller.
pub(crate) fn parse_generic_params(cur: &mut Cursor<'_>) -> Result<ParamItems> {
    let mut items = SmallVec::new();
    while cur.eat_sep(b';') {
        let name_at = cur.pos();
        let name = cur.token()?;
        let name = Span::new(name_at, name_at + name.len());
        let value = if cur.eat_sep(b'=') {
            let start = cur.pos();
            match cur.peek() {
                Some(b'"') => {
                    cur.quoted_string()?;
                }
                Some(b'[') => {
                    cur.take_while(|b| b != b']' && b != b';' && b != b',');
                    cur.expect(b']')?;
                }
                _ => {
                    let v = cur.take_while(|b| is_token(b) || b == b':');
                    if v.is_empty() {
                        return Err(cur.error(ErrorKind::Token));
                    }
                }
            }
            Some(Span::new(start, cur.pos()))
        } else {
            None
        };
        items.push(RawParam::new(name, value));
    }
    Ok(items)
}

/// One parameter as spans into its list's source: 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawParam {
    name: Span,
    value: OptSpan,
}

impl RawParam {
    /// A parameter from the span of its name and of its value, if any.
    pub(crate) const fn new(name: Span, value: Option<Span>) -> Self {
        Self {
            name,
            value: OptSpan::from_option(value),
        }
    }

    /// The same parameter with its spans moved `by` bytes towards the start.
    fn shifted_back(self, by: u32) -> Self {
        let back = |s: Span| Span {
            start: s.start.saturating_sub(by),
            end: s.end.saturating_sub(by),
        };
        Self::new(back(self.name), self.value.get().map(back))
    }

    fn view(self, src: &[u8]) -> ParamRef<'_> {
        ParamRef {
            name: self.name.of(src),
            value: self.value.of(src),
        }
    }
}

/// One parameter, borrowed from its list: a name and an optional value, both as they
/// appeared on the wire.
///
/// For header parameters a quoted-string value keeps its quotes here; [`ParamRef::value_text`]
/// gives it unquoted. For URI parameters the bytes are as written, %-escapes included.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParamRef<'a> {
    /// The parameter name.
    pub name: &'a [u8],
    /// The value after `=`, if any.
    pub value: Option<&'a [u8]>,
}

impl<'a> ParamRef<'a> {
    /// The value with surrounding quotes removed and quoted-pairs resolved, if it was a
    /// quoted string; the raw value otherwise.
    #[must_use]
    pub fn value_text(&self) -> Option<Cow<'a, [u8]>> {
        let v = self.value?;
        match v {
            [b'"', inner @ .., b'"'] => Some(crate::lex::unquote(inner)),
            _ => Some(Cow::Borrowed(v)),
        }
    }
}

impl core::fmt::Debug for ParamRef<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut d = f.debug_struct("Param");
        d.field("name", &String::from_utf8_lossy(self.name));
        d.field("value", &self.value.map(String::from_utf8_lossy));
        d.finish()
    }
}

/// An ordered list of parameters. Names compare ASCII case-insensitively (RFC 3261 §7.3.1,
/// §19.1.4).
///
/// A parsed list is one [`Bytes`] (the value it was parsed from) and the spans of each name
/// and value in it; lookups return [`ParamRef`]s borrowing from it. Lists compare and hash by
/// the bytes of their names and values, in order.
#[derive(Clone, Default)]
pub struct Params {
    src: Bytes,
    items: ParamItems,
}

impl Params {
    /// An empty list, usable where a `&'static Params` is needed.
    pub const EMPTY: Self = Self {
        src: Bytes::new(),
        items: SmallVec::new_const(),
    };

    /// An empty list.
    #[must_use]
    pub fn new() -> Self {
        Self::EMPTY
    }

    /// A list of `items`, spans into `src`.
    pub(crate) const fn from_parts(src: Bytes, items: ParamItems) -> Self {
        Self { src, items }
    }

    /// The bytes the spans point into: for a parsed list the value that holds it, for a
    /// built one what [`Params::write_to`] writes.
    pub(crate) const fn src(&self) -> &Bytes {
        &self.src
    }

    /// The same list over `src`, which holds the bytes of the current source from offset
    /// `from` on (a slice of it starting there).
    pub(crate) fn rebased(self, src: Bytes, from: usize) -> Self {
        let by = u32::try_from(from).unwrap_or(u32::MAX);
        let items = if by == 0 {
            self.items
        } else {
            self.items.iter().map(|p| p.shifted_back(by)).collect()
        };
        Self { src, items }
    }

    /// Appends a parameter (copying the list's bytes: for building, not parsing).
    pub fn push(&mut self, name: &[u8], value: Option<&[u8]>) {
        let mut all: Vec<(Vec<u8>, Option<Vec<u8>>)> = self.owned();
        all.push((name.to_vec(), value.map(<[u8]>::to_vec)));
        *self = Self::from_pairs(&all);
    }

    /// The first parameter called `name`.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<ParamRef<'_>> {
        self.iter()
            .find(|p| p.name.eq_ignore_ascii_case(name.as_bytes()))
    }

    /// `Some(value)` if a parameter called `name` is present (`Some(None)` when it has no
    /// value), `None` if absent.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Option<&[u8]>> {
        self.find(name).map(|p| p.value)
    }

    /// The value of the first parameter called `name` as a [`Bytes`] sharing the list's
    /// buffer; `None` if absent or without value.
    #[must_use]
    pub fn get_bytes(&self, name: &str) -> Option<Bytes> {
        let p = self
            .items
            .iter()
            .find(|p| p.name.of(&self.src).eq_ignore_ascii_case(name.as_bytes()))?;
        Some(p.value.get()?.bytes_of(&self.src))
    }

    /// True if a parameter called `name` is present.
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// The parameters in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = ParamRef<'_>> + Clone {
        let src: &[u8] = &self.src;
        self.items.iter().map(move |p| p.view(src))
    }

    /// How many parameters.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True if there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Removes every parameter called `name`; returns true if any was removed.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.len();
        let kept: Vec<_> = self
            .owned()
            .into_iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case(name.as_bytes()))
            .collect();
        if kept.len() == before {
            return false;
        }
        *self = Self::from_pairs(&kept);
        true
    }

    /// Sets `name` to `value`, replacing an existing parameter of that name in place or
    /// appending a new one.
    pub fn set(&mut self, name: &str, value: Option<&[u8]>) {
        let mut all = self.owned();
        match all
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        {
            Some(p) => p.1 = value.map(<[u8]>::to_vec),
            None => all.push((name.as_bytes().to_vec(), value.map(<[u8]>::to_vec))),
        }
        *self = Self::from_pairs(&all);
    }

    /// Writes `;name[=value]` for each parameter, in order.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        for p in self.iter() {
            out.push(b';');
            out.extend_from_slice(p.name);
            if let Some(v) = p.value {
                out.push(b'=');
                out.extend_from_slice(v);
            }
        }
    }

    /// Writes the list to `out` as [`Params::write_to`] does and returns the spans of what
    /// it wrote, for a list whose source will be `out` once complete.
    pub(crate) fn write_spans(&self, out: &mut Vec<u8>) -> ParamItems {
        let mut items = SmallVec::with_capacity(self.len());
        for p in self.iter() {
            out.push(b';');
            let name = Span::new(out.len(), out.len() + p.name.len());
            out.extend_from_slice(p.name);
            let value = p.value.map(|v| {
                out.push(b'=');
                let s = Span::new(out.len(), out.len() + v.len());
                out.extend_from_slice(v);
                s
            });
            items.push(RawParam::new(name, value));
        }
        items
    }

    /// The list as owned pairs, for rebuilding.
    fn owned(&self) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        self.iter()
            .map(|p| (p.name.to_vec(), p.value.map(<[u8]>::to_vec)))
            .collect()
    }

    /// A built list of `pairs`: its source is its `;name=value` rendering.
    fn from_pairs(pairs: &[(Vec<u8>, Option<Vec<u8>>)]) -> Self {
        let mut out = Vec::new();
        let mut items = SmallVec::with_capacity(pairs.len());
        for (n, v) in pairs {
            out.push(b';');
            let name = Span::new(out.len(), out.len() + n.len());
            out.extend_from_slice(n);
            let value = v.as_ref().map(|v| {
                out.push(b'=');
                let s = Span::new(out.len(), out.len() + v.len());
                out.extend_from_slice(v);
                s
            });
            items.push(RawParam::new(name, value));
        }
        Self {
            src: Bytes::from(out),
            items,
        }
    }
}

impl PartialEq for Params {
    fn eq(&self, o: &Self) -> bool {
        self.len() == o.len() && self.iter().eq(o.iter())
    }
}

impl Eq for Params {}

impl core::hash::Hash for Params {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for p in self.iter() {
            p.hash(state);
        }
    }
}

impl core::fmt::Debug for Params {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> FromIterator<ParamRef<'a>> for Params {
    fn from_iter<T: IntoIterator<Item = ParamRef<'a>>>(iter: T) -> Self {
        let pairs: Vec<_> = iter
            .into_iter()
            .map(|p| (p.name.to_vec(), p.value.map(<[u8]>::to_vec)))
            .collect();
        Self::from_pairs(&pairs)
    }
}

/// A parameter list indexed by name (as `key` maps it, then ASCII lower-cased), so that
/// comparing two lists costs O(n log n) instead of one scan of a list per parameter of the
/// other: a 64 KiB value holds thousands of parameters.
pub(crate) struct ParamIndex<'a> {
    by_name: Vec<(Vec<u8>, ParamRef<'a>)>,
    key: fn(&[u8]) -> Cow<'_, [u8]>,
}

impl<'a> ParamIndex<'a> {
    /// Indexes `params`; `key` maps a name before it is compared (`unescape` for URIs).
    pub(crate) fn new(params: &'a Params, key: fn(&[u8]) -> Cow<'_, [u8]>) -> Self {
        let mut by_name: Vec<_> = params
            .iter()
            .map(|p| (key(p.name).to_ascii_lowercase(), p))
            .collect();
        // Stable: among equal names the first in the list stays first.
        by_name.sort_by(|a, b| a.0.cmp(&b.0));
        Self { by_name, key }
    }

    /// The first parameter of each distinct name, in name order: what [`ParamIndex::find`]
    /// answers for that name. Comparing through these keeps a list with a repeated name equal
    /// to itself.
    pub(crate) fn firsts(&self) -> impl Iterator<Item = (&[u8], ParamRef<'a>)> {
        let mut prev: Option<&[u8]> = None;
        self.by_name.iter().filter_map(move |(k, p)| {
            if prev == Some(k.as_slice()) {
                return None;
            }
            prev = Some(k.as_slice());
            Some((k.as_slice(), *p))
        })
    }

    /// The first parameter whose name equals `name` (mapped by `key`, any case).
    pub(crate) fn find(&self, name: &[u8]) -> Option<ParamRef<'a>> {
        self.find_key(&(self.key)(name).to_ascii_lowercase())
    }

    /// The first parameter whose mapped, lower-cased name is `key` (as [`ParamIndex::firsts`]
    /// yields it).
    pub(crate) fn find_key(&self, key: &[u8]) -> Option<ParamRef<'a>> {
        let i = self.by_name.partition_point(|(k, _)| k.as_slice() < key);
        self.by_name
            .get(i)
            .filter(|(k, _)| k.as_slice() == key)
            .map(|&(_, p)| p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(pairs: &[(&str, Option<&str>)]) -> Params {
        let mut p = Params::new();
        for (n, v) in pairs {
            p.push(n.as_bytes(), v.map(str::as_bytes));
        }
        p
    }

    #[test]
    fn index_finds_the_first_of_equal_names() {
        let params = list(&[
            ("b", Some("1")),
            ("A", Some("2")),
            ("a", Some("3")),
            ("c", Some("4")),
        ]);
        let index = ParamIndex::new(&params, |n| Cow::Borrowed(n));
        let value = |n: &[u8]| index.find(n).and_then(|p| p.value);
        assert_eq!(value(b"a"), Some(&b"2"[..]));
        assert_eq!(value(b"C"), Some(&b"4"[..]));
        assert_eq!(value(b"d"), None);
    }

    #[test]
    fn generic_params_parse() {
        let src = Bytes::from_static(
            b";branch=z9hG4bK1 ; received=2001:db8::9;rport;x=\"a;b\";m=[::1] ,next",
        );
        let mut c = Cursor::new(&src);
        let p = Params::from_parts(src.clone(), parse_generic_params(&mut c).unwrap());
        assert_eq!(p.len(), 5);
        assert_eq!(p.get("received"), Some(Some(&b"2001:db8::9"[..])));
        assert_eq!(p.get("rport"), Some(None));
        assert_eq!(&*p.find("x").unwrap().value_text().unwrap(), b"a;b");
        assert_eq!(p.get("m"), Some(Some(&b"[::1]"[..])));
        assert_eq!(p.get_bytes("m"), Some(Bytes::from_static(b"[::1]")));
        assert_eq!(c.rest(), b" ,next");
        let bad = Bytes::from_static(b";=x");
        assert_eq!(
            parse_generic_params(&mut Cursor::new(&bad))
                .unwrap_err()
                .kind,
            ErrorKind::Token
        );
    }

    #[test]
    fn lookup_is_case_insensitive_and_ordered() {
        let mut p = list(&[("Tag", Some("abc")), ("lr", None)]);
        assert_eq!(p.get("tag"), Some(Some(&b"abc"[..])));
        assert_eq!(p.get("LR"), Some(None));
        assert_eq!(p.get("x"), None);
        p.set("lr", Some(b"on"));
        p.set("new", None);
        let mut out = Vec::new();
        p.write_to(&mut out);
        assert_eq!(out, b";Tag=abc;lr=on;new");
        assert!(p.remove("TAG"));
        assert_eq!(p.len(), 2);
        assert!(!p.remove("TAG"));
    }

    #[test]
    fn quoted_value_text() {
        let p = list(&[("x", Some("\"a\\\"b\""))]);
        assert_eq!(&*p.find("x").unwrap().value_text().unwrap(), b"a\"b");
    }

    #[test]
    fn lists_compare_by_bytes_not_offsets() {
        let src = Bytes::from_static(b"xx;a=1;b");
        let mut c = Cursor::new(&src);
        c.set_pos(2);
        let parsed = Params::from_parts(src.clone(), parse_generic_params(&mut c).unwrap());
        assert_eq!(parsed, list(&[("a", Some("1")), ("b", None)]));
        assert_ne!(parsed, list(&[("a", Some("1")), ("b", Some(""))]));
        let rebased = parsed.clone().rebased(src.slice(2..), 2);
        assert_eq!(rebased, parsed);
        assert_eq!(rebased.get("a"), Some(Some(&b"1"[..])));
    }
}
