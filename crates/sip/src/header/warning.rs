//! `Warning` (RFC 3261 §20.43): `warn-code SP warn-agent SP warn-text`.
//!
//! ```text
//! warn-code  = 3DIGIT
//! warn-agent = hostport / pseudonym
//! warn-text  = quoted-string
//! ```

use super::value::display_raw;
use std::borrow::Cow;

use bytes::Bytes;

use super::TypedHeader;
use super::value::write_quoted;
use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::{Cursor, is_token, unquote};
use crate::name::HeaderName;
use crate::parse::Span;

/// Bytes a `warn-agent` may hold: `hostport` (with an IPv6 reference) or a token pseudonym.
const fn is_agent(b: u8) -> bool {
    is_token(b) || matches!(b, b':' | b'[' | b']')
}

/// One `Warning` value (RFC 3261 §20.43): a three-digit code, the agent that added it, and a
/// text for humans.
#[derive(Debug, Clone)]
pub struct Warning {
    code: u16,
    agent: Span,
    text: Span,
    raw: Bytes,
}

eq_hash_by_key!(Warning, key);

impl Warning {
    /// A warning `code agent "text"`, e.g. `Warning::new(119, "host", "Anonymity not
    /// allowed")` (OMA IM).
    ///
    /// A code above 999 cannot be written in three digits and becomes 399 (miscellaneous
    /// warning, RFC 3261 §20.43). An agent that is empty or not a hostport/pseudonym becomes
    /// the pseudonym `-`. The text is quoted (`"` and `\` escaped, CR/LF made spaces).
    #[must_use]
    pub fn new(code: u16, agent: &str, text: &str) -> Self {
        let code = if code > 999 { 399 } else { code };
        let agent = if !agent.is_empty() && agent.bytes().all(is_agent) {
            agent
        } else {
            "-"
        };
        let mut out = format!("{code:03} ").into_bytes();
        let agent_span = Span::new(out.len(), out.len() + agent.len());
        out.extend_from_slice(agent.as_bytes());
        out.push(b' ');
        let text_at = out.len();
        write_quoted(&mut out, text);
        Self {
            code,
            agent: agent_span,
            text: Span::new(text_at, out.len()),
            raw: Bytes::from(out),
        }
    }

    /// The warning code (RFC 3261 §20.43: 3xx; 1xx from RFC 4028 and others).
    #[must_use]
    pub const fn code(&self) -> u16 {
        self.code
    }

    /// The agent that added the warning (hostport or pseudonym).
    #[must_use]
    pub fn agent(&self) -> &[u8] {
        self.agent.of(&self.raw)
    }

    /// The text, unquoted.
    #[must_use]
    pub fn text(&self) -> Cow<'_, [u8]> {
        match self.quoted_text() {
            [b'"', inner @ .., b'"'] => unquote(inner),
            other => Cow::Borrowed(other),
        }
    }

    /// The text as written, with its quotes.
    #[must_use]
    pub fn quoted_text(&self) -> &[u8] {
        self.text.of(&self.raw)
    }

    fn key(&self) -> (u16, &[u8], &[u8], &[u8]) {
        (self.code, self.agent(), self.quoted_text(), &self.raw)
    }
}

impl TypedHeader for Warning {
    const NAME: HeaderName = HeaderName::Warning;
    const LIST: bool = true;
    fn parse(value: &Bytes) -> Result<Self> {
        Self::parse_owned(value.clone())
    }

    fn parse_owned(value: Bytes) -> Result<Self> {
        let mut cur = Cursor::new(&value);
        let digits = cur.take_while(|b| b.is_ascii_digit());
        let code = match digits {
            [a, b, c] => [a, b, c]
                .iter()
                .fold(0u16, |n, &&d| n * 10 + u16::from(d - b'0')),
            [] | [_] | [_, _] => return Err(ParseError::new(ErrorKind::Number, 0)),
            // RFC 4475 scalarlg: `Warning: 1812 overture "In Progress"`.
            _ => return Err(ParseError::new(ErrorKind::NumberOverflow, 0)),
        };
        if !cur.skip_ws() {
            return Err(cur.error(ErrorKind::Expected(b' ')));
        }
        let agent_at = cur.pos();
        let agent = cur.take_while(is_agent);
        if agent.is_empty() {
            return Err(cur.error(ErrorKind::Token));
        }
        if !cur.skip_ws() {
            return Err(cur.error(ErrorKind::Expected(b' ')));
        }
        let text_at = cur.pos();
        let text = cur.quoted_string()?;
        cur.finish()?;
        Ok(Self {
            code,
            agent: Span::new(agent_at, agent_at + agent.len()),
            text: Span::new(text_at, text_at + text.len()),
            raw: value,
        })
    }
}

display_raw!(Warning, |this| &this.raw);

#[cfg(test)]
mod tests {
    use super::*;

    use crate::header::value::test_bytes as b;

    // REQ: SIP-2 (OMA IM: 119 "Anonymity not allowed")
    #[test]
    fn build_and_parse() {
        let w = Warning::new(119, "im.example.com", "Anonymity not allowed");
        assert_eq!(
            w.to_string(),
            "119 im.example.com \"Anonymity not allowed\""
        );
        let p = Warning::parse(&Bytes::from(w.to_string())).unwrap();
        assert_eq!(p, w);
        assert_eq!(p.code(), 119);
        assert_eq!(p.agent(), b"im.example.com");
        assert_eq!(p.text().as_ref(), b"Anonymity not allowed");
        assert_eq!(
            Warning::new(1812, "", "say \"hi\"").to_string(),
            "399 - \"say \\\"hi\\\"\""
        );
        assert_eq!(
            Warning::new(7, "[::1]:5060", "x").to_string(),
            "007 [::1]:5060 \"x\""
        );
    }

    // REQ: SIP-2 (RFC 3261 §20.43 example)
    #[test]
    fn rfc_examples() {
        let w =
            Warning::parse(&b("307 isi.edu \"Session parameter 'foo' not understood\"")).unwrap();
        assert_eq!(w.code(), 307);
        assert_eq!(w.text().as_ref(), b"Session parameter 'foo' not understood");
        let w = Warning::parse(&b(
            "301 isi.edu:5060  \"Incompatible \\\"network\\\" address\"",
        ))
        .unwrap();
        assert_eq!(w.agent(), b"isi.edu:5060");
        assert_eq!(w.text().as_ref(), b"Incompatible \"network\" address");
    }

    // REQ: SIP-2 (RFC 4475 scalarlg: a four-digit warn-code)
    #[test]
    fn errors_are_located() {
        let e = |s: &'static str| Warning::parse(&b(s)).unwrap_err();
        assert_eq!(
            e("1812 overture \"In Progress\""),
            ParseError::new(ErrorKind::NumberOverflow, 0)
        );
        assert_eq!(e("31 x \"y\""), ParseError::new(ErrorKind::Number, 0));
        assert_eq!(
            e("399x \"y\""),
            ParseError::new(ErrorKind::Expected(b' '), 3)
        );
        assert_eq!(e("399 \"y\""), ParseError::new(ErrorKind::Token, 4));
        assert_eq!(e("399 h y"), ParseError::new(ErrorKind::Expected(b'"'), 6));
        assert_eq!(e("399 h \"y"), ParseError::new(ErrorKind::QuotedString, 6));
        assert_eq!(
            e("399 h \"y\" z"),
            ParseError::new(ErrorKind::TrailingBytes, 10)
        );
    }
}
