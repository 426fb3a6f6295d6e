//! Comparing CPIM addresses with participant identities (REQ: SW-3, SW-4, SW-8) and MIME
//! types with SDP type lists (REQ: SW-1).
//!
//! # The address rule
//! CPIM (RFC 3862 §4.1) carries a URI and leaves its comparison to the scheme. The switch
//! compares two URIs as the SIP rule (RFC 3261 §19.1.4) does for what identifies a user:
//! - the scheme ASCII case-insensitively (`SIP:` = `sip:`);
//! - the user part (before `@`) byte for byte (it is case-sensitive);
//! - the host and port ASCII case-insensitively;
//! - URI parameters and headers (after `;` or `?` in the host part) are ignored, so that
//!   `<sip:room@example.com;conf=isfocus>` names `sip:room@example.com` (REQ: SW-4) and a
//!   client's `;transport=tcp` does not make its own address a stranger's;
//! - surrounding white space is ignored (the seeds write `< sip:...; conf=isfocus >`).
//!
//! The formal (display) name is not part of the identity: a client may write its display
//! name as it likes. A URI without `@` (`tel:+1234`) compares whole, up to its parameters.

/// The parts of a URI that identify a user: scheme, user (if any), host and port.
fn key(uri: &[u8]) -> (&[u8], Option<&[u8]>, &[u8]) {
    let uri = trim(uri);
    let (scheme, rest) = match memchr::memchr(b':', uri) {
        Some(i) => (
            uri.get(..i).unwrap_or_default(),
            uri.get(i + 1..).unwrap_or_default(),
        ),
        None => (&b""[..], uri),
    };
    // The user part may itself hold `;` and `?` (RFC 3261 `user-unreserved`): split at the
    // last `@` first, then cut the host part's parameters.
    let (user, host) = match memchr::memrchr(b'@', rest) {
        Some(i) => (
            Some(rest.get(..i).unwrap_or_default()),
            rest.get(i + 1..).unwrap_or_default(),
        ),
        None => (None, rest),
    };
    let end = host
        .iter()
        .position(|&b| b == b';' || b == b'?')
        .unwrap_or(host.len());
    (scheme, user, trim(host.get(..end).unwrap_or_default()))
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|&c| c != b' ' && c != b'\t')
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|&c| c != b' ' && c != b'\t')
        .map_or(start, |i| i + 1);
    b.get(start..end).unwrap_or_default()
}

/// Whether two URIs name the same user under the rule of this module.
pub(crate) fn same_user(a: &[u8], b: &[u8]) -> bool {
    let (sa, ua, ha) = key(a);
    let (sb, ub, hb) = key(b);
    !ha.is_empty() && sa.eq_ignore_ascii_case(sb) && ua == ub && ha.eq_ignore_ascii_case(hb)
}

/// The `type/subtype` of a Content-Type value, without parameters or white space.
pub(crate) fn media_type(content_type: &[u8]) -> &[u8] {
    let end = memchr::memchr(b';', content_type).unwrap_or(content_type.len());
    trim(content_type.get(..end).unwrap_or_default())
}

/// Whether `content_type` is `message/cpim` (REQ: SW-1).
pub(crate) fn is_cpim(content_type: &[u8]) -> bool {
    media_type(content_type).eq_ignore_ascii_case(b"message/cpim")
}

/// Whether the payload type is one CHAT-1 says is always relayed: IMDN (RFC 5438) and
/// is-composing (RFC 3994).
pub(crate) fn is_notification(content_type: &[u8]) -> bool {
    let t = media_type(content_type);
    t.eq_ignore_ascii_case(b"message/imdn+xml")
        || t.eq_ignore_ascii_case(b"application/im-iscomposing+xml")
}

/// Whether an SDP accept list (empty: anything) takes `content_type`: `*`, `type/*` and
/// exact types, ASCII case-insensitively (RFC 4975 §8.6).
pub(crate) fn accepts(list: &[String], content_type: &[u8]) -> bool {
    if list.is_empty() {
        return true;
    }
    let t = media_type(content_type);
    let major = t.split(|&b| b == b'/').next().unwrap_or_default();
    list.iter().any(|entry| {
        let e = media_type(entry.as_bytes());
        e == b"*"
            || e.eq_ignore_ascii_case(t)
            || e.strip_suffix(b"/*")
                .is_some_and(|m| m.eq_ignore_ascii_case(major))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sip_identity_rule() {
        // REQ: SW-3
        assert!(same_user(
            b"sip:alice@example.com",
            b"SIP:alice@EXAMPLE.com"
        ));
        assert!(same_user(
            b"sip:alice@example.com",
            b" sip:alice@example.com;transport=tcp "
        ));
        assert!(!same_user(
            b"sip:alice@example.com",
            b"sip:Alice@example.com"
        ));
        assert!(!same_user(
            b"sip:alice@example.com",
            b"sip:alice@example.org"
        ));
        assert!(!same_user(
            b"sip:alice@example.com",
            b"sips:alice@example.com"
        ));
        assert!(!same_user(b"sip:alice@example.com", b"sip:example.com"));
        assert!(same_user(b"tel:+1234", b"tel:+1234;phone-context=x"));
        assert!(!same_user(b"", b""));
        // A `@` inside the user part does not move the host.
        assert!(!same_user(
            b"sip:a;x=@evil.com@example.com",
            b"sip:a@example.com"
        ));
    }

    #[test]
    fn conference_uri_with_isfocus() {
        // REQ: SW-4, SW-9
        assert!(same_user(
            b"sip:room@conf.example.com",
            b"sip:room@conf.example.com; conf=isfocus "
        ));
    }

    #[test]
    fn accept_lists() {
        // REQ: SW-1
        let list = vec!["text/*".to_owned(), "message/CPIM".to_owned()];
        assert!(accepts(&list, b"message/cpim"));
        assert!(accepts(&list, b"text/plain; charset=utf-8"));
        assert!(!accepts(&list, b"image/png"));
        assert!(accepts(&[], b"image/png"));
        assert!(accepts(&["*".to_owned()], b"image/png"));
        assert!(is_cpim(b"Message/CPIM ;x=y"));
        assert!(is_notification(b"message/imdn+xml"));
        assert!(!is_notification(b"text/plain"));
    }
}
