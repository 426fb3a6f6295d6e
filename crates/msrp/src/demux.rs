//! Routing frames of one connection to sessions (RFC 4975 §6.1, RFC 6714).
