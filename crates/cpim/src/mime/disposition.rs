//! The `Content-Disposition` value (RFC 2183 §2, with the SIP types of RFC 3261 §20.11 and
//! RFC 3204 `handling`): `disposition-type *(";" disposition-parm)`.

use bytes::Bytes;

use super::BuildError;
use super::lex::{Cursor, eq_ic};
use super::params::{Params, parse_u64};
use crate::Result;
use crate::chars::is_token;

/// The disposition type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DispositionType {
    /// `render`: show the body to the user (RFC 3261 §20.11).
    Render,
    /// `session`: the body describes a session (SDP).
    Session,
    /// `attachment`: keep apart, not shown automatically (RFC 2183 §2.2; REQ: CPIM-3).
    Attachment,
    /// `inline`: show with the message (RFC 2183 §2.1).
    Inline,
    /// `icon`: an image suitable as an icon of the caller.
    Icon,
    /// `alert`: a ring tone or similar alert.
    Alert,
    /// Any other token, as written.
    Other(Bytes),
}

impl DispositionType {
    fn from_token(t: Bytes) -> Self {
        const KNOWN: [(&[u8], DispositionType); 6] = [
            (b"render", DispositionType::Render),
            (b"session", DispositionType::Session),
            (b"attachment", DispositionType::Attachment),
            (b"inline", DispositionType::Inline),
            (b"icon", DispositionType::Icon),
            (b"alert", DispositionType::Alert),
        ];
        KNOWN
            .into_iter()
            .find(|(name, _)| eq_ic(&t, name))
            .map_or(Self::Other(t), |(_, d)| d)
    }

    /// The token, in the RFC's lower case for the known types.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Render => b"render",
            Self::Session => b"session",
            Self::Attachment => b"attachment",
            Self::Inline => b"inline",
            Self::Icon => b"icon",
            Self::Alert => b"alert",
            Self::Other(t) => t,
        }
    }
}

/// The `handling` parameter (RFC 3261 §20.11).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Handling {
    /// `required`: a receiver that does not understand the body must fail the request.
    Required,
    /// `optional`: the body may be ignored.
    Optional,
    /// Any other token, as written.
    Other(Bytes),
}

/// A parsed (or built) Content-Disposition value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContentDisposition {
    disposition: DispositionType,
    params: Params,
}

impl ContentDisposition {
    /// Parses a Content-Disposition header value; errors are located in `value`.
    ///
    /// # Errors
    /// [`crate::ErrorKind::Mime`] where the grammar breaks, [`crate::ErrorKind::QuotedString`]
    /// at an unterminated quoted string.
    pub fn parse(value: &Bytes) -> Result<Self> {
        let mut c = Cursor::new(value);
        c.skip_cfws()?;
        let disposition = DispositionType::from_token(c.token()?);
        let params = Params::parse(&mut c)?;
        Ok(Self {
            disposition,
            params,
        })
    }

    /// A disposition without parameters.
    ///
    /// # Errors
    /// [`BuildError::HeaderValue`] if an `Other` type is not a token.
    pub fn new(disposition: DispositionType) -> core::result::Result<Self, BuildError> {
        if let DispositionType::Other(t) = &disposition {
            if t.is_empty() || !t.iter().all(|&b| is_token(b)) {
                return Err(BuildError::HeaderValue);
            }
        }
        Ok(Self {
            disposition,
            params: Params::new(),
        })
    }

    /// The same value with a parameter appended. RFC 2183 writes `filename` and the dates as
    /// quoted strings; use `quoted = true` for them.
    ///
    /// # Errors
    /// As [`Params::push`].
    pub fn with_param(
        mut self,
        name: impl Into<Bytes>,
        value: impl Into<Bytes>,
        quoted: bool,
    ) -> core::result::Result<Self, BuildError> {
        self.params.push(name, value, quoted)?;
        Ok(self)
    }

    /// The disposition type.
    #[must_use]
    pub const fn disposition(&self) -> &DispositionType {
        &self.disposition
    }

    /// The parameters in order.
    #[must_use]
    pub const fn params(&self) -> &Params {
        &self.params
    }

    /// `filename` (RFC 2183 §2.3).
    #[must_use]
    pub fn filename(&self) -> Option<&Bytes> {
        self.params.get("filename")
    }

    /// `handling` (RFC 3261 §20.11).
    #[must_use]
    pub fn handling(&self) -> Option<Handling> {
        let h = self.params.get("handling")?;
        Some(if eq_ic(h, b"required") {
            Handling::Required
        } else if eq_ic(h, b"optional") {
            Handling::Optional
        } else {
            Handling::Other(h.clone())
        })
    }

    /// `size` in octets (RFC 2183 §2.7); `None` if absent or not a number that fits `u64`.
    #[must_use]
    pub fn size(&self) -> Option<u64> {
        self.params.get("size").and_then(|s| parse_u64(s))
    }

    /// `creation-date` as its text (an RFC 5322 date-time; RFC 2183 §2.4). Not parsed here.
    #[must_use]
    pub fn creation_date(&self) -> Option<&Bytes> {
        self.params.get("creation-date")
    }

    /// `modification-date` as its text (RFC 2183 §2.5).
    #[must_use]
    pub fn modification_date(&self) -> Option<&Bytes> {
        self.params.get("modification-date")
    }

    /// The header value as bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        let mut out = Vec::with_capacity(32);
        out.extend_from_slice(self.disposition.as_bytes());
        self.params.write(&mut out);
        Bytes::from(out)
    }
}
