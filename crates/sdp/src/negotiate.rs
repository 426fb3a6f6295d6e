//! SDP offer/answer for MSRP sessions (RFC 3264, RFC 4975 §8, RFC 6135, RFC 5547, RFC 7701;
//! REQ: SDP-3).
//!
//! Sans-IO and deterministic: the caller passes the `o=` line (session id and version), no
//! clock and no randomness are used.
//!
//! * Answerer: [`answer`] (or [`answer_session`], which also returns the
//!   [`NegotiatedSession`]) turns an [`SdpOffer`] and local [`MsrpCapabilities`] into an
//!   [`SdpAnswer`], or a [`NegotiationError`] whose [`status`](NegotiationError::status) is
//!   the SIP response (488).
//! * Offerer: [`Offerer::create_offer`] returns a [`PendingOffer`] and the [`SdpOffer`] to
//!   send; [`PendingOffer::accept_answer`] checks the answer and yields the
//!   [`NegotiatedSession`]. Dropping a `PendingOffer` rolls back: nothing else changed
//!   (the str0m model).
//! * Session modification: [`NegotiatedSession::reoffer`] offers again with the same `o=`
//!   session id and version + 1 (RFC 3264 §8); the current session stays in force until the
//!   new answer is accepted.
//! * Focus relaying between two legs: [`merge_accept_types`] (OMA IM seeds 002 §7.2.1.2,
//!   §7.2.1.3).
//!
//! ```
//! use bytes::Bytes;
//! use simpleim_sdp::attr::{AcceptTypes, Path};
//! use simpleim_sdp::negotiate::{answer, MsrpCapabilities, SdpOffer};
//! use simpleim_sdp::Origin;
//!
//! let offer = SdpOffer::parse(Bytes::from_static(
//!     b"v=0\r\no=alice 1 1 IN IP4 a.example\r\ns=-\r\nc=IN IP4 a.example\r\nt=0 0\r\n\
//!       m=message 7777 TCP/MSRP *\r\na=accept-types:text/plain message/cpim\r\n\
//!       a=path:msrp://a.example:7777/s1;tcp\r\n",
//! ))
//! .unwrap();
//! let local = MsrpCapabilities::builder(
//!     Path::parse(&Bytes::from_static(b"msrp://b.example:8888/s2;tcp")).unwrap(),
//!     AcceptTypes::parse(&Bytes::from_static(b"text/*")).unwrap(),
//! )
//! .build();
//! let origin = Origin {
//!     username: "bob",
//!     session_id: 5,
//!     session_version: 1,
//!     net_type: "IN",
//!     addr_type: "IP4",
//!     unicast_address: "b.example",
//! };
//! let answer = answer(&offer, &local, &origin).unwrap();
//! let m = &answer.as_sdp().media()[0];
//! assert_eq!(m.attribute("accept-types").unwrap().value, Some("text/plain"));
//! ```

use bytes::Bytes;

use crate::attr::{AcceptTypes, AcceptWrappedTypes, Chatroom, MediaRange, Path, Setup};
use crate::{ParseOptions, SessionDescription};

mod answer;
mod error;
mod offer;

pub use answer::{answer, answer_session, merge_accept_types};
pub use error::NegotiationError;
pub use offer::{FileOffer, NegotiatedSession, Offerer, PendingOffer};

macro_rules! sdp_newtype {
    ($(#[$doc:meta])* $ty:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $ty(pub SessionDescription);

        impl $ty {
            /// Parses a received body leniently (a peer's small deviations are tolerated; the
            /// negotiation reads only what it understands).
            ///
            /// # Errors
            /// When the body is not a session description at all.
            pub fn parse(body: Bytes) -> crate::Result<Self> {
                SessionDescription::parse_with(body, &ParseOptions::lenient()).map(Self)
            }

            /// The description.
            #[must_use]
            pub const fn as_sdp(&self) -> &SessionDescription {
                &self.0
            }

            /// The description, owned.
            #[must_use]
            pub fn into_inner(self) -> SessionDescription {
                self.0
            }

            /// The body to send.
            #[must_use]
            pub fn to_bytes(&self) -> Bytes {
                self.0.to_bytes()
            }
        }

        impl From<SessionDescription> for $ty {
            fn from(sdp: SessionDescription) -> Self {
                Self(sdp)
            }
        }
    };
}

sdp_newtype!(
    /// A description sent or received as an offer (RFC 3264 §5).
    SdpOffer
);
sdp_newtype!(
    /// A description sent or received as an answer (RFC 3264 §6).
    SdpAnswer
);

/// What the local end of an MSRP session can do: the inputs of an offer or an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsrpCapabilities {
    /// The types we accept as message bodies (`a=accept-types`).
    pub accept_types: AcceptTypes,
    /// The types we accept only wrapped in a container (`a=accept-wrapped-types`).
    pub accept_wrapped_types: Option<AcceptWrappedTypes>,
    /// The largest message we accept (`a=max-size`), in octets.
    pub max_size: Option<u64>,
    /// Our own `a=path` (the rightmost URI is us). Its scheme selects the proto: `msrps`
    /// goes with `TCP/TLS/MSRP`, `msrp` with `TCP/MSRP`; its port is the `m=` port.
    pub path: Path,
    /// Our connection role preference (RFC 6135): `Active` (default: we connect, the
    /// RFC 4975 answerer's role), `Passive`, `ActPass` or `HoldConn`.
    pub setup: Setup,
    /// Whether we support the connection establishment for media anchoring (RFC 6714).
    pub cema: bool,
    /// Whether we accept file transfer offers (RFC 5547).
    pub file_transfer: bool,
    /// Our chat room extensions (RFC 7701), when we are or join a chat room.
    pub chatroom: Option<Chatroom>,
}

impl MsrpCapabilities {
    /// A builder with the two mandatory parts; everything else defaults (no wrapped types, no
    /// max-size, setup `active`, no CEMA, no file transfer, no chat room).
    pub const fn builder(path: Path, accept_types: AcceptTypes) -> MsrpCapabilitiesBuilder {
        MsrpCapabilitiesBuilder(Self {
            accept_types,
            accept_wrapped_types: None,
            max_size: None,
            path,
            setup: Setup::Active,
            cema: false,
            file_transfer: false,
            chatroom: None,
        })
    }

    /// Whether `path` is an `msrps:` path (MSRP over TLS).
    fn tls(&self) -> bool {
        self.path.target().is_some_and(|u| {
            u.get(..6)
                .is_some_and(|s| s.eq_ignore_ascii_case(b"msrps:"))
        })
    }

    /// The proto matching our path's scheme.
    fn proto(&self) -> &'static str {
        if self.tls() {
            "TCP/TLS/MSRP"
        } else {
            "TCP/MSRP"
        }
    }

    /// The port of our path's first hop (what the peer connects to), else 2855, the MSRP
    /// default (RFC 4975 §15.5).
    fn port(&self) -> u16 {
        self.path
            .next_hop()
            .and_then(|u| uri_port(u))
            .unwrap_or(2855)
    }
}

/// The port of `msrp[s]://host[:port]/...`, when written.
fn uri_port(uri: &[u8]) -> Option<u16> {
    let rest = uri.get(uri.windows(3).position(|w| w == b"://")? + 3..)?;
    let end = rest
        .iter()
        .position(|&b| b == b'/' || b == b';')
        .unwrap_or(rest.len());
    let authority = rest.get(..end)?;
    let colon = authority.iter().rposition(|&b| b == b':')?;
    if authority.get(colon + 1..)?.contains(&b']') {
        return None;
    }
    core::str::from_utf8(authority.get(colon + 1..)?)
        .ok()?
        .parse()
        .ok()
}

/// Builds [`MsrpCapabilities`]; see [`MsrpCapabilities::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct MsrpCapabilitiesBuilder(MsrpCapabilities);

impl MsrpCapabilitiesBuilder {
    /// `a=accept-wrapped-types`.
    pub fn accept_wrapped_types(mut self, types: AcceptWrappedTypes) -> Self {
        self.0.accept_wrapped_types = Some(types);
        self
    }

    /// `a=max-size`, in octets.
    pub const fn max_size(mut self, octets: u64) -> Self {
        self.0.max_size = Some(octets);
        self
    }

    /// The connection role preference.
    pub const fn setup(mut self, setup: Setup) -> Self {
        self.0.setup = setup;
        self
    }

    /// CEMA support (RFC 6714).
    pub const fn cema(mut self, cema: bool) -> Self {
        self.0.cema = cema;
        self
    }

    /// File transfer support (RFC 5547).
    pub const fn file_transfer(mut self, file_transfer: bool) -> Self {
        self.0.file_transfer = file_transfer;
        self
    }

    /// Chat room extensions (RFC 7701).
    pub fn chatroom(mut self, chatroom: Chatroom) -> Self {
        self.0.chatroom = Some(chatroom);
        self
    }

    /// The capabilities.
    #[must_use]
    pub fn build(self) -> MsrpCapabilities {
        self.0
    }
}

/// Whether an `m=` line is an MSRP one: media `message`, proto `TCP/MSRP` or `TCP/TLS/MSRP`
/// (RFC 4975 §8.1, case-insensitive).
fn is_msrp(media: &str, proto: &str) -> bool {
    media.eq_ignore_ascii_case("message")
        && (proto.eq_ignore_ascii_case("TCP/MSRP") || proto.eq_ignore_ascii_case("TCP/TLS/MSRP"))
}

/// The ranges written SP-separated, for an attribute value.
fn join(ranges: &[MediaRange]) -> String {
    let mut out = String::new();
    for (i, r) in ranges.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&String::from_utf8_lossy(r.as_bytes()));
    }
    out
}

/// The typed attribute `T` of a media section: `None` when absent, `Some(Err)` when malformed.
fn typed<T: crate::attr::TypedAttribute>(m: &crate::MediaDescription) -> Option<crate::Result<T>> {
    m.attribute(T::NAME)
        .map(|a| T::parse(&Bytes::copy_from_slice(a.value.unwrap_or("").as_bytes())))
}
