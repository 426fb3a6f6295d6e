//! `*(";" parameter)` lists of RFC 2045 §5.1, shared by Content-Type, Content-Disposition and
//! message/external-body.

use bytes::Bytes;
use smallvec::SmallVec;

use super::BuildError;
use super::lex::{Cursor, eq_ic, is_safe_value, write_quoted, write_token_or_quoted};
use crate::chars::is_token;
use crate::{ErrorKind, Result};

/// One `attribute=value` parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    /// The attribute name as written (compare case-insensitively).
    pub name: Bytes,
    /// The value: a token, or a quoted string's text with quoted-pairs resolved.
    pub value: Bytes,
    /// True if the value was (or is to be) written as a quoted string.
    pub quoted: bool,
}

/// An ordered list of parameters with case-insensitive lookup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Params(SmallVec<[Param; 4]>);

impl Params {
    /// An empty list.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of the first parameter called `name` (ASCII case-insensitive).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Bytes> {
        self.0
            .iter()
            .find(|p| eq_ic(&p.name, name.as_bytes()))
            .map(|p| &p.value)
    }

    /// The parameters in order.
    pub fn iter(&self) -> impl Iterator<Item = &Param> {
        self.0.iter()
    }

    /// How many parameters there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends a parameter; `quoted` forces a quoted string when written (otherwise the value
    /// is quoted only if it is not a token).
    ///
    /// # Errors
    /// [`BuildError::HeaderName`] if `name` is not a token, [`BuildError::HeaderValue`] if
    /// `value` holds CR, LF or NUL.
    pub fn push(
        &mut self,
        name: impl Into<Bytes>,
        value: impl Into<Bytes>,
        quoted: bool,
    ) -> core::result::Result<(), BuildError> {
        let (name, value) = (name.into(), value.into());
        if name.is_empty() || !name.iter().all(|&b| is_token(b)) {
            return Err(BuildError::HeaderName);
        }
        if !is_safe_value(&value) {
            return Err(BuildError::HeaderValue);
        }
        // Record how the value will be written, so that a built list equals its parse.
        let quoted = quoted || value.is_empty() || !value.iter().all(|&b| is_token(b));
        self.push_parsed(name, value, quoted);
        Ok(())
    }

    fn push_parsed(&mut self, name: Bytes, value: Bytes, quoted: bool) {
        self.0.push(Param {
            name,
            value,
            quoted,
        });
    }

    /// Parses `*(CFWS ";" CFWS attribute CFWS "=" CFWS value) CFWS` up to the end of the input.
    pub(crate) fn parse(c: &mut Cursor<'_>) -> Result<Self> {
        let mut params = Self::new();
        loop {
            c.skip_cfws()?;
            if c.is_empty() {
                return Ok(params);
            }
            if !c.eat(b';') {
                return Err(c.error(ErrorKind::Mime));
            }
            c.skip_cfws()?;
            // A trailing `;` is common in the wild; accept it.
            if c.is_empty() {
                return Ok(params);
            }
            let name = c.token()?;
            c.skip_cfws()?;
            if !c.eat(b'=') {
                return Err(c.error(ErrorKind::Mime));
            }
            c.skip_cfws()?;
            let (value, quoted) = if c.peek() == Some(b'"') {
                (c.quoted_string()?, true)
            } else {
                (c.token()?, false)
            };
            params.push_parsed(name, value, quoted);
        }
    }

    /// Writes `; name=value` for each parameter.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        for p in &self.0 {
            out.extend_from_slice(b"; ");
            out.extend_from_slice(&p.name);
            out.push(b'=');
            if p.quoted {
                write_quoted(out, &p.value);
            } else {
                write_token_or_quoted(out, &p.value);
            }
        }
    }
}

/// Parses a decimal `u64` (a `size` parameter, RFC 2183 §2.7; a `Content-Length` value).
pub(crate) fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        if d.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        } else {
            None
        }
    })
}
