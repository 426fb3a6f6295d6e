//! The words of the start line and the end-line (RFC 4975 §9): transaction identifiers,
//! methods and continuation flags.

use std::fmt;

use bytes::{Bytes, BytesMut};

use super::Span;
use crate::error::{ErrorKind, ParseError, Result};
use crate::ident::{Ident, ident_newtype};

// --- transaction identifier ------------------------------------------------------------------

/// A transaction identifier (RFC 4975 §9 `transact-id = ident`): 4 to 32 characters, the
/// first a letter or digit, the others letters, digits, `.`, `-`, `+`, `%` or `=`. It opens
/// the start line and closes the frame in the end-line. Stored inline: `Copy`, no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransactionId(Ident);

impl TransactionId {
    /// The longest identifier the grammar allows.
    pub const MAX_LEN: usize = Ident::MAX_LEN;

    /// Checks and stores an identifier.
    ///
    /// # Errors
    /// [`ErrorKind::TransactionId`] with the offset in `id` of the offending byte (or of the
    /// end, when the length is wrong).
    pub fn new(id: &[u8]) -> Result<Self> {
        Ident::new(id)
            .map(Self)
            .map_err(|at| ParseError::new(ErrorKind::TransactionId, at as u64))
    }

    /// Its length in bytes (4 to 32).
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: an identifier has at least 4 bytes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// Writes this identifier's end-line, `-------<id><flag>` CRLF (without the CRLF that
    /// precedes it after a body).
    pub fn write_end_line(&self, out: &mut BytesMut, flag: Flag) {
        out.extend_from_slice(b"-------");
        out.extend_from_slice(self.as_bytes());
        out.extend_from_slice(&[flag.as_byte(), b'\r', b'\n']);
    }
}

impl PartialOrd for TransactionId {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TransactionId {
    /// Byte-wise order of the identifiers.
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

ident_newtype!(TransactionId, "identifier");

// --- method ----------------------------------------------------------------------------------

/// A request method. Methods are case-sensitive upper-case words (RFC 4975 §9:
/// `other-method = 1*UPALPHA`); a method this crate does not know parses as
/// [`Method::Other`] so that a session can answer it with 501 (§12).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    /// `SEND` (RFC 4975 §7.1.1): carries a message or a chunk of one.
    Send,
    /// `REPORT` (RFC 4975 §7.1.2): reports on the delivery of a message.
    Report,
    /// `NICKNAME` (RFC 7701): asks a conference focus for a nickname.
    Nickname,
    /// `AUTH` (RFC 4976 §5.1): authenticates to a relay and obtains a Use-Path.
    Auth,
    /// Any other method, as written. The encoder refuses one that is not `1*UPALPHA`.
    Other(Bytes),
}

impl Method {
    /// The method a word names, `None` when the word is not `1*UPALPHA`.
    #[must_use]
    pub fn from_bytes(word: &[u8]) -> Option<Self> {
        match word {
            b"SEND" => Some(Self::Send),
            b"REPORT" => Some(Self::Report),
            b"NICKNAME" => Some(Self::Nickname),
            b"AUTH" => Some(Self::Auth),
            _ if is_method(word) => Some(Self::Other(Bytes::copy_from_slice(word))),
            _ => None,
        }
    }

    /// Like [`Method::from_bytes`] for a word inside `buf` (no copy for other methods).
    pub(super) fn from_slice(buf: &Bytes, span: Span) -> Self {
        match span.of(buf) {
            b"SEND" => Self::Send,
            b"REPORT" => Self::Report,
            b"NICKNAME" => Self::Nickname,
            b"AUTH" => Self::Auth,
            _ => Self::Other(span.bytes_of(buf)),
        }
    }

    /// The method as written.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Send => b"SEND",
            Self::Report => b"REPORT",
            Self::Nickname => b"NICKNAME",
            Self::Auth => b"AUTH",
            Self::Other(b) => b,
        }
    }

    /// True for methods other than SEND, whose bodies are limited to 10240 octets and which
    /// may not be interrupted (RFC 4975 §7.1).
    #[must_use]
    pub fn is_send(&self) -> bool {
        matches!(self, Self::Send)
    }
}

/// `1*UPALPHA`.
pub(crate) fn is_method(word: &[u8]) -> bool {
    !word.is_empty() && word.iter().all(u8::is_ascii_uppercase)
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.as_bytes()))
    }
}

// --- flag ------------------------------------------------------------------------------------

/// The continuation flag that ends an end-line (RFC 4975 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag {
    /// `$`: this chunk ends the message.
    Complete,
    /// `+`: the message continues in another chunk (also an interrupted chunk).
    Continued,
    /// `#`: the sender aborts the message; no more chunks follow.
    Aborted,
}

impl Flag {
    /// The flag character.
    #[must_use]
    pub const fn as_byte(self) -> u8 {
        match self {
            Self::Complete => b'$',
            Self::Continued => b'+',
            Self::Aborted => b'#',
        }
    }

    /// The flag a character stands for.
    #[must_use]
    pub const fn from_byte(b: u8) -> Option<Self> {
        match b {
            b'$' => Some(Self::Complete),
            b'+' => Some(Self::Continued),
            b'#' => Some(Self::Aborted),
            _ => None,
        }
    }
}
