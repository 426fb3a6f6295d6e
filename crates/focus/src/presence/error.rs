//! Errors of the presence publication (REQ: PRES-1), by who is at fault.

/// Why a [`Publisher`](super::Publisher) command was refused (blame: the caller's values or
/// a configured bound).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The presentity is not a SIP or SIPS URI.
    #[error("the presentity is not a SIP URI")]
    InvalidPresentity,
    /// [`PublisherConfig::max_publications`](super::PublisherConfig::max_publications)
    /// publications are kept already.
    #[error("at most {0} publications")]
    TooManyPublications(usize),
}
