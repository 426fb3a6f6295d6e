//! # simpleim-focus
//!
//! The IM conference focus of the OMA SIMPLE IM specification (the Controlling Function with
//! its MSRP switch) as a sans-IO state machine: chat rooms with aliases, private and system
//! messages, delivery reports and the conference event package. Work in progress (issue 7):
//! the pieces below are built and tested on their own; the `Focus` that drives them over SIP
//! and MSRP is being assembled.
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
