//! Building the [`Focus`] from the settings: the control plane, the rooms with their
//! policies, the deferred-messaging service over the SQLite store, and identifier generators
//! seeded from the operating system's random source.

use bytes::Bytes;
use simpleim::focus::control::{
    ControlConfig, FileTransferConfig, GroupPolicy, Members, MsrpEndpoint, RoomConfig, RoomId,
};
use simpleim::focus::deferred::DeferredConfig;
use simpleim::focus::{DeferredSetup, Focus, FocusConfig, IdFactory};
use simpleim::sip::dialog::SentBy;
use simpleim::sip::transaction::TransactionConfig;
use simpleim::sip::{NameAddr, SeededIds, SipUri, Uri};

use crate::config::Settings;
use crate::net::{MsrpConn, SipHandle};
use crate::store::SqliteStore;

/// The ports actually bound (a port 0 in the settings is the one the system chose).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ports {
    pub(crate) sip: u16,
    pub(crate) msrp: u16,
    pub(crate) push_msrp: u16,
}

/// A room being served.
#[derive(Debug, Clone)]
pub(crate) struct Room {
    pub(crate) id: RoomId,
    pub(crate) uri: String,
    pub(crate) anonymity: bool,
    pub(crate) private_messages: bool,
}

/// A 64-bit seed from the operating system. The library stays deterministic (its generators
/// are seeded); the server seeds them from real randomness, as RFC 4975 §14.1 asks for
/// unguessable MSRP session-ids.
///
/// # Errors
/// When the system's random source fails.
pub(crate) fn seed() -> Result<u64, String> {
    getrandom::u64().map_err(|e| format!("no random source: {e}"))
}

/// An [`IdFactory`] whose every generator gets a fresh random seed (a counter mixed into
/// the first seed should the random source ever fail afterwards).
fn id_factory(first: u64) -> IdFactory {
    let mut fallback = first;
    Box::new(move || {
        fallback = fallback.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let seed = getrandom::u64().unwrap_or(fallback);
        Box::new(simpleim::msrp::SeededIds::new(seed)) as Box<dyn simpleim::msrp::IdGenerator>
    })
}

fn sip_uri(text: &str) -> Result<SipUri, String> {
    match Uri::parse(&Bytes::copy_from_slice(text.as_bytes())) {
        Ok(Uri::Sip(u)) => Ok(u),
        _ => Err(format!("`{text}` is not a SIP URI")),
    }
}

fn name_addr(text: &str) -> Result<NameAddr, String> {
    Uri::parse(&Bytes::copy_from_slice(text.as_bytes()))
        .map(NameAddr::new)
        .map_err(|e| format!("`{text}`: {e}"))
}

/// The host as written in a URI (IPv6 in brackets).
fn uri_host(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// The focus, with its rooms added.
///
/// # Errors
/// A room URI that does not parse or clashes, no random source.
pub(crate) fn build_focus(
    settings: &Settings,
    ports: Ports,
    store: SqliteStore,
) -> Result<(Focus<SipHandle, MsrpConn>, Vec<Room>), String> {
    // The Via transport of the focus's own requests: one value for both transports (see
    // Host::route_sip, which rewrites it for the other one).
    let transport = if settings.tcp { "TCP" } else { "UDP" };
    let sent_by = SentBy::new(transport, &settings.host, Some(ports.sip)).with_rport();
    let mut control = ControlConfig::new(
        sent_by.clone(),
        MsrpEndpoint::tcp(&settings.host, ports.msrp),
        Box::new(SeededIds::new(seed()?)),
        TransactionConfig::new(Box::new(SeededIds::new(seed()?))),
    );
    control.require_asserted_identity = settings.require_asserted_identity;
    // Files sent to a room are relayed to its participants (RFC 5547, up to 16 MiB).
    control.file_transfer = Some(FileTransferConfig::default());
    let mut config = FocusConfig::new(control, id_factory(seed()?));
    // Each room's policy decides who may send private messages (REQ: SW-8 a).
    config.allow_private_messages = true;

    let host = uri_host(&settings.host);
    let deferred = DeferredConfig::new(
        name_addr(&format!("sip:im-store@{host}"))?,
        name_addr(&format!("sip:im-store@{host}:{}", ports.sip))?,
        sent_by,
        MsrpEndpoint::tcp(&settings.host, ports.push_msrp),
        Box::new(SeededIds::new(seed()?)),
        id_factory(seed()?),
    );
    config.deferred = Some(DeferredSetup::new(deferred, Box::new(store)));

    let mut focus = Focus::new(config);
    let mut rooms = Vec::new();
    for spec in &settings.rooms {
        let anonymity = spec.anonymity.unwrap_or(settings.anonymity);
        let private_messages = spec.private_messages.unwrap_or(settings.private_messages);
        let members = |yes: bool| {
            if yes {
                Members::Everyone
            } else {
                Members::Nobody
            }
        };
        let policy = GroupPolicy {
            allow_anonymity: members(anonymity),
            allow_private_message: members(private_messages),
            ..GroupPolicy::default()
        };
        let mut room = RoomConfig::new(sip_uri(&spec.uri)?).with_policy(policy);
        if let Some(name) = &spec.name {
            room = room.with_display_name(name);
        }
        if let Some(max) = spec.max_participants {
            room = room.with_max_participants(max);
        }
        let id = focus
            .add_room(room)
            .map_err(|e| format!("room {}: {e}", spec.uri))?;
        rooms.push(Room {
            id,
            uri: spec.uri.clone(),
            anonymity,
            private_messages,
        });
    }
    Ok((focus, rooms))
}
