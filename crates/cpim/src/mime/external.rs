//! `message/external-body` with `access-type=URL` (RFC 4483 §4, RFC 2046 §5.2.3, RFC 2017):
//! content that is not carried but pointed at, as the conference's system messages may do for
//! large or external content (REQ: SW-10).
//!
//! ```text
//! Content-Type: message/external-body; access-type=URL;
//!     URL="http://www.example.com/the-content"; size=52723;
//!     expiration="Sat, 20 Jun 2002 12:00:00 GMT"
//!
//! Content-Type: image/png           <- the "phantom" headers of the content pointed at
//! Content-ID: <4e5562cd1214427d@example.com>
//! ```

use bytes::Bytes;

use super::BuildError;
use super::content_type::ContentType;
use super::headers::MimeHeaders;
use super::lex::{eq_ic, is_safe_value};
use super::params::{Params, parse_u64};
use crate::{ErrorKind, ParseError, Result};

/// A `message/external-body` value: the outer Content-Type parameters and the phantom headers
/// that describe the content pointed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalBody {
    params: Params,
    headers: MimeHeaders,
}

impl ExternalBody {
    /// Reads an external body from its Content-Type and its body. Errors in the phantom headers
    /// are located in `body`; the others at offset 0.
    ///
    /// # Errors
    /// [`ErrorKind::Mime`] at 0 if the type is not `message/external-body`, has no
    /// `access-type`, or is `access-type=URL` without a `URL`; header errors of
    /// [`MimeHeaders::parse`].
    pub fn parse(content_type: &ContentType, body: &Bytes) -> Result<Self> {
        let mime = ParseError::new(ErrorKind::Mime, 0);
        if !content_type.is("message", "external-body") {
            return Err(mime);
        }
        let access = content_type.param("access-type").ok_or(mime)?;
        if eq_ic(access, b"URL") && content_type.param("URL").is_none() {
            return Err(mime);
        }
        let (headers, _) = MimeHeaders::parse(body)?;
        Ok(Self {
            params: content_type.params().clone(),
            headers,
        })
    }

    /// Starts an external body pointing at `url`, whose content has type `content_type`
    /// (for example `image/png`), with `access-type=URL`.
    ///
    /// # Errors
    /// [`BuildError::HeaderValue`] if `url` or `content_type` holds CR, LF or NUL.
    pub fn url_builder(url: &str, content_type: &[u8]) -> core::result::Result<Self, BuildError> {
        let mut params = Params::new();
        params.push("access-type", "URL", false)?;
        // RFC 2017 §3: the URL is always a quoted string.
        params.push("URL", Bytes::copy_from_slice(url.as_bytes()), true)?;
        let headers = MimeHeaders::new().with("Content-Type", content_type)?;
        Ok(Self { params, headers })
    }

    /// Adds `size` (octets of the content pointed at; RFC 4483, RFC 2046 §5.2.3).
    ///
    /// # Errors
    /// Never in practice; kept fallible like the other builder steps.
    pub fn with_size(mut self, size: u64) -> core::result::Result<Self, BuildError> {
        self.params
            .push("size", Bytes::from(size.to_string()), false)?;
        Ok(self)
    }

    /// Adds `expiration` (an RFC 5322 date-time given by the caller, e.g.
    /// `Sat, 20 Jun 2002 12:00:00 GMT`), after which the URL may no longer be valid.
    ///
    /// # Errors
    /// [`BuildError::HeaderValue`] if the text holds CR, LF or NUL.
    pub fn with_expiration(mut self, date: &str) -> core::result::Result<Self, BuildError> {
        self.params
            .push("expiration", Bytes::copy_from_slice(date.as_bytes()), true)?;
        Ok(self)
    }

    /// Adds a phantom header (for example `Content-ID`, `Content-Disposition`).
    ///
    /// # Errors
    /// As [`MimeHeaders::push`].
    pub fn with_header(
        mut self,
        name: &str,
        value: &[u8],
    ) -> core::result::Result<Self, BuildError> {
        if !is_safe_value(value) {
            return Err(BuildError::HeaderValue);
        }
        self.headers.push(name, value)?;
        Ok(self)
    }

    /// The Content-Type header value and the body to send.
    #[must_use]
    pub fn build(&self) -> (Bytes, Bytes) {
        let mut ct = b"message/external-body".to_vec();
        self.params.write(&mut ct);
        let mut body = Vec::with_capacity(self.headers.raw().len() + 2);
        body.extend_from_slice(self.headers.raw());
        body.extend_from_slice(b"\r\n");
        (Bytes::from(ct), Bytes::from(body))
    }

    /// `access-type` (`URL` for RFC 4483).
    #[must_use]
    pub fn access_type(&self) -> Option<&Bytes> {
        self.params.get("access-type")
    }

    /// The `URL` parameter.
    #[must_use]
    pub fn url(&self) -> Option<&Bytes> {
        self.params.get("URL")
    }

    /// `size` in octets, if present and a number.
    #[must_use]
    pub fn size(&self) -> Option<u64> {
        self.params.get("size").and_then(|s| parse_u64(s))
    }

    /// `expiration` as its text (not parsed: no clock here).
    #[must_use]
    pub fn expiration(&self) -> Option<&Bytes> {
        self.params.get("expiration")
    }

    /// All outer parameters in order.
    #[must_use]
    pub const fn params(&self) -> &Params {
        &self.params
    }

    /// The phantom headers describing the content pointed at.
    #[must_use]
    pub const fn headers(&self) -> &MimeHeaders {
        &self.headers
    }

    /// The Content-Type of the content pointed at, from the phantom headers.
    #[must_use]
    pub fn content_type(&self) -> Option<Result<ContentType>> {
        self.headers.content_type()
    }
}
