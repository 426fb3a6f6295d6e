//! Encoding: the exact bytes of every kept line, the text form of the typed views, and the
//! builder that writes a new description.

use core::fmt::{self, Display, Formatter};

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{ErrorKind, ParseError, Result};
use crate::model::{
    Attribute, Bandwidth, Connection, Key, Media, MediaDescription, Origin, SessionDescription,
    Timing,
};
use crate::parse::{self, ParseOptions};

impl SessionDescription {
    /// Parses `input` strictly (RFC 8866 grammar, CRLF line ends, the §5 order, `v=`, `o=`,
    /// `s=` and `t=` required) with the default limits.
    ///
    /// # Errors
    /// The first deviation, located by line and byte offset.
    pub fn parse(input: Bytes) -> Result<Self> {
        parse::description(input, &ParseOptions::strict())
    }

    /// Parses `input` with `options` (see [`ParseOptions::lenient`]); accepted deviations are in
    /// [`warnings`](Self::warnings).
    ///
    /// # Errors
    /// The first deviation not accepted, located by line and byte offset; [`ErrorKind::TooLarge`]
    /// beyond the limits.
    pub fn parse_with(input: Bytes, options: &ParseOptions) -> Result<Self> {
        parse::description(input, options)
    }

    /// A builder for a new description.
    #[must_use]
    pub fn builder() -> SessionBuilder {
        SessionBuilder::default()
    }

    /// Appends the description to `out`: every line exactly as parsed (unmodified descriptions
    /// encode byte-exact), new lines with the description's line end. A line without line end
    /// (a last line in lenient mode) gets one when more lines follow it.
    pub fn encode(&self, out: &mut BytesMut) {
        let mut lines = self
            .session
            .lines()
            .chain(self.media.iter().flat_map(|m| m.part.lines()))
            .peekable();
        while let Some(line) = lines.next() {
            out.put_slice(line.raw());
            if !line.has_line_end() && lines.peek().is_some() {
                out.put_slice(self.eol);
            }
        }
    }

    /// The encoded description.
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(self.encoded_len());
        self.encode(&mut out);
        out.freeze()
    }

    fn encoded_len(&self) -> usize {
        let parts = core::iter::once(&self.session).chain(self.media.iter().map(|m| &m.part));
        parts.map(|p| p.buf.len() + 2 * p.spans.len()).sum()
    }
}

impl Display for Origin<'_> {
    /// The value of the `o=` line.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {}",
            self.username,
            self.session_id,
            self.session_version,
            self.net_type,
            self.addr_type,
            self.unicast_address
        )
    }
}

impl Display for Connection<'_> {
    /// The value of the `c=` line.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.net_type, self.addr_type, self.address)?;
        if let Some(ttl) = self.ttl {
            write!(f, "/{ttl}")?;
        }
        if let Some(count) = self.count {
            write!(f, "/{count}")?;
        }
        Ok(())
    }
}

impl Display for Bandwidth<'_> {
    /// The value of the `b=` line.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.bw_type, self.bandwidth)
    }
}

impl Display for Timing {
    /// The value of the `t=` line.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.start, self.stop)
    }
}

/// Writes `name[:value]`, the shape of both `k=` and `a=` values.
fn name_value(f: &mut Formatter<'_>, name: &str, value: Option<&str>) -> fmt::Result {
    f.write_str(name)?;
    if let Some(value) = value {
        write!(f, ":{value}")?;
    }
    Ok(())
}

impl Display for Key<'_> {
    /// The value of the `k=` line.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        name_value(f, self.method, self.key)
    }
}

impl Display for Attribute<'_> {
    /// The value of the `a=` line.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        name_value(f, self.name, self.value)
    }
}

impl Display for Media<'_> {
    /// The value of the `m=` line.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.media, self.port)?;
        if let Some(count) = self.port_count {
            write!(f, "/{count}")?;
        }
        write!(f, " {} {}", self.proto, self.formats)
    }
}

/// Appends `n` in decimal (without the `fmt` machinery, for the builder).
fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            // n % 10 < 10: the cast cannot truncate.
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &d in digits.get(i..).unwrap_or_default() {
        out.push(char::from(d));
    }
}

/// The value of the `o=` line, as [`Display`] writes it.
fn origin_text(o: &Origin<'_>) -> String {
    let mut out = String::with_capacity(
        o.username.len() + o.net_type.len() + o.addr_type.len() + o.unicast_address.len() + 45,
    );
    out.push_str(o.username);
    out.push(' ');
    push_u64(&mut out, o.session_id);
    out.push(' ');
    push_u64(&mut out, o.session_version);
    for s in [o.net_type, o.addr_type, o.unicast_address] {
        out.push(' ');
        out.push_str(s);
    }
    out
}

/// The value of the `c=` line, as [`Display`] writes it.
fn connection_text(c: &Connection<'_>) -> String {
    let mut out =
        String::with_capacity(c.net_type.len() + c.addr_type.len() + c.address.len() + 24);
    out.push_str(c.net_type);
    out.push(' ');
    out.push_str(c.addr_type);
    out.push(' ');
    out.push_str(c.address);
    for n in [c.ttl, c.count].into_iter().flatten() {
        out.push('/');
        push_u64(&mut out, u64::from(n));
    }
    out
}

/// The value of the `m=` line, as [`Display`] writes it.
fn media_text(m: &Media<'_>) -> String {
    let mut out = String::with_capacity(m.media.len() + m.proto.len() + m.formats.len() + 20);
    out.push_str(m.media);
    out.push(' ');
    push_u64(&mut out, u64::from(m.port));
    if let Some(count) = m.port_count {
        out.push('/');
        push_u64(&mut out, u64::from(count));
    }
    out.push(' ');
    out.push_str(m.proto);
    out.push(' ');
    out.push_str(m.formats);
    out
}

/// The value of an `a=` line, as [`Display`] writes it.
fn attribute_text(name: &str, value: Option<&str>) -> String {
    let mut out = String::with_capacity(name.len() + value.map_or(0, |v| v.len() + 1));
    out.push_str(name);
    if let Some(value) = value {
        out.push(':');
        out.push_str(value);
    }
    out
}

/// Writes `<kind>=<value>\r\n`.
fn line(out: &mut String, kind: char, value: &str) {
    out.push(kind);
    out.push('=');
    out.push_str(value);
    out.push_str("\r\n");
}

/// Writes a new description (CRLF line ends, RFC 8866 order). [`build`](Self::build) parses
/// the text it wrote strictly, so a value that breaks the grammar is reported there.
#[derive(Debug, Clone, Default)]
pub struct SessionBuilder {
    origin: String,
    session_name: Option<String>,
    information: Option<String>,
    uri: Option<String>,
    connection: Option<String>,
    bandwidths: Vec<String>,
    timings: Vec<String>,
    attributes: Vec<String>,
    media: Vec<MediaBuilder>,
}

impl SessionBuilder {
    /// The `o=` line (required).
    #[must_use]
    pub fn origin(mut self, origin: &Origin<'_>) -> Self {
        self.origin = origin_text(origin);
        self
    }

    /// The `s=` line (default `-`).
    #[must_use]
    pub fn session_name(mut self, name: &str) -> Self {
        self.session_name = Some(name.to_owned());
        self
    }

    /// The `i=` line.
    #[must_use]
    pub fn information(mut self, information: &str) -> Self {
        self.information = Some(information.to_owned());
        self
    }

    /// The `u=` line.
    #[must_use]
    pub fn uri(mut self, uri: &str) -> Self {
        self.uri = Some(uri.to_owned());
        self
    }

    /// The session-level `c=` line.
    #[must_use]
    pub fn connection(mut self, connection: &Connection<'_>) -> Self {
        self.connection = Some(connection_text(connection));
        self
    }

    /// Adds a session-level `b=` line.
    #[must_use]
    pub fn bandwidth(mut self, bandwidth: &Bandwidth<'_>) -> Self {
        self.bandwidths.push(bandwidth.to_string());
        self
    }

    /// Adds a `t=` line (default: one `t=0 0`).
    #[must_use]
    pub fn timing(mut self, timing: Timing) -> Self {
        self.timings.push(timing.to_string());
        self
    }

    /// Adds a session-level `a=` line.
    #[must_use]
    pub fn attribute(mut self, name: &str, value: Option<&str>) -> Self {
        self.attributes.push(attribute_text(name, value));
        self
    }

    /// Adds a media section.
    #[must_use]
    pub fn media(mut self, media: MediaBuilder) -> Self {
        self.media.push(media);
        self
    }

    /// The description's text.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(self.text_len());
        line(&mut out, 'v', "0");
        line(&mut out, 'o', &self.origin);
        line(&mut out, 's', self.session_name.as_deref().unwrap_or("-"));
        for (kind, value) in [
            ('i', &self.information),
            ('u', &self.uri),
            ('c', &self.connection),
        ] {
            if let Some(value) = value {
                line(&mut out, kind, value);
            }
        }
        for b in &self.bandwidths {
            line(&mut out, 'b', b);
        }
        if self.timings.is_empty() {
            line(&mut out, 't', "0 0");
        }
        for t in &self.timings {
            line(&mut out, 't', t);
        }
        for a in &self.attributes {
            line(&mut out, 'a', a);
        }
        for m in &self.media {
            m.write(&mut out);
        }
        out
    }

    /// The length of [`to_text`](Self::to_text), or close to it (each line's value and 4
    /// bytes for `<kind>=` and CRLF).
    fn text_len(&self) -> usize {
        let strings = [
            &self.session_name,
            &self.information,
            &self.uri,
            &self.connection,
        ];
        let values = self.origin.len()
            + 3
            + strings
                .iter()
                .filter_map(|s| s.as_ref())
                .map(String::len)
                .sum::<usize>()
            + [&self.bandwidths, &self.timings, &self.attributes]
                .iter()
                .flat_map(|v| v.iter())
                .map(String::len)
                .sum::<usize>()
            + self.media.iter().map(MediaBuilder::text_len).sum::<usize>();
        let lines = 5 + self.bandwidths.len() + self.timings.len() + self.attributes.len();
        values + 4 * lines
    }

    /// Writes the description and parses it strictly.
    ///
    /// # Errors
    /// When a value breaks the grammar (for instance a missing origin, a CR or LF in a value,
    /// a name that is not a token); the error is located in [`to_text`](Self::to_text).
    pub fn build(&self) -> Result<SessionDescription> {
        if self.origin.is_empty() {
            return Err(ParseError::new(ErrorKind::Field, 0, 2));
        }
        SessionDescription::parse(Bytes::from(self.to_text()))
    }
}

/// Writes a media section, for [`SessionBuilder::media`] or [`MediaBuilder::build`].
#[derive(Debug, Clone)]
pub struct MediaBuilder {
    media: String,
    information: Option<String>,
    connections: Vec<String>,
    bandwidths: Vec<String>,
    attributes: Vec<String>,
}

impl MediaBuilder {
    /// A section from its `m=` line (for MSRP: media `message`, proto `TCP/MSRP` or
    /// `TCP/TLS/MSRP`, formats `*`).
    #[must_use]
    pub fn new(media: &Media<'_>) -> Self {
        Self {
            media: media_text(media),
            information: None,
            connections: Vec::new(),
            bandwidths: Vec::new(),
            attributes: Vec::new(),
        }
    }

    /// The `i=` line (media title).
    #[must_use]
    pub fn information(mut self, information: &str) -> Self {
        self.information = Some(information.to_owned());
        self
    }

    /// Adds a `c=` line.
    #[must_use]
    pub fn connection(mut self, connection: &Connection<'_>) -> Self {
        self.connections.push(connection_text(connection));
        self
    }

    /// Adds a `b=` line.
    #[must_use]
    pub fn bandwidth(mut self, bandwidth: &Bandwidth<'_>) -> Self {
        self.bandwidths.push(bandwidth.to_string());
        self
    }

    /// Adds an `a=` line.
    #[must_use]
    pub fn attribute(mut self, name: &str, value: Option<&str>) -> Self {
        self.attributes.push(attribute_text(name, value));
        self
    }

    /// See [`SessionBuilder::text_len`].
    fn text_len(&self) -> usize {
        let values = self.media.len()
            + self.information.as_ref().map_or(0, String::len)
            + [&self.connections, &self.bandwidths, &self.attributes]
                .iter()
                .flat_map(|v| v.iter())
                .map(String::len)
                .sum::<usize>();
        let lines = 2 + self.connections.len() + self.bandwidths.len() + self.attributes.len();
        values + 4 * lines
    }

    fn write(&self, out: &mut String) {
        line(out, 'm', &self.media);
        if let Some(i) = &self.information {
            line(out, 'i', i);
        }
        for c in &self.connections {
            line(out, 'c', c);
        }
        for b in &self.bandwidths {
            line(out, 'b', b);
        }
        for a in &self.attributes {
            line(out, 'a', a);
        }
    }

    /// The section alone, to add to an existing description with
    /// [`SessionDescription::push_media`]; its lines are checked by a strict parse.
    ///
    /// # Errors
    /// When a value breaks the grammar; offsets count from the `m=` line.
    pub fn build(&self) -> Result<MediaDescription> {
        let mut text = String::from("v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n");
        let prefix = text.len();
        self.write(&mut text);
        let sd = SessionDescription::parse(Bytes::from(text)).map_err(|e| {
            ParseError::new(
                e.kind,
                e.offset.saturating_sub(prefix),
                e.line.saturating_sub(4),
            )
        })?;
        let mut media = sd.media.into_iter();
        match (media.next(), media.next()) {
            (Some(m), None) => Ok(m),
            _ => Err(ParseError::new(ErrorKind::Field, 0, 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_texts_match_display() {
        for n in [0, 7, 10, 7777, 2_890_844_557, u64::MAX] {
            let mut s = String::new();
            push_u64(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        let origin = Origin {
            username: "-",
            session_id: 0,
            session_version: u64::MAX,
            net_type: "IN",
            addr_type: "IP6",
            unicast_address: "::1",
        };
        assert_eq!(origin_text(&origin), origin.to_string());
        for (ttl, count) in [
            (None, None),
            (Some(127), None),
            (Some(127), Some(3)),
            (None, Some(2)),
        ] {
            let c = Connection {
                net_type: "IN",
                addr_type: "IP4",
                address: "224.2.1.1",
                ttl,
                count,
            };
            assert_eq!(connection_text(&c), c.to_string());
        }
        for port_count in [None, Some(2)] {
            let m = Media {
                media: "message",
                port: u16::MAX,
                port_count,
                proto: "TCP/MSRP",
                formats: "*",
            };
            assert_eq!(media_text(&m), m.to_string());
        }
        for value in [None, Some(""), Some("text/plain")] {
            let a = Attribute {
                name: "accept-types",
                value,
            };
            assert_eq!(attribute_text(a.name, a.value), a.to_string());
        }
    }
}
