//! SIP events (RFC 6665 §8.2.1, §8.2.3): `Event` and `Subscription-State`.
//!
//! ```text
//! Event              = ( "Event" / "o" ) HCOLON event-type *( SEMI event-param )
//! event-type         = event-package *( "." event-template )
//! Subscription-State = "Subscription-State" HCOLON substate-value *( SEMI subexp-params )
//! substate-value     = "active" / "pending" / "terminated" / extension-substate
//! subexp-params      = ("reason" EQUAL event-reason-value) / ("expires" EQUAL delta-seconds)
//!                      / ("retry-after" EQUAL delta-seconds) / generic-param
//! ```

use super::value::display_raw;

use bytes::Bytes;

use super::TypedHeader;
use super::value::numeric_param;
use crate::error::Result;
use crate::lex::Cursor;
use crate::name::HeaderName;
use crate::params::{Params, parse_generic_params};
use crate::parse::Span;

/// `token *(SEMI generic-param)`, the shape both headers share: the token's span and the
/// parameters (whose source is the whole value).
fn token_with_params(value: Bytes) -> Result<(Span, Params)> {
    let mut cur = Cursor::new(&value);
    let t = cur.token()?;
    let token = Span::new(0, t.len());
    let items = parse_generic_params(&mut cur)?;
    cur.finish()?;
    Ok((token, Params::from_parts(value, items)))
}

/// Renders `token;params` into the parameters' new source.
fn render(token: &[u8], params: &Params) -> Params {
    let mut out = token.to_vec();
    let items = params.write_spans(&mut out);
    Params::from_parts(Bytes::from(out), items)
}

/// `Event` (RFC 6665 §8.2.1): the event package (with templates) and the subscription `id`.
#[derive(Debug, Clone)]
pub struct Event {
    event_type: Span,
    /// The parameters; their source is the whole value, which is also its raw text.
    params: Params,
}

eq_hash_by_key!(Event, key);

impl Event {
    /// An Event of `event_type` (a token such as `conference` or `presence.winfo`).
    #[must_use]
    pub fn new(event_type: &str) -> Self {
        Self {
            event_type: Span::new(0, event_type.len()),
            params: render(event_type.as_bytes(), &Params::EMPTY),
        }
    }

    /// This value with the `id` parameter set (a token).
    #[must_use]
    pub fn with_id(mut self, id: &str) -> Self {
        let mut params = self.params.clone();
        params.set("id", Some(id.as_bytes()));
        self.params = render(self.event_type(), &params);
        self
    }

    /// The event type as written, templates included (`presence.winfo`).
    #[must_use]
    pub fn event_type(&self) -> &[u8] {
        self.event_type.of(self.params.src())
    }

    /// The event package: the event type up to its first `.`.
    #[must_use]
    pub fn package(&self) -> &[u8] {
        self.event_type()
            .split(|&b| b == b'.')
            .next()
            .unwrap_or_default()
    }

    /// The event templates after the package (`winfo` in `presence.winfo`).
    pub fn templates(&self) -> impl Iterator<Item = &[u8]> {
        self.event_type().split(|&b| b == b'.').skip(1)
    }

    /// The `id` parameter, telling apart subscriptions in one dialog.
    #[must_use]
    pub fn id(&self) -> Option<&[u8]> {
        self.params.get("id").flatten()
    }

    /// All parameters, in order.
    #[must_use]
    pub const fn params(&self) -> &Params {
        &self.params
    }

    fn key(&self) -> (&[u8], &Params, &[u8]) {
        (self.event_type(), &self.params, self.params.src())
    }
}

impl TypedHeader for Event {
    const NAME: HeaderName = HeaderName::Event;
    const LIST: bool = false;
    fn parse(value: &Bytes) -> Result<Self> {
        Self::parse_owned(value.clone())
    }

    fn parse_owned(value: Bytes) -> Result<Self> {
        let (event_type, params) = token_with_params(value)?;
        Ok(Self { event_type, params })
    }
}

display_raw!(Event, |this| this.params.src());

/// The state of a subscription (RFC 6665 §8.2.3), compared case-insensitively on parse.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubState {
    /// `active`
    Active,
    /// `pending`
    Pending,
    /// `terminated`
    Terminated,
    /// An extension state, as written.
    Other(Bytes),
}

impl SubState {
    /// The state as written on the wire (lower case for the known ones).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Active => b"active",
            Self::Pending => b"pending",
            Self::Terminated => b"terminated",
            Self::Other(b) => b,
        }
    }

    /// The state named by `t`, a slice of `src` (which an extension state shares).
    fn from_token(src: &Bytes, t: &[u8]) -> Self {
        [Self::Active, Self::Pending, Self::Terminated]
            .into_iter()
            .find(|s| s.as_bytes().eq_ignore_ascii_case(t))
            .unwrap_or_else(|| Self::Other(src.slice_ref(t)))
    }
}

/// `Subscription-State` (RFC 6665 §8.2.3): the state, and `expires`, `reason`,
/// `retry-after`.
#[derive(Debug, Clone)]
pub struct SubscriptionState {
    state: SubState,
    expires: Option<u32>,
    retry_after: Option<u32>,
    /// The parameters; their source is the whole value, which is also its raw text.
    params: Params,
}

eq_hash_by_key!(SubscriptionState, key);

impl SubscriptionState {
    /// A Subscription-State of `state` without parameters.
    #[must_use]
    pub fn new(state: SubState) -> Self {
        Self {
            params: render(state.as_bytes(), &Params::EMPTY),
            state,
            expires: None,
            retry_after: None,
        }
    }

    fn with(mut self, name: &str, value: &str) -> Self {
        let mut params = self.params.clone();
        params.set(name, Some(value.as_bytes()));
        self.params = render(self.state.as_bytes(), &params);
        self
    }

    fn key(&self) -> (&SubState, Option<u32>, Option<u32>, &Params, &[u8]) {
        (
            &self.state,
            self.expires,
            self.retry_after,
            &self.params,
            self.params.src(),
        )
    }

    /// This value with `expires` set.
    #[must_use]
    pub fn with_expires(mut self, seconds: u32) -> Self {
        self.expires = Some(seconds);
        self.with("expires", &seconds.to_string())
    }

    /// This value with `retry-after` set.
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self.with("retry-after", &seconds.to_string())
    }

    /// This value with `reason` set (a token: `deactivated`, `probation`, `rejected`,
    /// `timeout`, `giveup`, `noresource`, `invariant`, or an extension).
    #[must_use]
    pub fn with_reason(self, reason: &str) -> Self {
        self.with("reason", reason)
    }

    /// The subscription state.
    #[must_use]
    pub const fn state(&self) -> &SubState {
        &self.state
    }

    /// The `expires` parameter.
    #[must_use]
    pub const fn expires(&self) -> Option<u32> {
        self.expires
    }

    /// The `retry-after` parameter.
    #[must_use]
    pub const fn retry_after(&self) -> Option<u32> {
        self.retry_after
    }

    /// The `reason` parameter.
    #[must_use]
    pub fn reason(&self) -> Option<&[u8]> {
        self.params.get("reason").flatten()
    }

    /// All parameters, in order.
    #[must_use]
    pub const fn params(&self) -> &Params {
        &self.params
    }
}

impl TypedHeader for SubscriptionState {
    const NAME: HeaderName = HeaderName::SubscriptionState;
    const LIST: bool = false;
    fn parse(value: &Bytes) -> Result<Self> {
        Self::parse_owned(value.clone())
    }

    fn parse_owned(value: Bytes) -> Result<Self> {
        let (state, params) = token_with_params(value)?;
        let value = params.src();
        Ok(Self {
            state: SubState::from_token(value, state.of(value)),
            expires: numeric_param(value, &params, "expires")?,
            retry_after: numeric_param(value, &params, "retry-after")?,
            params,
        })
    }
}

display_raw!(SubscriptionState, |this| this.params.src());

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, ParseError};

    use crate::header::value::test_bytes as b;

    // REQ: SIP-2 (RFC 6665 §8.2.1; RFC 4575 conference package)
    #[test]
    fn events() {
        let e = Event::parse(&b("presence.winfo;id=1234 ; x")).unwrap();
        assert_eq!(e.event_type(), b"presence.winfo");
        assert_eq!(e.package(), b"presence");
        assert_eq!(e.templates().collect::<Vec<_>>(), vec![&b"winfo"[..]]);
        assert_eq!(e.id(), Some(&b"1234"[..]));
        assert!(e.params().contains("x"));
        let built = Event::new("conference").with_id("7");
        assert_eq!(built.to_string(), "conference;id=7");
        assert_eq!(Event::parse(&b("conference;id=7")).unwrap(), built);
        assert_eq!(
            Event::parse(&b("")).unwrap_err(),
            ParseError::new(ErrorKind::Token, 0)
        );
        assert_eq!(
            Event::parse(&b("a b")).unwrap_err(),
            ParseError::new(ErrorKind::TrailingBytes, 2)
        );
    }

    // REQ: SIP-2 (RFC 6665 §8.2.3)
    #[test]
    fn subscription_states() {
        let s = SubscriptionState::parse(&b("active;expires=600")).unwrap();
        assert_eq!((s.state(), s.expires()), (&SubState::Active, Some(600)));
        let s = SubscriptionState::parse(&b("Terminated;reason=timeout;retry-after=30")).unwrap();
        assert_eq!(s.state(), &SubState::Terminated);
        assert_eq!(s.reason(), Some(&b"timeout"[..]));
        assert_eq!(s.retry_after(), Some(30));
        let s = SubscriptionState::parse(&b("waiting")).unwrap();
        assert_eq!(s.state(), &SubState::Other(b("waiting")));
        let built = SubscriptionState::new(SubState::Terminated)
            .with_reason("noresource")
            .with_retry_after(5);
        assert_eq!(
            built.to_string(),
            "terminated;reason=noresource;retry-after=5"
        );
        assert_eq!(
            SubscriptionState::parse(&Bytes::from(built.to_string())).unwrap(),
            built
        );
        let built = SubscriptionState::new(SubState::Pending).with_expires(60);
        assert_eq!(
            SubscriptionState::parse(&b("pending;expires=60")).unwrap(),
            built
        );
        assert_eq!(
            SubscriptionState::parse(&b("active;expires=soon")).unwrap_err(),
            ParseError::new(ErrorKind::Number, 15)
        );
        assert_eq!(
            SubscriptionState::parse(&b("active;expires")).unwrap_err(),
            ParseError::new(ErrorKind::Expected(b'='), 14)
        );
    }
}
