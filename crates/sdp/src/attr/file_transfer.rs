//! The single-valued RFC 5547 attributes: `file-transfer-id`, `file-disposition`, `file-icon`
//! and `file-range`.

use core::fmt;

use bytes::Bytes;

use super::scan::{check_line_safe, check_token, err, is_space, parse_u64, write_bytes};
use crate::Result;

macro_rules! token_attribute {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $ty(Bytes);

        impl $ty {
            /// The attribute name.
            pub const NAME: &'static str = $name;

            /// Parses a token (RFC 8866 §9 `token`).
            pub fn parse(value: &Bytes) -> Result<Self> {
                check_token(value, 0)?;
                Ok(Self(value.clone()))
            }

            #[doc = concat!("The value for ", $what, "; errors are located in `value`.")]
            pub fn new(value: &str) -> Result<Self> {
                Self::parse(&Bytes::copy_from_slice(value.as_bytes()))
            }

            /// The exact value bytes.
            #[must_use]
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_bytes(f, &self.0)
            }
        }

        super::typed_attribute!($ty);
    };
}

token_attribute!(
    /// `a=file-transfer-id:<token>` (RFC 5547 §6): identifies one file transfer; a new value in
    /// a re-offer means a new transfer, the same value the same transfer.
    FileTransferId,
    "file-transfer-id",
    "the identifier `value`"
);

token_attribute!(
    /// `a=file-disposition:<token>` (RFC 5547 §6): how the receiver should handle the file,
    /// a Content-Disposition value such as `render` or `attachment`.
    FileDisposition,
    "file-disposition",
    "the disposition `value`"
);

/// `a=file-icon:<cid-url>` (RFC 5547 §6): a `cid:` URL (RFC 2392) naming the body part of
/// the SIP message that carries a preview icon of the file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileIcon(Bytes);

impl FileIcon {
    /// The attribute name.
    pub const NAME: &'static str = "file-icon";

    /// Parses `cid:<content-id>` (scheme case-insensitive, content id non-empty without
    /// whitespace).
    pub fn parse(value: &Bytes) -> Result<Self> {
        check_line_safe(value)?;
        let scheme_ok = value
            .get(..4)
            .is_some_and(|s| s.eq_ignore_ascii_case(b"cid:"));
        if !scheme_ok {
            return Err(err(0));
        }
        if value.len() == 4 {
            return Err(err(4));
        }
        if let Some(at) = value
            .iter()
            .position(|&b| is_space(b) || b.is_ascii_control())
        {
            return Err(err(at));
        }
        Ok(Self(value.clone()))
    }

    /// `cid:<content_id>`; `content_id` is the Content-ID without its angle brackets, already
    /// URL-encoded as RFC 2392 asks. Errors are located in the resulting `cid:` text.
    pub fn from_content_id(content_id: &str) -> Result<Self> {
        Self::parse(&Bytes::from(format!("cid:{content_id}")))
    }

    /// The content id, after `cid:`.
    #[must_use]
    pub fn content_id(&self) -> &[u8] {
        self.0.get(4..).unwrap_or_default()
    }

    /// The exact value bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for FileIcon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_bytes(f, &self.0)
    }
}

super::typed_attribute!(FileIcon);

/// `a=file-range:<start>-<stop>` (RFC 5547 §6): the octets of the file to transfer, 1-based
/// and inclusive; a stop of `*` means "to the end of the file".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileRange {
    start: u64,
    stop: Option<u64>,
    raw: Bytes,
}

impl FileRange {
    /// The attribute name.
    pub const NAME: &'static str = "file-range";

    /// Parses `start "-" (stop / "*")`, with `1 <= start` and `start <= stop`.
    pub fn parse(value: &Bytes) -> Result<Self> {
        let dash = value
            .iter()
            .position(|&b| b == b'-')
            .ok_or(err(value.len()))?;
        let start = parse_u64(value.get(..dash).unwrap_or_default(), 0)?;
        if start == 0 {
            return Err(err(0));
        }
        let stop_text = value.get(dash + 1..).unwrap_or_default();
        let stop = if stop_text == b"*" {
            None
        } else {
            let stop = parse_u64(stop_text, dash + 1)?;
            if stop < start {
                return Err(err(dash + 1));
            }
            Some(stop)
        };
        Ok(Self {
            start,
            stop,
            raw: value.clone(),
        })
    }

    /// Octets `start..=stop`, or `start` to the end of the file when `stop` is `None`.
    /// Errors (start 0, stop before start) are located in the written text.
    pub fn new(start: u64, stop: Option<u64>) -> Result<Self> {
        let text = match stop {
            Some(stop) => format!("{start}-{stop}"),
            None => format!("{start}-*"),
        };
        Self::parse(&Bytes::from(text))
    }

    /// The first octet, 1-based.
    #[must_use]
    pub const fn start(&self) -> u64 {
        self.start
    }

    /// The last octet, inclusive; `None` for `*` (the end of the file).
    #[must_use]
    pub const fn stop(&self) -> Option<u64> {
        self.stop
    }
}

impl fmt::Display for FileRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_bytes(f, &self.raw)
    }
}

super::typed_attribute!(FileRange);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    // REQ: SDP-2
    #[test]
    fn ids_and_dispositions() {
        // RFC 5547 §9 examples.
        let id = FileTransferId::parse(&b("vBnG916bdberum2fFEABR1FR3ExZMUrd")).unwrap();
        assert_eq!(id.to_string(), "vBnG916bdberum2fFEABR1FR3ExZMUrd");
        assert_eq!(FileTransferId::new("abc").unwrap().as_bytes(), b"abc");
        let d = FileDisposition::parse(&b("attachment")).unwrap();
        assert_eq!(d.to_string(), "attachment");
        assert_eq!(
            FileDisposition::new("render").unwrap().to_string(),
            "render"
        );
        let e = FileTransferId::parse(&b("ab cd")).unwrap_err();
        assert_eq!((e.kind, e.offset, e.line), (ErrorKind::Attribute, 2, 0));
        assert!(FileDisposition::parse(&b("")).is_err());
    }

    // REQ: SDP-2
    #[test]
    fn icon() {
        let i = FileIcon::parse(&b("cid:id2@alicepc.example.com")).unwrap();
        assert_eq!(i.content_id(), b"id2@alicepc.example.com");
        assert_eq!(i.to_string(), "cid:id2@alicepc.example.com");
        assert_eq!(
            FileIcon::from_content_id("x@y").unwrap().to_string(),
            "cid:x@y"
        );
        assert_eq!(FileIcon::parse(&b("http://x")).unwrap_err().offset, 0);
        assert_eq!(FileIcon::parse(&b("cid:")).unwrap_err().offset, 4);
        assert_eq!(FileIcon::parse(&b("cid:a b")).unwrap_err().offset, 5);
    }

    // REQ: SDP-2
    #[test]
    fn range() {
        let r = FileRange::parse(&b("1-32349")).unwrap();
        assert_eq!((r.start(), r.stop()), (1, Some(32349)));
        assert_eq!(r.to_string(), "1-32349");
        let open = FileRange::parse(&b("10001-*")).unwrap();
        assert_eq!((open.start(), open.stop()), (10001, None));
        assert_eq!(FileRange::new(5, None).unwrap().to_string(), "5-*");
        assert_eq!(FileRange::new(5, Some(9)).unwrap().to_string(), "5-9");
        let again = FileRange::parse(&Bytes::from(open.to_string())).unwrap();
        assert_eq!(again, open);
    }

    #[test]
    fn range_errors() {
        assert_eq!(FileRange::parse(&b("12")).unwrap_err().offset, 2);
        assert_eq!(FileRange::parse(&b("0-5")).unwrap_err().offset, 0);
        assert_eq!(FileRange::parse(&b("9-5")).unwrap_err().offset, 2);
        assert_eq!(FileRange::parse(&b("1-5x")).unwrap_err().offset, 3);
        assert_eq!(FileRange::parse(&b("-5")).unwrap_err().offset, 0);
        assert!(FileRange::new(0, None).is_err());
    }
}
