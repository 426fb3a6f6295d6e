//! The body of the 200 OK to a joiner whose alias the focus assigned (REQ: ALIAS-3).

use bytes::Bytes;
use simpleim_cpim::{Address, alias_wrapper};

use super::policy::ChatAlias;

/// A SIP message body with its `Content-Type` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinBody {
    /// The `Content-Type` header value: `multipart/mixed; boundary="..."`.
    pub content_type: Bytes,
    /// The body bytes.
    pub body: Bytes,
}

/// Why [`alias_join_body`] failed: the caller's values cannot be written (blame: the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoinBodyError {
    /// The `message/cpim` wrapper could not be written (a URI holding `>` or a control
    /// character, or empty).
    #[error("message/cpim wrapper: {0}")]
    Cpim(#[from] simpleim_cpim::BuildError),
    /// The multipart body could not be written (a bad boundary, or one that occurs in a part).
    #[error("multipart body: {0}")]
    Multipart(#[from] simpleim_cpim::mime::BuildError),
}

/// The 200 OK body of seed 001 §7.2.3.2 for a joiner whose alias was assigned (ALIAS-3):
/// `multipart/mixed` with
/// 1. a `message/cpim` wrapper whose `To` is the assigned alias and whose `From` is
///    `conference` — "the authenticated IM address of the IM conference", written as given:
///    no `;conf=isfocus` is added, since seed 000 §7.2.3.1 asks for it on requests the switch
///    originates, and a 200 OK is not one (pass [`simpleim_cpim::with_isfocus`] output to add
///    it);
/// 2. the SDP answer, `application/sdp`.
///
/// `boundary` is the caller's (no randomness here); it must not occur in the parts.
///
/// ```
/// use bytes::Bytes;
/// use simpleim_cpim::{Address, CpimMessage};
/// use simpleim_cpim::mime::{ContentType, Multipart};
/// use simpleim_focus::alias::{ChatAlias, alias_join_body};
///
/// let alias = ChatAlias::new(Some("bob-2"), "sip:anonymous2@anonymous.invalid");
/// let conference = Address::uri_only(Bytes::from_static(b"sip:chat@conf.example.com"));
/// let sdp = Bytes::from_static(b"v=0\r\n");
/// let out = alias_join_body(conference, &alias, sdp.clone(), "alias-7f3a")?;
/// assert_eq!(&out.content_type[..], b"multipart/mixed; boundary=\"alias-7f3a\"");
///
/// let parts = Multipart::parse(&ContentType::parse(&out.content_type)?, &out.body)?.parts;
/// let wrapper = CpimMessage::parse(parts[0].body.clone())?;
/// assert_eq!(wrapper.to().next().unwrap()?.uri().as_ref(), b"sip:anonymous2@anonymous.invalid");
/// assert_eq!(parts[1].body, sdp);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`JoinBodyError`] when a URI or the boundary cannot be written.
pub fn alias_join_body(
    conference: Address,
    alias: &ChatAlias,
    sdp_answer: Bytes,
    boundary: &str,
) -> Result<JoinBody, JoinBodyError> {
    let wrapper = alias_wrapper(conference, alias.to_cpim_address()).build()?;
    let builder =
        simpleim_cpim::mime::MultipartBuilder::new(Bytes::copy_from_slice(boundary.as_bytes()))
            .typed_part(b"message/cpim", wrapper.as_bytes().clone())?
            .typed_part(b"application/sdp", sdp_answer)?;
    Ok(JoinBody {
        content_type: builder.content_type()?,
        body: builder.build()?,
    })
}
