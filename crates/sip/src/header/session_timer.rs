//! Session timers (RFC 4028 §4): `Session-Expires` and `Min-SE`.
//!
//! ```text
//! Session-Expires = ("Session-Expires" / "x") HCOLON delta-seconds *(SEMI se-params)
//! se-params       = refresher-param / generic-param
//! refresher-param = "refresher" EQUAL ("uas" / "uac")
//! Min-SE          = "Min-SE" HCOLON delta-seconds *(SEMI generic-param)
//! ```

use super::value::display_raw;

use bytes::Bytes;

use super::TypedHeader;
use super::value::{number_as, offset_in};
use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::Cursor;
use crate::name::HeaderName;
use crate::params::{Params, parse_generic_params};

/// Who refreshes the session (RFC 4028 §4 `refresher`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refresher {
    /// `uac`: the caller refreshes.
    Uac,
    /// `uas`: the callee refreshes.
    Uas,
}

impl Refresher {
    /// `uac` or `uas`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Uac => "uac",
            Self::Uas => "uas",
        }
    }
}

/// `delta-seconds *(SEMI generic-param)`, the shape both headers share; the parameters'
/// source is the whole value.
fn delta_with_params(value: Bytes) -> Result<(u32, Params)> {
    let mut cur = Cursor::new(&value);
    let delta = number_as(&mut cur)?;
    let items = parse_generic_params(&mut cur)?;
    cur.finish()?;
    Ok((delta, Params::from_parts(value, items)))
}

/// Renders `delta;params` into the parameters' new source.
fn render(delta: u32, params: &Params) -> Params {
    let mut out = delta.to_string().into_bytes();
    let items = params.write_spans(&mut out);
    Params::from_parts(Bytes::from(out), items)
}

/// `Session-Expires` (RFC 4028 §4): the session interval and who refreshes it.
#[derive(Debug, Clone)]
pub struct SessionExpires {
    delta: u32,
    refresher: Option<Refresher>,
    /// The parameters; their source is the whole value, which is also its raw text.
    params: Params,
}

eq_hash_by_key!(SessionExpires, key);

impl SessionExpires {
    /// A Session-Expires of `delta` seconds, without refresher.
    #[must_use]
    pub fn new(delta: u32) -> Self {
        Self {
            delta,
            refresher: None,
            params: render(delta, &Params::EMPTY),
        }
    }

    /// This value with `refresher` set (OMA IM: `uac` in requests, `uas` in answers).
    #[must_use]
    pub fn with_refresher(mut self, refresher: Refresher) -> Self {
        let mut params = self.params.clone();
        params.set("refresher", Some(refresher.as_str().as_bytes()));
        self.refresher = Some(refresher);
        self.params = render(self.delta, &params);
        self
    }

    /// The session interval in seconds.
    #[must_use]
    pub const fn delta(&self) -> u32 {
        self.delta
    }

    /// The `refresher` parameter.
    #[must_use]
    pub const fn refresher(&self) -> Option<Refresher> {
        self.refresher
    }

    /// All parameters, in order.
    #[must_use]
    pub const fn params(&self) -> &Params {
        &self.params
    }

    fn key(&self) -> (u32, Option<Refresher>, &Params, &[u8]) {
        (self.delta, self.refresher, &self.params, self.params.src())
    }
}

impl TypedHeader for SessionExpires {
    const NAME: HeaderName = HeaderName::SessionExpires;
    const LIST: bool = false;
    fn parse(value: &Bytes) -> Result<Self> {
        Self::parse_owned(value.clone())
    }

    fn parse_owned(value: Bytes) -> Result<Self> {
        let (delta, params) = delta_with_params(value)?;
        let value = params.src();
        let refresher = match params.find("refresher") {
            None => None,
            Some(p) => {
                let v = p.value.unwrap_or_default();
                if v.eq_ignore_ascii_case(b"uac") {
                    Some(Refresher::Uac)
                } else if v.eq_ignore_ascii_case(b"uas") {
                    Some(Refresher::Uas)
                } else {
                    let at = if v.is_empty() {
                        offset_in(value, p.name).saturating_add(p.name.len())
                    } else {
                        offset_in(value, v)
                    };
                    return Err(ParseError::new(ErrorKind::UnexpectedByte, at));
                }
            }
        };
        Ok(Self {
            delta,
            refresher,
            params,
        })
    }
}

display_raw!(SessionExpires, |this| this.params.src());

/// `Min-SE` (RFC 4028 §5): the smallest session interval the sender accepts.
#[derive(Debug, Clone)]
pub struct MinSe {
    delta: u32,
    /// The parameters; their source is the whole value, which is also its raw text.
    params: Params,
}

eq_hash_by_key!(MinSe, key);

impl MinSe {
    /// A Min-SE of `delta` seconds (RFC 4028 §4: at least 90).
    #[must_use]
    pub fn new(delta: u32) -> Self {
        Self {
            delta,
            params: render(delta, &Params::EMPTY),
        }
    }

    /// The minimum interval in seconds.
    #[must_use]
    pub const fn delta(&self) -> u32 {
        self.delta
    }

    /// All parameters, in order.
    #[must_use]
    pub const fn params(&self) -> &Params {
        &self.params
    }

    fn key(&self) -> (u32, &Params, &[u8]) {
        (self.delta, &self.params, self.params.src())
    }
}

impl TypedHeader for MinSe {
    const NAME: HeaderName = HeaderName::MinSe;
    const LIST: bool = false;
    fn parse(value: &Bytes) -> Result<Self> {
        Self::parse_owned(value.clone())
    }

    fn parse_owned(value: Bytes) -> Result<Self> {
        let (delta, params) = delta_with_params(value)?;
        Ok(Self { delta, params })
    }
}

display_raw!(MinSe, |this| this.params.src());

#[cfg(test)]
mod tests {
    use super::*;

    use crate::header::value::test_bytes as b;

    // REQ: SIP-2 (RFC 4028 §4 examples; OMA IM refresher `uac` / `uas`)
    #[test]
    fn session_expires() {
        let s = SessionExpires::parse(&b("4000;refresher=uac")).unwrap();
        assert_eq!((s.delta(), s.refresher()), (4000, Some(Refresher::Uac)));
        let s = SessionExpires::parse(&b("1800 ; Refresher = UAS ; x=1")).unwrap();
        assert_eq!(s.refresher(), Some(Refresher::Uas));
        assert!(s.params().contains("x"));
        assert_eq!(s.to_string(), "1800 ; Refresher = UAS ; x=1");
        assert_eq!(SessionExpires::parse(&b("90")).unwrap().refresher(), None);
        let built = SessionExpires::new(1800).with_refresher(Refresher::Uas);
        assert_eq!(built.to_string(), "1800;refresher=uas");
        assert_eq!(
            SessionExpires::parse(&b("1800;refresher=uas")).unwrap(),
            built
        );
    }

    // REQ: SIP-2
    #[test]
    fn session_expires_errors() {
        assert_eq!(
            SessionExpires::parse(&b("1800;refresher=me")).unwrap_err(),
            ParseError::new(ErrorKind::UnexpectedByte, 15)
        );
        assert_eq!(
            SessionExpires::parse(&b("1800;refresher")).unwrap_err(),
            ParseError::new(ErrorKind::UnexpectedByte, 14)
        );
        assert_eq!(
            SessionExpires::parse(&b("99999999999")).unwrap_err(),
            ParseError::new(ErrorKind::NumberOverflow, 0)
        );
        assert_eq!(
            SessionExpires::parse(&b("x")).unwrap_err(),
            ParseError::new(ErrorKind::Number, 0)
        );
    }

    // REQ: SIP-2 (RFC 4028 §5)
    #[test]
    fn min_se() {
        let m = MinSe::parse(&b("90;ext")).unwrap();
        assert_eq!(m.delta(), 90);
        assert!(m.params().contains("ext"));
        assert_eq!(MinSe::new(90).to_string(), "90");
        assert_eq!(MinSe::parse(&b("90")).unwrap(), MinSe::new(90));
        assert_eq!(
            MinSe::parse(&b("90 x")).unwrap_err(),
            ParseError::new(ErrorKind::TrailingBytes, 3)
        );
    }
}
