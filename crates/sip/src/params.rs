//! Parameter lists (`;name=value`) of URIs and header values, kept in order.

use bytes::Bytes;
use smallvec::SmallVec;

use crate::error::{ErrorKind, Result};
use crate::lex::{Cursor, is_token};

/// Parses `*( SEMI generic-param )` at the cursor (RFC 3261 §25.1):
/// `generic-param = token [ EQUAL gen-value ]`, `gen-value = token / host / quoted-string`.
///
/// `src` must be the `Bytes` the cursor walks; the result holds slices of it. A bare IPv6
/// address (`received=2001:db8::9`, RFC 5118 §4.5) is accepted as a value. Stops before the
/// first byte that is not `;` (after optional white space), leaving it to the caller.
pub(crate) fn parse_generic_params(cur: &mut Cursor<'_>, src: &Bytes) -> Result<Params> {
    let mut params = Params::new();
    while cur.eat_sep(b';') {
        let name = cur.token()?;
        let value = if cur.eat_sep(b'=') {
            let v = match cur.peek() {
                Some(b'"') => cur.quoted_string()?,
                Some(b'[') => {
                    let start = cur.pos();
                    cur.take_while(|b| b != b']' && b != b';' && b != b',');
                    cur.expect(b']')?;
                    cur.input().get(start..cur.pos()).unwrap_or_default()
                }
                _ => {
                    let v = cur.take_while(|b| is_token(b) || b == b':');
                    if v.is_empty() {
                        return Err(cur.error(ErrorKind::Token));
                    }
                    v
                }
            };
            Some(src.slice_ref(v))
        } else {
            None
        };
        params.push(Param {
            name: src.slice_ref(name),
            value,
        });
    }
    Ok(params)
}

/// One parameter: a name and an optional value, both as they appeared on the wire.
///
/// For header parameters a quoted-string value keeps its quotes here; [`Param::value_text`]
/// gives it unquoted. For URI parameters the bytes are as written, %-escapes included.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    /// The parameter name.
    pub name: Bytes,
    /// The value after `=`, if any.
    pub value: Option<Bytes>,
}

impl Param {
    /// A parameter from a name and an optional value.
    #[must_use]
    pub fn new(name: impl Into<Bytes>, value: Option<Bytes>) -> Self {
        Self {
            name: name.into(),
            value,
        }
    }

    /// The value with surrounding quotes removed and quoted-pairs resolved, if it was a
    /// quoted string; the raw value otherwise.
    #[must_use]
    pub fn value_text(&self) -> Option<std::borrow::Cow<'_, [u8]>> {
        let v = self.value.as_deref()?;
        match v {
            [b'"', inner @ .., b'"'] => Some(crate::lex::unquote(inner)),
            _ => Some(std::borrow::Cow::Borrowed(v)),
        }
    }
}

/// An ordered list of parameters. Names compare ASCII case-insensitively (RFC 3261 §7.3.1,
/// §19.1.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Params(SmallVec<[Param; 1]>);

impl Params {
    /// An empty list, usable where a `&'static Params` is needed.
    pub const EMPTY: Self = Self(SmallVec::new_const());

    /// An empty list.
    #[must_use]
    pub fn new() -> Self {
        Self(SmallVec::new())
    }

    /// Appends a parameter.
    pub fn push(&mut self, p: Param) {
        self.0.push(p);
    }

    /// The first parameter called `name`.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<&Param> {
        self.0
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name.as_bytes()))
    }

    /// `Some(value)` if a parameter called `name` is present (`Some(None)` when it has no
    /// value), `None` if absent.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Option<&Bytes>> {
        self.find(name).map(|p| p.value.as_ref())
    }

    /// True if a parameter called `name` is present.
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// The parameters in order.
    pub fn iter(&self) -> impl Iterator<Item = &Param> {
        self.0.iter()
    }

    /// How many parameters.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes every parameter called `name`; returns true if any was removed.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0
            .retain(|p| !p.name.eq_ignore_ascii_case(name.as_bytes()));
        self.0.len() != before
    }

    /// Sets `name` to `value`, replacing an existing parameter of that name in place or
    /// appending a new one.
    pub fn set(&mut self, name: &str, value: Option<Bytes>) {
        match self
            .0
            .iter_mut()
            .find(|p| p.name.eq_ignore_ascii_case(name.as_bytes()))
        {
            Some(p) => p.value = value,
            None => self
                .0
                .push(Param::new(Bytes::copy_from_slice(name.as_bytes()), value)),
        }
    }

    /// Writes `;name[=value]` for each parameter, in order.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        for p in &self.0 {
            out.push(b';');
            out.extend_from_slice(&p.name);
            if let Some(v) = &p.value {
                out.push(b'=');
                out.extend_from_slice(v);
            }
        }
    }
}

/// A parameter list indexed by name (as `key` maps it, then ASCII lower-cased), so that
/// comparing two lists costs O(n log n) instead of one scan of a list per parameter of the
/// other: a 64 KiB value holds thousands of parameters.
pub(crate) struct ParamIndex<'a> {
    by_name: Vec<(Vec<u8>, &'a Param)>,
    key: fn(&[u8]) -> std::borrow::Cow<'_, [u8]>,
}

impl<'a> ParamIndex<'a> {
    /// Indexes `params`; `key` maps a name before it is compared (`unescape` for URIs).
    pub(crate) fn new(params: &'a Params, key: fn(&[u8]) -> std::borrow::Cow<'_, [u8]>) -> Self {
        let mut by_name: Vec<_> = params
            .iter()
            .map(|p| (key(&p.name).to_ascii_lowercase(), p))
            .collect();
        // Stable: among equal names the first in the list stays first.
        by_name.sort_by(|a, b| a.0.cmp(&b.0));
        Self { by_name, key }
    }

    /// The first parameter of each distinct name, in name order: what [`ParamIndex::find`]
    /// answers for that name. Comparing through these keeps a list with a repeated name equal
    /// to itself.
    pub(crate) fn firsts(&self) -> impl Iterator<Item = (&[u8], &'a Param)> {
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
    pub(crate) fn find(&self, name: &[u8]) -> Option<&'a Param> {
        self.find_key(&(self.key)(name).to_ascii_lowercase())
    }

    /// The first parameter whose mapped, lower-cased name is `key` (as [`ParamIndex::firsts`]
    /// yields it).
    pub(crate) fn find_key(&self, key: &[u8]) -> Option<&'a Param> {
        let i = self.by_name.partition_point(|(k, _)| k.as_slice() < key);
        self.by_name
            .get(i)
            .filter(|(k, _)| k.as_slice() == key)
            .map(|&(_, p)| p)
    }
}

impl<'a> IntoIterator for &'a Params {
    type Item = &'a Param;
    type IntoIter = core::slice::Iter<'a, Param>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<Param> for Params {
    fn from_iter<T: IntoIterator<Item = Param>>(iter: T) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_finds_the_first_of_equal_names() {
        let params: Params = [("b", "1"), ("A", "2"), ("a", "3"), ("c", "4")]
            .into_iter()
            .map(|(n, v)| Param::new(n, Some(Bytes::from_static(v.as_bytes()))))
            .collect();
        let index = ParamIndex::new(&params, |n| std::borrow::Cow::Borrowed(n));
        let value = |n: &[u8]| index.find(n).and_then(|p| p.value.clone());
        assert_eq!(value(b"a"), Some(Bytes::from_static(b"2")));
        assert_eq!(value(b"C"), Some(Bytes::from_static(b"4")));
        assert_eq!(value(b"d"), None);
    }

    #[test]
    fn generic_params_parse() {
        let src = Bytes::from_static(
            b";branch=z9hG4bK1 ; received=2001:db8::9;rport;x=\"a;b\";m=[::1] ,next",
        );
        let mut c = Cursor::new(&src);
        let p = parse_generic_params(&mut c, &src).unwrap();
        assert_eq!(p.len(), 5);
        assert_eq!(
            p.get("received"),
            Some(Some(&Bytes::from_static(b"2001:db8::9")))
        );
        assert_eq!(p.get("rport"), Some(None));
        assert_eq!(&*p.find("x").unwrap().value_text().unwrap(), b"a;b");
        assert_eq!(p.get("m"), Some(Some(&Bytes::from_static(b"[::1]"))));
        assert_eq!(c.rest(), b" ,next");
        let bad = Bytes::from_static(b";=x");
        assert_eq!(
            parse_generic_params(&mut Cursor::new(&bad), &bad)
                .unwrap_err()
                .kind,
            ErrorKind::Token
        );
    }

    #[test]
    fn lookup_is_case_insensitive_and_ordered() {
        let mut p = Params::new();
        p.push(Param::new("Tag", Some(Bytes::from_static(b"abc"))));
        p.push(Param::new("lr", None));
        assert_eq!(p.get("tag"), Some(Some(&Bytes::from_static(b"abc"))));
        assert_eq!(p.get("LR"), Some(None));
        assert_eq!(p.get("x"), None);
        p.set("lr", Some(Bytes::from_static(b"on")));
        p.set("new", None);
        let mut out = Vec::new();
        p.write_to(&mut out);
        assert_eq!(out, b";Tag=abc;lr=on;new");
        assert!(p.remove("TAG"));
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn quoted_value_text() {
        let p = Param::new("x", Some(Bytes::from_static(b"\"a\\\"b\"")));
        assert_eq!(&*p.value_text().unwrap(), b"a\"b");
    }
}
