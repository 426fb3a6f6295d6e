//! `a=accept-types` and `a=accept-wrapped-types` (RFC 4975 §8.6).

use core::fmt;

use bytes::Bytes;
use smallvec::SmallVec;

use super::media_range::MediaRange;
use super::scan::{check_line_safe, err, join_sp, split_items, write_bytes};
use crate::Result;

/// The parsed `format-list` shared by both attributes: the value plus one [`MediaRange`] per
/// entry (slices of the value, no copies).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FormatList {
    raw: Bytes,
    ranges: SmallVec<[MediaRange; 4]>,
}

impl FormatList {
    /// `format-list = format-entry *(SP format-entry)`; at least one entry.
    fn parse(value: &Bytes) -> Result<Self> {
        check_line_safe(value)?;
        let spans = split_items(value, true)?;
        if spans.is_empty() {
            return Err(err(value.len()));
        }
        let ranges = spans
            .into_iter()
            .map(|span| MediaRange::parse_span(value, span, true))
            .collect::<Result<_>>()?;
        Ok(Self {
            raw: value.clone(),
            ranges,
        })
    }

    /// The entries joined by SP; `None` when there are none.
    fn from_ranges(ranges: impl IntoIterator<Item = MediaRange>) -> Option<Self> {
        join_sp(ranges, false).and_then(|v| Self::parse(&v)).ok()
    }

    fn accepts(&self, media_type: &[u8], subtype: &[u8]) -> bool {
        self.ranges.iter().any(|r| r.matches(media_type, subtype))
    }

    /// For each entry of `self` in order: kept when `other` covers it, else replaced by the
    /// entries of `other` it covers (in `other`'s order). Duplicates are dropped.
    fn intersect(&self, other: &Self) -> Vec<MediaRange> {
        let mut out: Vec<MediaRange> = Vec::new();
        let mut push = |r: &MediaRange| {
            if !out.iter().any(|o| o.same_type(r)) {
                out.push(r.clone());
            }
        };
        for a in &self.ranges {
            if other.ranges.iter().any(|b| b.covers(a)) {
                push(a);
            } else {
                other
                    .ranges
                    .iter()
                    .filter(|b| a.covers(b))
                    .for_each(&mut push);
            }
        }
        out
    }
}

macro_rules! format_list_attribute {
    ($(#[$doc:meta])* $ty:ident, $name:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $ty(FormatList);

        impl $ty {
            /// The attribute name.
            pub const NAME: &'static str = $name;

            /// Parses the value (the bytes after `a=` name `:`). Leading, trailing and repeated
            /// whitespace between entries is tolerated; there must be at least one entry.
            pub fn parse(value: &Bytes) -> Result<Self> {
                FormatList::parse(value).map(Self)
            }

            /// The value listing `ranges` separated by SP; `None` when `ranges` is empty (an
            /// empty list is not a valid value: for an answer it means "no common type", which
            /// SIP answers with 488).
            #[must_use]
            pub fn from_ranges(ranges: impl IntoIterator<Item = MediaRange>) -> Option<Self> {
                FormatList::from_ranges(ranges).map(Self)
            }

            /// The entries, in the order written.
            pub fn iter(&self) -> impl Iterator<Item = &MediaRange> {
                self.0.ranges.iter()
            }

            /// The entries as a slice.
            #[must_use]
            pub fn ranges(&self) -> &[MediaRange] {
                &self.0.ranges
            }

            /// Whether a body of `media_type/subtype` is acceptable: an entry equals it, or is
            /// `media_type/*`, or is `*` (RFC 4975 §8.6). Case-insensitive; parameters ignored.
            #[must_use]
            pub fn accepts(&self, media_type: &[u8], subtype: &[u8]) -> bool {
                self.0.accepts(media_type, subtype)
            }

            /// The types both `self` (the offer) and `other` (local capabilities) accept, in
            /// the offer's order (RFC 4975 §8.6, REQ: SDP-3). An offered entry is kept as
            /// written when `other` covers it (`*`, `type/*` or the same type); otherwise, if
            /// it is a wildcard, it is narrowed to the entries of `other` that it covers.
            /// Duplicates are dropped. An empty result means no common type.
            #[must_use]
            pub fn intersect(&self, other: &Self) -> Vec<MediaRange> {
                self.0.intersect(&other.0)
            }

            /// The exact value bytes.
            #[must_use]
            pub fn as_bytes(&self) -> &[u8] {
                &self.0.raw
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_bytes(f, &self.0.raw)
            }
        }

        super::typed_attribute!($ty);
    };
}

format_list_attribute!(
    /// `a=accept-types:<format-list>` (RFC 4975 §8.6): the media types that may be sent as the
    /// root body of MSRP messages. Mandatory on an MSRP media line.
    AcceptTypes,
    "accept-types"
);

format_list_attribute!(
    /// `a=accept-wrapped-types:<format-list>` (RFC 4975 §8.6): media types accepted only when
    /// wrapped inside a container type listed in `accept-types` (e.g. inside `message/cpim`).
    AcceptWrappedTypes,
    "accept-wrapped-types"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use proptest::prelude::*;

    fn at(s: &str) -> AcceptTypes {
        AcceptTypes::parse(&Bytes::copy_from_slice(s.as_bytes())).unwrap()
    }

    fn names(v: &[MediaRange]) -> Vec<String> {
        v.iter().map(ToString::to_string).collect()
    }

    // REQ: SDP-2
    #[test]
    fn rfc4975_examples() {
        // RFC 4975 §8.7, figure 9, with its space after the colon.
        let a = at(" message/cpim text/plain text/html");
        assert_eq!(
            names(a.ranges()),
            ["message/cpim", "text/plain", "text/html"]
        );
        assert_eq!(a.to_string(), " message/cpim text/plain text/html");
        assert!(a.accepts(b"text", b"html"));
        assert!(!a.accepts(b"image", b"png"));
        assert_eq!(AcceptTypes::NAME, "accept-types");

        let w = AcceptWrappedTypes::parse(&Bytes::from_static(b"text/plain image/*")).unwrap();
        assert!(w.accepts(b"image", b"jpeg"));
        assert!(w.accepts(b"text", b"plain"));
        assert!(!w.accepts(b"text", b"html"));
        assert_eq!(w.to_string(), "text/plain image/*");
        assert_eq!(AcceptWrappedTypes::NAME, "accept-wrapped-types");
    }

    // REQ: SDP-2
    #[test]
    fn star_accepts_everything() {
        let a = at("*");
        assert!(a.accepts(b"application", b"im-iscomposing+xml"));
    }

    // REQ: SDP-3
    #[test]
    fn intersection_of_explicit_lists_keeps_offer_order() {
        let offer = at("message/cpim text/plain text/html");
        let local = at("text/html message/cpim");
        assert_eq!(
            names(&offer.intersect(&local)),
            ["message/cpim", "text/html"]
        );
        // RFC 4975 §8.7: B answers with the two types it shares with A.
        let b = at("message/cpim text/plain");
        assert_eq!(names(&offer.intersect(&b)), ["message/cpim", "text/plain"]);
    }

    // REQ: SDP-3
    #[test]
    fn intersection_honours_wildcards() {
        // Offer `*`: narrowed to what we accept, in our order at the `*` position.
        assert_eq!(
            names(&at("text/plain *").intersect(&at("image/* text/plain"))),
            ["text/plain", "image/*"]
        );
        // Offer `type/*`: narrowed to our entries of that type.
        assert_eq!(
            names(&at("image/* text/plain").intersect(&at("image/png text/html image/gif"))),
            ["image/png", "image/gif"]
        );
        // We accept `*` or `type/*`: offered entries kept as written, params included.
        assert_eq!(
            names(&at("text/plain;charset=UTF-8 image/png text/*").intersect(&at("text/*"))),
            ["text/plain;charset=UTF-8", "text/*"]
        );
        assert_eq!(
            names(&at("message/cpim image/*").intersect(&at("*"))),
            ["message/cpim", "image/*"]
        );
        // Both `*`.
        assert_eq!(names(&at("*").intersect(&at("*"))), ["*"]);
        // Nothing in common.
        assert!(at("text/plain").intersect(&at("image/*")).is_empty());
        // Case-insensitive, no duplicates.
        assert_eq!(
            names(&at("TEXT/Plain text/plain").intersect(&at("text/PLAIN"))),
            ["TEXT/Plain"]
        );
    }

    // REQ: SDP-3
    #[test]
    fn answer_from_intersection() {
        let offer = at("message/cpim text/plain image/*");
        let local = at("text/plain image/png");
        let answer = AcceptTypes::from_ranges(offer.intersect(&local)).unwrap();
        assert_eq!(answer.to_string(), "text/plain image/png");
        assert!(AcceptTypes::from_ranges(Vec::new()).is_none());
    }

    #[test]
    fn builder_canonical() {
        let a = AcceptTypes::from_ranges([
            MediaRange::new("message", "cpim").unwrap(),
            MediaRange::any_subtype("text").unwrap(),
            MediaRange::any(),
        ])
        .unwrap();
        assert_eq!(a.to_string(), "message/cpim text/* *");
    }

    #[test]
    fn located_errors() {
        let e = AcceptTypes::parse(&Bytes::from_static(b"text/plain tex")).unwrap_err();
        assert_eq!((e.kind, e.offset, e.line), (ErrorKind::Attribute, 11, 0));
        let e = AcceptTypes::parse(&Bytes::from_static(b"text/plain image/p,ng")).unwrap_err();
        assert_eq!(e.offset, 18);
        let e = AcceptTypes::parse(&Bytes::from_static(b"  ")).unwrap_err();
        assert_eq!(e.offset, 2);
        let e = AcceptTypes::parse(&Bytes::from_static(b"text/plain\r\n")).unwrap_err();
        assert_eq!(e.offset, 10);
    }

    fn token() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9][a-zA-Z0-9+.-]{0,10}"
    }

    fn entry() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("*".to_owned()),
            token().prop_map(|t| format!("{t}/*")),
            (token(), token()).prop_map(|(t, s)| format!("{t}/{s}")),
            (token(), token(), token(), token())
                .prop_map(|(t, s, n, v)| format!("{t}/{s};{n}={v}")),
            (token(), token(), token(), "[ a-z\\\\\"]{0,8}").prop_map(|(t, s, n, v)| {
                let q = v.replace('\\', "\\\\").replace('"', "\\\"");
                format!("{t}/{s};{n}=\"{q}\"")
            }),
        ]
    }

    proptest! {
        // REQ: SDP-2
        #[test]
        fn round_trip(entries in proptest::collection::vec(entry(), 1..6), sep in " {1,3}") {
            let text = entries.join(&sep);
            let a = AcceptTypes::parse(&Bytes::from(text.clone())).unwrap();
            prop_assert_eq!(a.to_string(), text.clone());
            prop_assert_eq!(a.ranges().len(), entries.len());
            let again = AcceptTypes::parse(&Bytes::from(a.to_string())).unwrap();
            prop_assert_eq!(&again, &a);
            let canon = AcceptTypes::from_ranges(a.iter().cloned()).unwrap();
            prop_assert_eq!(canon.to_string(), entries.join(" "));
            // Intersecting with itself keeps every distinct entry, in order.
            let own = a.intersect(&a);
            prop_assert!(own.iter().all(|r| a.iter().any(|x| x.same_type(r))));
        }
    }
}
