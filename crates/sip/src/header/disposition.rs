//! `Content-Disposition` (RFC 3261 §20.11, RFC 2183): how to treat the body.
//!
//! ```text
//! Content-Disposition = "Content-Disposition" HCOLON disp-type *( SEMI disp-param )
//! disp-type           = "render" / "session" / "icon" / "alert" / disp-extension-token
//! disp-param          = handling-param / generic-param
//! handling-param      = "handling" EQUAL ( "optional" / "required" / other-handling )
//! ```

use super::value::display_raw;
use std::borrow::Cow;

use bytes::Bytes;

use super::TypedHeader;
use crate::error::Result;
use crate::lex::Cursor;
use crate::name::HeaderName;
use crate::params::{Params, parse_generic_params};

/// A disposition type, compared case-insensitively on parse.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DispositionType {
    /// `render`: show the body to the user (RFC 3261).
    Render,
    /// `session`: the body describes a session (SDP, RFC 3261).
    Session,
    /// `icon`: an image to show (RFC 3261).
    Icon,
    /// `alert`: a sound to play (RFC 3261).
    Alert,
    /// `attachment` (RFC 2183), e.g. a file in MSRP (OMA IM).
    Attachment,
    /// `inline` (RFC 2183).
    Inline,
    /// Any other token, as written.
    Other(Bytes),
}

const DISPOSITIONS: [(&str, DispositionType); 6] = [
    ("render", DispositionType::Render),
    ("session", DispositionType::Session),
    ("icon", DispositionType::Icon),
    ("alert", DispositionType::Alert),
    ("attachment", DispositionType::Attachment),
    ("inline", DispositionType::Inline),
];

impl DispositionType {
    /// The type as written on the wire (lower case for the known ones).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Other(b) => b,
            known => DISPOSITIONS
                .iter()
                .find(|(_, d)| d == known)
                .map_or(&b""[..], |(n, _)| n.as_bytes()),
        }
    }

    /// The type named by `t`, a slice of `src` (which an extension type shares).
    fn from_token(src: &Bytes, t: &[u8]) -> Self {
        DISPOSITIONS
            .iter()
            .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(t))
            .map_or_else(|| Self::Other(src.slice_ref(t)), |(_, d)| d.clone())
    }
}

/// The `handling` parameter (RFC 3261 §20.11): may the recipient ignore an unknown body?
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Handling {
    /// `optional`: ignore it if not understood.
    Optional,
    /// `required`: fail the request (415) if not understood.
    Required,
    /// Any other token, as written.
    Other(Bytes),
}

impl Handling {
    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Optional => b"optional",
            Self::Required => b"required",
            Self::Other(b) => b,
        }
    }
}

/// `Content-Disposition` (RFC 3261 §20.11, RFC 2183).
#[derive(Debug, Clone)]
pub struct ContentDisposition {
    disposition: DispositionType,
    /// The parameters; their source is the whole value, which is also its raw text.
    params: Params,
}

eq_hash_by_key!(ContentDisposition, key);

impl ContentDisposition {
    /// A Content-Disposition of `disposition` without parameters.
    #[must_use]
    pub fn new(disposition: DispositionType) -> Self {
        let mut d = Self {
            disposition,
            params: Params::new(),
        };
        d.render();
        d
    }

    /// Writes `type;params` and makes it the parameters' source.
    fn render(&mut self) {
        let mut out = self.disposition.as_bytes().to_vec();
        let items = self.params.write_spans(&mut out);
        self.params = Params::from_parts(Bytes::from(out), items);
    }

    fn key(&self) -> (&DispositionType, &Params, &[u8]) {
        (&self.disposition, &self.params, self.params.src())
    }

    /// This value with `handling` set.
    #[must_use]
    pub fn with_handling(mut self, handling: Handling) -> Self {
        self.params.set("handling", Some(handling.as_bytes()));
        self.render();
        self
    }

    /// This value with `filename` set (RFC 2183 §2.3), written as a quoted string.
    #[must_use]
    pub fn with_filename(mut self, filename: &str) -> Self {
        let mut q = Vec::with_capacity(filename.len() + 2);
        super::value::write_quoted(&mut q, filename);
        self.params.set("filename", Some(&q));
        self.render();
        self
    }

    /// The disposition type.
    #[must_use]
    pub const fn disposition(&self) -> &DispositionType {
        &self.disposition
    }

    /// The `handling` parameter; `None` when absent (which means `required`, RFC 3261
    /// §20.11).
    #[must_use]
    pub fn handling(&self) -> Option<Handling> {
        let v = self.params.get("handling").flatten()?;
        Some(if v.eq_ignore_ascii_case(b"optional") {
            Handling::Optional
        } else if v.eq_ignore_ascii_case(b"required") {
            Handling::Required
        } else {
            Handling::Other(self.params.get_bytes("handling").unwrap_or_default())
        })
    }

    /// The `filename` parameter (RFC 2183 §2.3), unquoted.
    #[must_use]
    pub fn filename(&self) -> Option<Cow<'_, [u8]>> {
        self.params.find("filename")?.value_text()
    }

    /// All parameters, in order.
    #[must_use]
    pub const fn params(&self) -> &Params {
        &self.params
    }
}

impl TypedHeader for ContentDisposition {
    const NAME: HeaderName = HeaderName::ContentDisposition;
    const LIST: bool = false;
    fn parse(value: &Bytes) -> Result<Self> {
        Self::parse_owned(value.clone())
    }

    fn parse_owned(value: Bytes) -> Result<Self> {
        let mut cur = Cursor::new(&value);
        let t = cur.token()?;
        let items = parse_generic_params(&mut cur)?;
        cur.finish()?;
        let disposition = DispositionType::from_token(&value, t);
        Ok(Self {
            disposition,
            params: Params::from_parts(value, items),
        })
    }
}

display_raw!(ContentDisposition, |this| this.params.src());

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, ParseError};

    use crate::header::value::test_bytes as b;

    // REQ: SIP-2 (RFC 3261 §20.11; OMA IM: `attachment` for files over MSRP)
    #[test]
    fn dispositions() {
        let d = ContentDisposition::parse(&b("session;handling=optional")).unwrap();
        assert_eq!(d.disposition(), &DispositionType::Session);
        assert_eq!(d.handling(), Some(Handling::Optional));
        let d = ContentDisposition::parse(&b("Attachment ; filename=\"My Photo.jpg\"")).unwrap();
        assert_eq!(d.disposition(), &DispositionType::Attachment);
        assert_eq!(d.filename().unwrap().as_ref(), b"My Photo.jpg");
        assert_eq!(d.handling(), None);
        let d = ContentDisposition::parse(&b("recipient-list;handling=x")).unwrap();
        assert_eq!(
            d.disposition(),
            &DispositionType::Other(b("recipient-list"))
        );
        assert_eq!(d.handling(), Some(Handling::Other(b("x"))));
        let built =
            ContentDisposition::new(DispositionType::Render).with_handling(Handling::Required);
        assert_eq!(built.to_string(), "render;handling=required");
        assert_eq!(
            ContentDisposition::parse(&b("render;handling=required")).unwrap(),
            built
        );
        let built = ContentDisposition::new(DispositionType::Attachment).with_filename("a\"b");
        assert_eq!(built.to_string(), "attachment;filename=\"a\\\"b\"");
        assert_eq!(built.filename().unwrap().as_ref(), b"a\"b");
        assert_eq!(
            ContentDisposition::parse(&b("render;")).unwrap_err(),
            ParseError::new(ErrorKind::Token, 7)
        );
    }
}
