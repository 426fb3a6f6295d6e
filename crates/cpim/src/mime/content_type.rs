//! The `Content-Type` value (RFC 2045 §5.1):
//! `type "/" subtype *(";" parameter)`, `parameter = attribute "=" value`,
//! `value = token / quoted-string`. Comments and folds (CFWS) may appear between the pieces.

use bytes::Bytes;

use super::BuildError;
use super::lex::{Cursor, eq_ic};
use super::params::Params;
use crate::chars::is_token;
use crate::{ErrorKind, Result};

/// A parsed (or built) Content-Type value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContentType {
    mime_type: Bytes,
    subtype: Bytes,
    params: Params,
}

impl ContentType {
    /// Parses a Content-Type header value (without the `Content-Type:` name). Type, subtype,
    /// names and token values are slices of `value`. Errors are located in `value`.
    ///
    /// # Errors
    /// [`ErrorKind::Mime`] where the grammar breaks, [`ErrorKind::QuotedString`] at an
    /// unterminated quoted string.
    pub fn parse(value: &Bytes) -> Result<Self> {
        let mut c = Cursor::new(value);
        c.skip_cfws()?;
        let mime_type = c.token()?;
        c.skip_cfws()?;
        if !c.eat(b'/') {
            return Err(c.error(ErrorKind::Mime));
        }
        c.skip_cfws()?;
        let subtype = c.token()?;
        let params = Params::parse(&mut c)?;
        Ok(Self {
            mime_type,
            subtype,
            params,
        })
    }

    /// A Content-Type `type/subtype` without parameters.
    ///
    /// # Errors
    /// [`BuildError::HeaderValue`] if either is not a token.
    pub fn new(
        mime_type: impl Into<Bytes>,
        subtype: impl Into<Bytes>,
    ) -> core::result::Result<Self, BuildError> {
        let (mime_type, subtype) = (mime_type.into(), subtype.into());
        let ok = |t: &[u8]| !t.is_empty() && t.iter().all(|&b| is_token(b));
        if !ok(&mime_type) || !ok(&subtype) {
            return Err(BuildError::HeaderValue);
        }
        Ok(Self {
            mime_type,
            subtype,
            params: Params::new(),
        })
    }

    /// The same value with a parameter appended (quoted only if the value is not a token).
    ///
    /// # Errors
    /// As [`Params::push`].
    pub fn with_param(
        mut self,
        name: impl Into<Bytes>,
        value: impl Into<Bytes>,
    ) -> core::result::Result<Self, BuildError> {
        self.params.push(name, value, false)?;
        Ok(self)
    }

    /// The same value with a parameter appended, always written as a quoted string.
    ///
    /// # Errors
    /// As [`Params::push`].
    pub fn with_quoted_param(
        mut self,
        name: impl Into<Bytes>,
        value: impl Into<Bytes>,
    ) -> core::result::Result<Self, BuildError> {
        self.params.push(name, value, true)?;
        Ok(self)
    }

    /// The top-level media type (`multipart` in `multipart/mixed`), as written.
    #[must_use]
    pub const fn mime_type(&self) -> &Bytes {
        &self.mime_type
    }

    /// The subtype (`mixed` in `multipart/mixed`), as written.
    #[must_use]
    pub const fn subtype(&self) -> &Bytes {
        &self.subtype
    }

    /// True if this is `mime_type/subtype`, compared ASCII case-insensitively.
    #[must_use]
    pub fn is(&self, mime_type: &str, subtype: &str) -> bool {
        eq_ic(&self.mime_type, mime_type.as_bytes()) && eq_ic(&self.subtype, subtype.as_bytes())
    }

    /// True for any `multipart/*` type.
    #[must_use]
    pub fn is_multipart(&self) -> bool {
        eq_ic(&self.mime_type, b"multipart")
    }

    /// The parameters in order.
    #[must_use]
    pub const fn params(&self) -> &Params {
        &self.params
    }

    /// A parameter's value by name (ASCII case-insensitive).
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&Bytes> {
        self.params.get(name)
    }

    /// The `boundary` parameter of a multipart type (RFC 2046 §5.1.1).
    #[must_use]
    pub fn boundary(&self) -> Option<&Bytes> {
        self.params.get("boundary")
    }

    /// The `charset` parameter (RFC 2046 §4.1.2).
    #[must_use]
    pub fn charset(&self) -> Option<&Bytes> {
        self.params.get("charset")
    }

    /// The header value as bytes: `type/subtype; name=value...`.
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        let mut out = Vec::with_capacity(self.mime_type.len() + self.subtype.len() + 32);
        out.extend_from_slice(&self.mime_type);
        out.push(b'/');
        out.extend_from_slice(&self.subtype);
        self.params.write(&mut out);
        Bytes::from(out)
    }
}
