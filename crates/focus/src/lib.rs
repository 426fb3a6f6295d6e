//! # simpleim-focus
//!
//! The IM conference focus of the OMA SIMPLE IM specification (the Controlling Function with
//! its MSRP switch) as a sans-IO state machine: chat rooms with aliases, private and system
//! messages, delivery reports and the conference event package.
//!
//! - [`Focus`] ([`focus`]): the composed focus the host drives, over SIP (parsed messages
//!   with the host's transport handle) and MSRP (bytes with the host's connection handle).
//!   Its module documentation has the wiring and a full drain loop.
//! - Its parts, usable and tested on their own: [`control`] ([`Control`], the SIP control
//!   plane: rooms, INVITE checks, join, leave), [`switch`] ([`Switch`], the MSRP switch of one
//!   room), [`alias`] (chat aliases and nicknames) and [`conference_info`] (RFC 4575
//!   documents and the per-room state behind them).
//! - Beside the rooms: [`resource_lists`] (RFC 4826 lists and the RFC 5366 recipient-list
//!   body of ad-hoc groups), [`client`] (the OMA IM client's requests and its reading of the
//!   focus's answers) and [`deferred`] ([`Deferred`], store-and-forward of messages for users
//!   who are offline, with its push on registration and transcripts).
//! - Pager mode and presence: [`focus::pager`] (group MESSAGEs exploded to the members,
//!   REQ: GRP-1) and [`presence`] (the RFC 3903 [`Publisher`](presence::Publisher) of PIDF
//!   availability on registration, [`focus::presence`], and the client's willingness,
//!   [`client::WillingnessPublisher`]; REQ: PRES-1).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// --- control plane (owner: control/) ---
pub mod control;
pub use control::{Control, ControlConfig, ControlEvent};
// --- end control plane ---

// --- MSRP switch (owner: switch/) ---
pub mod switch;
pub use switch::{
    MessageKind, ParticipantMsrp, RefuseReason, SkipReason, Switch, SwitchConfig, SwitchError,
    SwitchEvent, SwitchLimits,
};
// --- end MSRP switch ---

// --- conference-info and aliases (owner: conference_info/, alias/) ---
pub mod alias;
pub mod conference_info;
// --- end conference-info and aliases ---

// --- focus (owner: focus/) ---
pub mod focus;
pub use focus::{
    CloseReason, Connect, DeferredSetup, Focus, FocusConfig, FocusError, FocusEvent, FocusLimits,
    FocusTransmit, IdFactory, SubscriptionId,
};
// --- end focus ---

// --- resource lists and client helpers (owner: resource_lists/, client/) ---
pub mod client;
pub mod resource_lists;
// --- end resource lists and client helpers ---

// --- deferred messages (owner: deferred/) ---
pub mod deferred;
pub use deferred::{Deferred, DeferredConfig, DeferredEvent, DeferredStore, DeferredTransmit};
// --- end deferred messages ---

// --- pager-mode group messages and presence publication (owner: focus/pager*, presence/) ---
pub use focus::pager::{PagerConfig, PagerEvent, RateLimit};
pub use focus::presence::PresenceSetup;
pub mod presence;
// --- end pager-mode group messages and presence publication ---
