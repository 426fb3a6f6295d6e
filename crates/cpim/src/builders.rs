//! Writing `message/cpim` bodies, and the wrappers the IM conference procedures need
//! (REQ: CLI-2, SW-10, ALIAS-3).
//!
//! The builder writes every `NS` line before the first header that uses its prefix (a
//! sorted map would emit `MyFeatures.x` before `NS:`, which RFC 3862 §3.3 forbids), quotes
//! display names that are not a single token, and escapes values (§3.2). [`CpimBuilder::build`]
//! parses its own output, so what it returns is what a peer will read.

use bytes::{BufMut, Bytes, BytesMut};

use crate::address::Address;
use crate::chars::{is_namechar, is_tokenchar};
use crate::datetime::DateTime;
use crate::error::ParseError;
use crate::imdn::DispositionNotification;
use crate::lex::{escape_into, quote_into};
use crate::message::CpimMessage;
use crate::ns::IMDN_NS;

/// Why a builder could not write its message: the caller asked for something that cannot be
/// written (blame: API misuse).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A header uses a prefix no [`CpimBuilder::ns`] declared.
    #[error("header prefix {0:?} has no NS declaration")]
    UndeclaredPrefix(String),
    /// A header, prefix or parameter name is empty or has a byte RFC 3862 names may not hold.
    #[error("invalid header name {0:?}")]
    InvalidName(String),
    /// A namespace URI or address URI holds `>`, a control character, or is empty.
    #[error("invalid URI {0:?}")]
    InvalidUri(String),
    /// A MIME header value holds CR or LF.
    #[error("invalid MIME header value")]
    InvalidMimeValue,
    /// The written message did not parse back (a bug; please report it).
    #[error("built message does not parse: {0}")]
    Reparse(ParseError),
}

#[derive(Debug, Clone)]
enum Line {
    Ns {
        prefix: String,
        uri: Bytes,
    },
    Header {
        prefix: Option<String>,
        name: String,
        params: Vec<(String, String)>,
        value: Value,
    },
}

#[derive(Debug, Clone)]
enum Value {
    Text(Bytes),
    Address(Address),
    Raw(Bytes),
}

/// A `message/cpim` body under construction.
///
/// ```
/// use simpleim_cpim::{Address, CpimBuilder};
/// let msg = CpimBuilder::new()
///     .from(Address::new(Some("Bob the Builder"), "im:bob@example.com"))
///     .to(Address::uri_only("im:alice@example.com"))
///     .content_type("text/plain")
///     .payload("Hello")
///     .build()
///     .unwrap();
/// assert_eq!(msg.payload(), "Hello");
/// ```
#[derive(Debug, Clone, Default)]
pub struct CpimBuilder {
    lines: Vec<Line>,
    mime: Vec<(String, Bytes)>,
    content_length: bool,
    payload: Bytes,
}

impl CpimBuilder {
    /// An empty message.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn header(mut self, prefix: Option<&str>, name: &str, value: Value) -> Self {
        self.lines.push(Line::Header {
            prefix: prefix.map(str::to_owned),
            name: name.to_owned(),
            params: Vec::new(),
            value,
        });
        self
    }

    /// Declares `NS: prefix <uri>`. It is written where declared, or earlier if a header
    /// using `prefix` comes first.
    #[must_use]
    pub fn ns(mut self, prefix: &str, uri: impl Into<Bytes>) -> Self {
        self.lines.push(Line::Ns {
            prefix: prefix.to_owned(),
            uri: uri.into(),
        });
        self
    }

    /// `From`.
    #[must_use]
    pub fn from(self, addr: Address) -> Self {
        self.header(None, "From", Value::Address(addr))
    }

    /// A `To` (call once per recipient).
    #[must_use]
    pub fn to(self, addr: Address) -> Self {
        self.header(None, "To", Value::Address(addr))
    }

    /// A `cc` (call once per recipient).
    #[must_use]
    pub fn cc(self, addr: Address) -> Self {
        self.header(None, "cc", Value::Address(addr))
    }

    /// `DateTime`, as given by the caller (no clock is read).
    #[must_use]
    pub fn date_time(self, dt: &DateTime) -> Self {
        self.header(
            None,
            "DateTime",
            Value::Raw(Bytes::copy_from_slice(dt.as_bytes())),
        )
    }

    /// A `Subject`, with an optional language (`;lang=fr`).
    #[must_use]
    pub fn subject(mut self, text: &str, lang: Option<&str>) -> Self {
        self.lines.push(Line::Header {
            prefix: None,
            name: "Subject".to_owned(),
            params: lang
                .map(|l| ("lang".to_owned(), l.to_owned()))
                .into_iter()
                .collect(),
            value: Value::Text(Bytes::copy_from_slice(text.as_bytes())),
        });
        self
    }

    /// A `Require` naming a header (`MyFeatures.VitalMessageOption`).
    #[must_use]
    pub fn require(self, header_name: &str) -> Self {
        self.header(
            None,
            "Require",
            Value::Raw(Bytes::copy_from_slice(header_name.as_bytes())),
        )
    }

    /// Any header, `prefix.name: value` (or `name: value` without prefix); the value is
    /// escaped as needed.
    #[must_use]
    pub fn ext(self, prefix: Option<&str>, name: &str, value: &str) -> Self {
        self.header(
            prefix,
            name,
            Value::Text(Bytes::copy_from_slice(value.as_bytes())),
        )
    }

    /// Declares `NS: imdn <urn:ietf:params:imdn>` unless some prefix is already declared for
    /// it; returns the prefix to use.
    fn imdn_prefix(&mut self) -> String {
        let found = self.lines.iter().find_map(|l| match l {
            Line::Ns { prefix, uri } if &uri[..] == IMDN_NS.as_bytes() => Some(prefix.clone()),
            _ => None,
        });
        found.unwrap_or_else(|| {
            self.lines.push(Line::Ns {
                prefix: "imdn".to_owned(),
                uri: Bytes::from_static(IMDN_NS.as_bytes()),
            });
            "imdn".to_owned()
        })
    }

    /// `imdn.Message-ID` and `imdn.Disposition-Notification` (RFC 5438 §6.3; the latter
    /// omitted when `notify` is empty), declaring the IMDN namespace if needed (REQ: CPIM-2).
    #[must_use]
    pub fn imdn(mut self, message_id: &str, notify: DispositionNotification) -> Self {
        let p = self.imdn_prefix();
        let mut v = BytesMut::new();
        notify.encode(&mut v);
        self = self.header(
            Some(&p),
            "Message-ID",
            Value::Text(Bytes::copy_from_slice(message_id.as_bytes())),
        );
        if notify.is_empty() {
            return self;
        }
        self.header(Some(&p), "Disposition-Notification", Value::Raw(v.freeze()))
    }

    /// An IMDN address header: `Original-To`, `IMDN-Record-Route` or `IMDN-Route`
    /// (RFC 5438 §6.4–§6.6).
    #[must_use]
    pub fn imdn_address(mut self, name: &str, addr: Address) -> Self {
        let p = self.imdn_prefix();
        self.header(Some(&p), name, Value::Address(addr))
    }

    /// The encapsulated `Content-Type`.
    #[must_use]
    pub fn content_type(self, value: &str) -> Self {
        self.mime_header("Content-Type", value)
    }

    /// Any encapsulated MIME header (`Content-ID`, `Content-Disposition`, ...), in call order.
    #[must_use]
    pub fn mime_header(mut self, name: &str, value: &str) -> Self {
        self.mime
            .push((name.to_owned(), Bytes::copy_from_slice(value.as_bytes())));
        self
    }

    /// Adds `Content-Length` (the payload size) after the other MIME headers.
    #[must_use]
    pub fn with_content_length(mut self) -> Self {
        self.content_length = true;
        self
    }

    /// The payload (binary-safe, written as is).
    #[must_use]
    pub fn payload(mut self, payload: impl Into<Bytes>) -> Self {
        self.payload = payload.into();
        self
    }

    /// Writes the body into `out`.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), BuildError> {
        let mut written = vec![false; self.lines.len()];
        for (i, line) in self.lines.iter().enumerate() {
            match line {
                Line::Ns { .. } => self.write_ns(i, &mut written, out)?,
                Line::Header {
                    prefix,
                    name,
                    params,
                    value,
                } => {
                    if let Some(p) = prefix {
                        let decl = self
                            .lines
                            .iter()
                            .position(|l| matches!(l, Line::Ns { prefix: q, .. } if q == p));
                        let decl = decl.ok_or_else(|| BuildError::UndeclaredPrefix(p.clone()))?;
                        self.write_ns(decl, &mut written, out)?;
                        check_name(p)?;
                        out.put_slice(p.as_bytes());
                        out.put_u8(b'.');
                    }
                    check_name(name)?;
                    out.put_slice(name.as_bytes());
                    out.put_u8(b':');
                    for (k, v) in params {
                        check_name(k)?;
                        out.put_u8(b';');
                        out.put_slice(k.as_bytes());
                        out.put_u8(b'=');
                        if !v.is_empty() && v.bytes().all(is_tokenchar) {
                            out.put_slice(v.as_bytes());
                        } else {
                            quote_into(v.as_bytes(), out);
                        }
                    }
                    out.put_u8(b' ');
                    match value {
                        Value::Text(t) => escape_into(t, false, out),
                        Value::Raw(r) => escape_into(r, false, out),
                        Value::Address(a) => {
                            check_uri(a.uri())?;
                            a.encode(out);
                        }
                    }
                    out.put_slice(b"\r\n");
                }
            }
        }
        out.put_slice(b"\r\n");
        for (name, value) in &self.mime {
            check_name(name)?;
            if value.iter().any(|&b| b == b'\r' || b == b'\n') {
                return Err(BuildError::InvalidMimeValue);
            }
            out.put_slice(name.as_bytes());
            out.put_slice(b": ");
            out.put_slice(value);
            out.put_slice(b"\r\n");
        }
        if self.content_length {
            out.put_slice(b"Content-Length: ");
            out.put_slice(self.payload.len().to_string().as_bytes());
            out.put_slice(b"\r\n");
        }
        out.put_slice(b"\r\n");
        out.put_slice(&self.payload);
        Ok(())
    }

    fn write_ns(
        &self,
        i: usize,
        written: &mut [bool],
        out: &mut BytesMut,
    ) -> Result<(), BuildError> {
        if written.get(i).copied().unwrap_or(true) {
            return Ok(());
        }
        if let Some(Line::Ns { prefix, uri }) = self.lines.get(i) {
            if !prefix.is_empty() {
                check_name(prefix)?;
            }
            check_uri(uri)?;
            out.put_slice(b"NS: ");
            if !prefix.is_empty() {
                out.put_slice(prefix.as_bytes());
                out.put_u8(b' ');
            }
            out.put_u8(b'<');
            out.put_slice(uri);
            out.put_slice(b">\r\n");
        }
        if let Some(w) = written.get_mut(i) {
            *w = true;
        }
        Ok(())
    }

    /// Writes the body and parses it back (strictly).
    pub fn build(&self) -> Result<CpimMessage, BuildError> {
        let mut out = BytesMut::new();
        self.encode(&mut out)?;
        CpimMessage::parse(out.freeze()).map_err(BuildError::Reparse)
    }
}

fn check_name(name: &str) -> Result<(), BuildError> {
    if name.is_empty() || !name.bytes().all(is_namechar) {
        return Err(BuildError::InvalidName(name.to_owned()));
    }
    Ok(())
}

fn check_uri(uri: &[u8]) -> Result<(), BuildError> {
    if uri.is_empty() || uri.iter().any(|&b| b == b'>' || b < 0x20 || b == 0x7f) {
        return Err(BuildError::InvalidUri(
            String::from_utf8_lossy(uri).into_owned(),
        ));
    }
    Ok(())
}

/// The URI with `;conf=isfocus` added (before any `?headers`) unless it is already there
/// (REQ: SW-9).
#[must_use]
pub fn with_isfocus(uri: &[u8]) -> Bytes {
    if Address::uri_only(Bytes::copy_from_slice(uri)).is_focus() {
        return Bytes::copy_from_slice(uri);
    }
    let q = memchr::memchr(b'?', uri).unwrap_or(uri.len());
    let mut out = BytesMut::with_capacity(uri.len() + 13);
    out.put_slice(uri.get(..q).unwrap_or_default());
    out.put_slice(b";conf=isfocus");
    out.put_slice(uri.get(q..).unwrap_or_default());
    out.freeze()
}

/// The wrapper of a client's SEND in a conference (REQ: CLI-2): `From` = the user's own
/// address, or the alias the focus assigned in its 200 OK; `To` = the group identity
/// (pre-defined group) or the session identity (ad-hoc).
#[must_use]
pub fn conference_send(
    sender: Address,
    conference: Address,
    content_type: &str,
    payload: impl Into<Bytes>,
) -> CpimBuilder {
    CpimBuilder::new()
        .from(sender)
        .to(conference)
        .content_type(content_type)
        .payload(payload)
}

/// A system message from the conference to one participant (REQ: SW-10): `From` =
/// `Service-Type <conference-uri;conf=isfocus>` where `service_type` is `SysAdmin`,
/// `Announcement`, `Advertisement` or another operator-chosen name; `To` = the participant.
/// Any content type (`message/external-body` for external content, RFC 4483).
#[must_use]
pub fn system_message(
    service_type: &str,
    conference_uri: &[u8],
    participant: Address,
    content_type: &str,
    payload: impl Into<Bytes>,
) -> CpimBuilder {
    CpimBuilder::new()
        .from(Address::new(
            Some(service_type),
            with_isfocus(conference_uri),
        ))
        .to(participant)
        .content_type(content_type)
        .payload(payload)
}

/// The `message/cpim` part of the 200 OK to an anonymous joiner (REQ: ALIAS-3): `To` = the
/// alias the focus assigned, `From` = the conference; no encapsulated content.
#[must_use]
pub fn alias_wrapper(conference: Address, alias: Address) -> CpimBuilder {
    CpimBuilder::new().from(conference).to(alias)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ns_before_use() {
        let b = CpimBuilder::new()
            .ext(
                Some("MyFeatures"),
                "VitalMessageOption",
                "Confirmation-requested",
            )
            .ns("MyFeatures", "mid:MessageFeatures@id.foo.com");
        let m = b.build().unwrap();
        assert!(
            m.as_bytes()
                .starts_with(b"NS: MyFeatures <mid:MessageFeatures@id.foo.com>\r\n")
        );
        let h = m
            .header_ns("mid:MessageFeatures@id.foo.com", "VitalMessageOption")
            .unwrap();
        assert_eq!(h.raw_value(), b"Confirmation-requested");
        assert_eq!(
            CpimBuilder::new()
                .ext(Some("x"), "y", "z")
                .build()
                .unwrap_err(),
            BuildError::UndeclaredPrefix("x".into())
        );
    }

    #[test]
    fn quoting() {
        let mut out = BytesMut::new();
        Address::new(Some("Bob the Builder"), "im:bob@example.com").encode(&mut out);
        assert_eq!(&out[..], b"\"Bob the Builder\" <im:bob@example.com>");
    }

    #[test]
    fn isfocus() {
        assert_eq!(
            &with_isfocus(b"sip:room@host")[..],
            b"sip:room@host;conf=isfocus"
        );
        assert_eq!(
            &with_isfocus(b"sip:room@host?x=1")[..],
            b"sip:room@host;conf=isfocus?x=1"
        );
        assert_eq!(
            &with_isfocus(b"sip:r@h;conf=isfocus")[..],
            b"sip:r@h;conf=isfocus"
        );
    }
}
