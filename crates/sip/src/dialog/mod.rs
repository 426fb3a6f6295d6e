//! SIP dialogs (RFC 3261 §12), subscriptions (RFC 6665) and session timers (RFC 4028), sans-IO.
