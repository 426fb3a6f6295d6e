//! URI parameters (`;name=value`) of SIP and tel URIs, and how they compare.

use super::escape::{check_chars, is_param_char};
use super::unescape;
use crate::error::{ErrorKind, Result};
use crate::lex::Cursor;
use crate::params::{ParamIndex, ParamItems, ParamRef, Params, RawParam};
use crate::parse::Span;

/// Parameters whose presence in only one URI makes two URIs differ (RFC 3261 §19.1.4).
const SIGNIFICANT_PARAMS: [&[u8]; 5] = [b"user", b"ttl", b"method", b"maddr", b"transport"];

/// `*( ";" pname [ "=" pvalue ] )` of a SIP or tel URI, each checked against `paramchar`.
/// Spans are offsets into the cursor's input.
pub(super) fn parse_uri_params(c: &mut Cursor<'_>) -> Result<ParamItems> {
    let mut params = ParamItems::new();
    let class = |b: u8| is_param_char(b) || b == b'%';
    while c.eat(b';') {
        let at = c.pos();
        let name = c.take_while(class);
        if name.is_empty() {
            return Err(c.error(ErrorKind::UriParam));
        }
        check_chars(name, at, is_param_char, ErrorKind::UriParam)?;
        let name = Span::new(at, at + name.len());
        let value = if c.eat(b'=') {
            let at = c.pos();
            let v = c.take_while(class);
            if v.is_empty() {
                return Err(c.error(ErrorKind::UriParam));
            }
            check_chars(v, at, is_param_char, ErrorKind::UriParam)?;
            Some(Span::new(at, at + v.len()))
        } else {
            None
        };
        params.push(RawParam::new(name, value));
    }
    Ok(params)
}

/// `params` indexed by unescaped name, for comparisons.
pub(super) fn by_unescaped_name(params: &Params) -> ParamIndex<'_> {
    ParamIndex::new(params, unescape)
}

/// The parameter whose unescaped name equals `name` case-insensitively.
pub(super) fn find_unescaped<'a>(params: &'a Params, name: &[u8]) -> Option<ParamRef<'a>> {
    params
        .iter()
        .find(|p| unescape(p.name).eq_ignore_ascii_case(name))
}

/// Two optional parameter values, unescaped and compared case-insensitively.
fn opt_value_eq_ci(a: Option<&[u8]>, b: Option<&[u8]>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => unescape(a).eq_ignore_ascii_case(&unescape(b)),
        (None, None) => true,
        _ => false,
    }
}

/// RFC 3261 §19.1.4 parameter rules, checked from `a`'s side: a parameter in both must match;
/// a significant one must be in both. Both sides are indexed by [`by_unescaped_name`]; a name
/// repeated in one URI (which §19.1.1 forbids, but which arrives) is compared by its first
/// occurrence, as lookups see it.
pub(super) fn params_cover(a: &ParamIndex<'_>, b: &ParamIndex<'_>) -> bool {
    a.firsts().all(|(name, p)| match b.find_key(name) {
        Some(q) => opt_value_eq_ci(p.value, q.value),
        None => !SIGNIFICANT_PARAMS
            .iter()
            .any(|s| name.eq_ignore_ascii_case(s)),
    })
}

#[cfg(test)]
mod duplicate_tests {
    use bytes::Bytes;

    use crate::uri::Uri;

    // REQ: SIP-3 — found by the sip_uri fuzz target: a URI repeating a parameter was not equal
    // to itself.
    #[test]
    fn repeated_params_compare_reflexively() {
        for s in [
            "sip:a@b;maddr=x;maddr=y",
            "sip:a@b;gr=1;gr=2",
            "tel:+1;a=1;A=2",
            "sip:a@b;%2541=1",
            // The fuzzer's reproducer, verbatim.
            "sip:[2001:db8::10]:5070;maddr=[5070;maddr=[001:db8::1001:db8::1]",
        ] {
            let u = Uri::parse(&Bytes::from(s)).unwrap();
            assert_eq!(u, u.clone(), "{s}");
        }
        let a = Uri::parse(&Bytes::from_static(b"sip:a@b;maddr=x;maddr=y")).unwrap();
        let b = Uri::parse(&Bytes::from_static(b"sip:a@b;maddr=x")).unwrap();
        let c = Uri::parse(&Bytes::from_static(b"sip:a@b;maddr=y")).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use crate::uri::Uri;

    // REQ: SIP-3 — comparing URIs costs O(n log n) in their parameters: a 64 KiB Request-URI
    // holds thousands, and a scan of one list per parameter of the other (unescaping each
    // name again) took 14 s for 8000 escaped parameters.
    #[test]
    // Many parameters in opposite orders compare equal (an O(n log n) index, not a scan per
    // parameter: a quadratic comparison of this URI took seconds).
    fn comparing_many_params_is_not_quadratic() {
        let names: Vec<String> = (0..8000).map(|i| format!(";p%61{i}=v")).collect();
        let forward = format!("sip:a@h{}", names.concat());
        let backward = format!("sip:a@h{}", names.iter().rev().cloned().collect::<String>());
        let (a, b) = (
            Uri::parse(&Bytes::from(forward)).unwrap(),
            Uri::parse(&Bytes::from(backward)).unwrap(),
        );
        assert_eq!(a, b);
        assert_ne!(
            a,
            Uri::parse(&Bytes::from_static(b"sip:a@h;maddr=x")).unwrap()
        );
    }
}
