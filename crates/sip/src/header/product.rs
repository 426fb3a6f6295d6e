//! `User-Agent` and `Server` (RFC 3261 §20.41, §20.35): products and comments.
//!
//! ```text
//! User-Agent = "User-Agent" HCOLON server-val *(LWS server-val)
//! server-val = product / comment
//! product    = token [SLASH product-version]
//! ```
//! Both headers are defined by one macro. OMA IM announces its release this way
//! (`IM-client/OMA1.0`, `IM-serv/OMA2.0`); [`UserAgent::product_version`] finds it.

use super::value::display_raw;

use bytes::Bytes;
use smallvec::SmallVec;

use super::TypedHeader;
use super::value::comment;
use crate::error::{ErrorKind, Result};
use crate::lex::Cursor;
use crate::name::HeaderName;
use crate::parse::{OptSpan, Span};

/// A `product`: a name and an optional version, borrowed from the header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Product<'a> {
    name: &'a [u8],
    version: Option<&'a [u8]>,
}

impl<'a> Product<'a> {
    /// The product name.
    #[must_use]
    pub const fn name(&self) -> &'a [u8] {
        self.name
    }

    /// The version after `/`, if any.
    #[must_use]
    pub const fn version(&self) -> Option<&'a [u8]> {
        self.version
    }
}

/// One `server-val`: a product or a comment, borrowed from the header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerVal<'a> {
    /// `token [ "/" token ]`
    Product(Product<'a>),
    /// `( ... )`, with its parentheses.
    Comment(&'a [u8]),
}

/// A `server-val` as spans into its header value.
#[derive(Debug, Clone, Copy)]
enum ServerSpan {
    Product { name: Span, version: OptSpan },
    Comment(Span),
}

impl ServerSpan {
    fn view(self, src: &[u8]) -> ServerVal<'_> {
        match self {
            Self::Product { name, version } => ServerVal::Product(Product {
                name: name.of(src),
                version: version.of(src),
            }),
            Self::Comment(c) => ServerVal::Comment(c.of(src)),
        }
    }
}

/// `server-val *(LWS server-val)`.
fn parse_server_vals(value: &Bytes) -> Result<SmallVec<[ServerSpan; 4]>> {
    let mut cur = Cursor::new(value);
    let mut items = SmallVec::new();
    loop {
        cur.skip_ws();
        match cur.peek() {
            None if items.is_empty() => return Err(cur.error(ErrorKind::Empty)),
            None => break,
            Some(b'(') => {
                let at = cur.pos();
                let c = comment(&mut cur)?;
                items.push(ServerSpan::Comment(Span::new(at, at + c.len())));
                // A comment is self-delimiting: what follows needs no LWS.
                continue;
            }
            Some(_) => {
                let at = cur.pos();
                let name = Span::new(at, at + cur.token()?.len());
                let version = if cur.eat_sep(b'/') {
                    let at = cur.pos();
                    OptSpan::new(at, at + cur.token()?.len())
                } else {
                    OptSpan::NONE
                };
                items.push(ServerSpan::Product { name, version });
            }
        }
        // Products are separated by LWS; a comment may follow without (real agents do that).
        if !cur.is_empty() && !cur.skip_ws() && cur.peek() != Some(b'(') {
            return Err(cur.error(ErrorKind::UnexpectedByte));
        }
    }
    Ok(items)
}

/// Writes `vals` separated by SP and spans them.
fn render<'a>(vals: impl Iterator<Item = ServerVal<'a>>) -> (SmallVec<[ServerSpan; 4]>, Bytes) {
    let mut out = Vec::new();
    let mut items = SmallVec::new();
    for item in vals {
        if !out.is_empty() {
            out.push(b' ');
        }
        let mut put = |part: &[u8]| {
            let s = Span::new(out.len(), out.len() + part.len());
            out.extend_from_slice(part);
            s
        };
        items.push(match item {
            ServerVal::Product(p) => {
                let name = put(p.name);
                let version = match p.version {
                    Some(v) => {
                        put(b"/");
                        OptSpan::from_option(Some(put(v)))
                    }
                    None => OptSpan::NONE,
                };
                ServerSpan::Product { name, version }
            }
            ServerVal::Comment(c) => ServerSpan::Comment(put(c)),
        });
    }
    (items, Bytes::from(out))
}

/// Defines a header whose value is `server-val *(LWS server-val)`.
macro_rules! products_header {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            items: SmallVec<[ServerSpan; 4]>,
            raw: Bytes,
        }

        impl $name {
            /// A value naming one product, `name[/version]`; both must be tokens.
            #[must_use]
            pub fn new(name: &str, version: Option<&str>) -> Self {
                Self { items: SmallVec::new(), raw: Bytes::new() }.with_product(name, version)
            }

            /// This value followed by another product.
            #[must_use]
            pub fn with_product(self, name: &str, version: Option<&str>) -> Self {
                let added = ServerVal::Product(Product {
                    name: name.as_bytes(),
                    version: version.map(str::as_bytes),
                });
                let (items, raw) = render(self.iter().chain([added]));
                Self { items, raw }
            }

            /// This value followed by a comment holding `text`; parentheses and `\` in the
            /// text are escaped as quoted-pairs, CR and LF become spaces.
            #[must_use]
            pub fn with_comment(self, text: &str) -> Self {
                let mut c = vec![b'('];
                for &b in text.as_bytes() {
                    match b {
                        b'(' | b')' | b'\\' => c.extend_from_slice(&[b'\\', b]),
                        b'\r' | b'\n' => c.push(b' '),
                        _ => c.push(b),
                    }
                }
                c.push(b')');
                let (items, raw) = render(self.iter().chain([ServerVal::Comment(&c)]));
                Self { items, raw }
            }

            /// The products and comments, in order.
            pub fn iter(&self) -> impl Iterator<Item = ServerVal<'_>> + Clone {
                let src: &[u8] = &self.raw;
                self.items.iter().map(move |i| i.view(src))
            }

            /// The products, in order, without the comments.
            pub fn products(&self) -> impl Iterator<Item = Product<'_>> {
                self.iter().filter_map(|i| match i {
                    ServerVal::Product(p) => Some(p),
                    ServerVal::Comment(_) => None,
                })
            }

            /// The first product called `name` (ASCII case-insensitive).
            #[must_use]
            pub fn product(&self, name: &str) -> Option<Product<'_>> {
                self.products().find(|p| p.name.eq_ignore_ascii_case(name.as_bytes()))
            }

            /// The version of the first product called `name`, e.g. `OMA1.0` for
            /// `IM-client`; `None` if absent or without a version.
            #[must_use]
            pub fn product_version(&self, name: &str) -> Option<&[u8]> {
                self.product(name)?.version()
            }
        }

        impl PartialEq for $name {
            fn eq(&self, o: &Self) -> bool {
                self.raw == o.raw && self.iter().eq(o.iter())
            }
        }

        impl Eq for $name {}

        impl core::hash::Hash for $name {
            fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
                self.raw.hash(state);
                for item in self.iter() {
                    item.hash(state);
                }
            }
        }

        impl TypedHeader for $name {
            const NAME: HeaderName = HeaderName::$name;
            const LIST: bool = false;
            fn parse(value: &Bytes) -> Result<Self> {
                Self::parse_owned(value.clone())
            }

            fn parse_owned(value: Bytes) -> Result<Self> {
                Ok(Self { items: parse_server_vals(&value)?, raw: value })
            }
        }

        display_raw!($name, |this| &this.raw);
    };
}

products_header!(
    /// `User-Agent` (RFC 3261 §20.41): the software of the client that sent the request.
    UserAgent
);
products_header!(
    /// `Server` (RFC 3261 §20.35): the software of the server that sent the response.
    Server
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ParseError;

    use crate::header::value::test_bytes as b;

    // REQ: SIP-2 (RFC 4475 mpart01 User-Agent)
    #[test]
    fn products_and_comments() {
        let ua = UserAgent::parse(&b("SIPimp.org/0.2.5 (curses)")).unwrap();
        let items: Vec<_> = ua.iter().collect();
        assert_eq!(
            items,
            vec![
                ServerVal::Product(Product {
                    name: b"SIPimp.org",
                    version: Some(b"0.2.5")
                }),
                ServerVal::Comment(b"(curses)"),
            ]
        );
        assert_eq!(ua.product_version("sipimp.org"), Some(&b"0.2.5"[..]));
        assert_eq!(ua.to_string(), "SIPimp.org/0.2.5 (curses)");
    }

    // REQ: SIP-2 (OMA IM release version in User-Agent and Server)
    #[test]
    fn oma_release_version() {
        let s = Server::parse(&b("Acme-IMS/4.2(linux)IM-serv/OMA2.0 Other")).unwrap();
        assert_eq!(s.product_version("IM-serv"), Some(&b"OMA2.0"[..]));
        assert_eq!(s.product_version("Other"), None);
        assert!(s.product("Other").is_some());
        assert_eq!(s.products().count(), 3);
        let ua = UserAgent::new("IM-client", Some("OMA1.0")).with_comment("a (b) c");
        assert_eq!(ua.to_string(), "IM-client/OMA1.0 (a \\(b\\) c)");
        let back = UserAgent::parse(&Bytes::from(ua.to_string())).unwrap();
        assert_eq!(back, ua);
        assert_eq!(back.product_version("IM-client"), Some(&b"OMA1.0"[..]));
    }

    // REQ: SIP-2
    #[test]
    fn errors_are_located() {
        assert_eq!(
            UserAgent::parse(&b("")).unwrap_err(),
            ParseError::new(ErrorKind::Empty, 0)
        );
        assert_eq!(
            UserAgent::parse(&b("a/")).unwrap_err(),
            ParseError::new(ErrorKind::Token, 2)
        );
        assert_eq!(
            Server::parse(&b("a (open")).unwrap_err(),
            ParseError::new(ErrorKind::Expected(b')'), 7)
        );
        assert_eq!(
            Server::parse(&b("a/1 b@c")).unwrap_err(),
            ParseError::new(ErrorKind::UnexpectedByte, 5)
        );
    }
}
