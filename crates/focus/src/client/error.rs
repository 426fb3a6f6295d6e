//! Errors of the client helpers, by who is at fault: the caller's configuration or values
//! ([`ConfigError`], [`ClientError`]), or the peer's answer ([`JoinError`]).

use simpleim_sdp::negotiate::NegotiationError;
use simpleim_sip::dialog::DialogError;

/// Why a [`ClientConfig`](super::ClientConfig) could not be made (blame: the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The identity is not a SIP or SIPS URI.
    #[error("the identity is not a SIP URI")]
    Identity,
    /// The MSRP path is not one or more `msrp:`/`msrps:` URIs (RFC 4975 §8.2).
    #[error("MSRP path: {0}")]
    MsrpPath(simpleim_sdp::ParseError),
    /// No Contact URI can be written from the identity's user and the sent-by host.
    #[error("no contact URI can be made from the identity and the sent-by")]
    Contact,
    /// No registrar URI can be written from the identity's host.
    #[error("no registrar URI can be made from the identity")]
    Registrar,
}

/// Why a request could not be built (blame: the caller's values or configuration).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The SIP request could not be written (a value with a line break, a bad name).
    #[error("SIP request: {0}")]
    Sip(#[from] simpleim_sip::BuildError),
    /// The SDP offer could not be written from [`ClientConfig::msrp`](super::ClientConfig).
    #[error("SDP offer: {0}")]
    Offer(#[from] NegotiationError),
    /// The multipart body could not be written.
    #[error("body: {0}")]
    Body(#[from] crate::resource_lists::BuildError),
    /// An ad-hoc INVITE needs at least one invitee (seed 004 §6.1.3.2.2 step 5).
    #[error("an ad-hoc session needs at least one invitee")]
    NoInvitees,
    /// More invitees than `MAX-ADHOC-GROUP-SIZE` (seed 004 §6.1.3.2.2 step 6: the client
    /// tells the user instead of sending).
    #[error("{count} invitees, more than the maximum ad-hoc group size {max}")]
    TooManyInvitees {
        /// Distinct invitees in the list.
        count: usize,
        /// The provisioned maximum.
        max: usize,
    },
}

/// Why a response to the client's INVITE does not establish the session (blame: the peer,
/// except [`JoinError::NotOk`], which is the peer's refusal).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoinError {
    /// Not a 2xx: the focus refused (its Warning says why) or the response is provisional.
    #[error("the response is {0}, not a 2xx")]
    NotOk(u16),
    /// The 2xx does not answer this INVITE, or lacks what a dialog needs (Contact, tags).
    #[error("dialog: {0}")]
    Dialog(#[from] DialogError),
    /// The Contact header does not parse.
    #[error("Contact: {0}")]
    Contact(simpleim_sip::ParseError),
    /// The Content-Type does not parse.
    #[error("Content-Type: {0}")]
    ContentType(simpleim_cpim::ParseError),
    /// No SDP answer: no body, or no `application/sdp` (part).
    #[error("no SDP answer in the response")]
    NoAnswer,
    /// The `multipart/mixed` body does not split.
    #[error("multipart body: {0}")]
    Multipart(simpleim_cpim::ParseError),
    /// The `message/cpim` part (the alias wrapper, REQ: ALIAS-3) does not parse, or its `To`
    /// does not.
    #[error("message/cpim part: {0}")]
    Wrapper(simpleim_cpim::ParseError),
    /// The SDP answer does not parse.
    #[error("SDP answer: {0}")]
    Sdp(simpleim_sdp::ParseError),
    /// The SDP answer does not fit the offer (RFC 3264 §6), or accepts no MSRP line.
    #[error("SDP negotiation: {0}")]
    Negotiation(NegotiationError),
}
