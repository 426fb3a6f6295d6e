//! Header namespaces (RFC 3862 §3.3, §4.7): `NS: Prefix <URI>` declares that header names
//! `Prefix.Name` belong to the namespace `URI`. Lookups go by (namespace URI, name), never by
//! the prefix a message happened to choose.

use bytes::Bytes;

/// The namespace of headers without prefix: the CPIM headers themselves (RFC 3862 §3.3).
pub const CPIM_NS: &str = "urn:ietf:params:cpim-headers:";

/// The IMDN header namespace (RFC 5438 §6): `NS: imdn <urn:ietf:params:imdn>`.
pub const IMDN_NS: &str = "urn:ietf:params:imdn";

/// One `NS` declaration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NsDecl {
    /// The declared prefix; empty for a declaration without prefix (see [`Namespaces`]).
    pub prefix: Bytes,
    /// The namespace URI, without the angle brackets, exactly as written.
    pub uri: Bytes,
    /// Index of the `NS` header among the message's CPIM headers.
    pub header_index: usize,
}

/// Which namespace a header name resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NsRef {
    /// No prefix: the CPIM namespace [`CPIM_NS`].
    Cpim,
    /// A declared prefix: the index into [`Namespaces::iter`].
    Declared(usize),
    /// A prefix no `NS` header declared (lenient parsing only; strict parsing fails with
    /// [`crate::ErrorKind::UndeclaredPrefix`]).
    Undeclared,
}

/// The `NS` declarations of one message, in order.
///
/// A declaration without prefix (`NS: <URI>`) is kept and reported, but does not move the
/// unprefixed headers out of the CPIM namespace: `From`, `To` and the other RFC 3862 headers
/// stay findable under [`CPIM_NS`] whatever a sender declares.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Namespaces {
    decls: Vec<NsDecl>,
}

impl Namespaces {
    pub(crate) fn push(&mut self, decl: NsDecl) {
        self.decls.push(decl);
    }

    /// The declarations in message order.
    pub fn iter(&self) -> core::slice::Iter<'_, NsDecl> {
        self.decls.iter()
    }

    /// How many `NS` headers the message has.
    #[must_use]
    pub fn len(&self) -> usize {
        self.decls.len()
    }

    /// True when the message declares no namespace.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.decls.is_empty()
    }

    /// The declaration at `index` (see [`NsRef::Declared`]).
    #[must_use]
    pub fn get(&self, index: usize) -> Option<&NsDecl> {
        self.decls.get(index)
    }

    /// The URI a prefix stands for: the last declaration of `prefix` among the first
    /// `before_header` headers (prefixes compare exactly, as RFC 3862 names are
    /// case-sensitive). Returns its index.
    pub(crate) fn resolve(&self, prefix: &[u8], before_header: usize) -> Option<usize> {
        self.decls
            .iter()
            .enumerate()
            .rev()
            .find(|(_, d)| d.header_index < before_header && d.prefix == prefix)
            .map(|(i, _)| i)
    }

    /// The (first) prefix declared for a namespace URI.
    #[must_use]
    pub fn prefix_of(&self, uri: &[u8]) -> Option<&Bytes> {
        self.decls
            .iter()
            .find(|d| !d.prefix.is_empty() && d.uri == uri)
            .map(|d| &d.prefix)
    }

    /// The URI of a resolved header namespace; `None` for [`NsRef::Undeclared`].
    #[must_use]
    pub fn uri_of(&self, ns: NsRef) -> Option<&[u8]> {
        match ns {
            NsRef::Cpim => Some(CPIM_NS.as_bytes()),
            NsRef::Declared(i) => self.decls.get(i).map(|d| &d.uri[..]),
            NsRef::Undeclared => None,
        }
    }
}

impl<'a> IntoIterator for &'a Namespaces {
    type Item = &'a NsDecl;
    type IntoIter = core::slice::Iter<'a, NsDecl>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
