//! Structured logs of what the focus reports: joins, leaves, rejections, messages relayed or
//! refused, nicknames, subscriptions, and the deferred-messaging service's work.

use simpleim::focus::deferred::DeferredEvent;
use simpleim::focus::{FocusEvent, SwitchEvent};
use tracing::{debug, info, warn};

use crate::host::Host;
use crate::net::{MsrpConn, SipHandle};

/// Logs one event of the focus.
pub(crate) fn log_focus_event(host: &Host, event: &FocusEvent<MsrpConn>) {
    match event {
        FocusEvent::Joined {
            room,
            participant,
            identity,
            alias,
            anonymous,
        } => info!(
            room = %host.room_uri(*room),
            %participant,
            alias = alias.display_name().unwrap_or(""),
            alias_uri = alias.uri(),
            %identity,
            anonymous,
            "joined"
        ),
        FocusEvent::Left {
            room,
            participant,
            reason,
        } => info!(room = %host.room_uri(*room), %participant, ?reason, "left"),
        FocusEvent::Rejected { room, status, why } => warn!(
            room = room.map_or("-", |r| host.room_uri(r)),
            status,
            ?why,
            "join rejected"
        ),
        FocusEvent::NicknameChanged {
            room,
            participant,
            alias,
        } => info!(
            room = %host.room_uri(*room),
            %participant,
            alias = alias.display_name().unwrap_or(""),
            "nickname changed"
        ),
        FocusEvent::NicknameRefused {
            room,
            participant,
            status,
        } => info!(room = %host.room_uri(*room), %participant, status, "nickname refused"),
        FocusEvent::Msrp { room, event } => log_switch_event(host.room_uri(*room), event),
        FocusEvent::SubscriptionAdded {
            room, subscriber, ..
        } => info!(room = %host.room_uri(*room), %subscriber, "conference subscription added"),
        FocusEvent::SubscriptionEnded { room, reason, .. } => {
            info!(room = %host.room_uri(*room), ?reason, "conference subscription ended");
        }
        FocusEvent::RoomCreated { room, identity } => info!(%room, %identity, "room created"),
        FocusEvent::RoomReleased { room } => info!(%room, "room released"),
        FocusEvent::FileReceived {
            room,
            from,
            name,
            size,
            recipients,
        } => info!(
            room = %host.room_uri(*room),
            %from,
            name = name.as_deref().unwrap_or(""),
            size,
            recipients,
            "file received, offered to the room"
        ),
        FocusEvent::FileDelivered { room, from, to } => {
            info!(room = %host.room_uri(*room), %from, %to, "file delivered");
        }
        FocusEvent::FileFailed {
            room,
            from,
            to,
            status,
        } => warn!(
            room = %host.room_uri(*room),
            %from,
            to = to.map(|t| t.to_string()).unwrap_or_default(),
            status,
            "file not delivered"
        ),
        // Logged by the host as it closes the connection.
        FocusEvent::CloseConnection { .. } => {}
        other => debug!(event = ?other, "focus event"),
    }
}

fn log_switch_event(room: &str, event: &SwitchEvent<simpleim::focus::control::ParticipantId>) {
    match event {
        SwitchEvent::Routed {
            from,
            message_id,
            kind,
            recipients,
        } => info!(
            %room,
            %from,
            message_id = message_id.as_str(),
            ?kind,
            recipients = recipients.len(),
            "message relayed"
        ),
        SwitchEvent::Completed { from, message_id } => debug!(
            %room,
            %from,
            message_id = message_id.as_str(),
            "message delivered to every recipient's connection"
        ),
        SwitchEvent::Refused {
            from,
            message_id,
            status,
            reason,
        } => warn!(
            %room,
            %from,
            message_id = message_id.as_ref().map_or("-", |m| m.as_str()),
            status,
            ?reason,
            "message refused"
        ),
        SwitchEvent::RecipientFailed {
            from,
            message_id,
            recipient,
            status,
            reason,
        } => warn!(
            %room,
            %from,
            %recipient,
            message_id = message_id.as_str(),
            status,
            ?reason,
            "message not delivered to a recipient"
        ),
        SwitchEvent::ReportRouted {
            from,
            to,
            message_id,
            status,
        } => debug!(%room, %from, %to, message_id = message_id.as_str(), status, "report relayed"),
        SwitchEvent::SystemMessageFailed {
            to,
            message_id,
            status,
        } => warn!(%room, %to, message_id = message_id.as_str(), status, "system message failed"),
        other => debug!(%room, event = ?other, "switch event"),
    }
}

/// Logs one event of the deferred-messaging service.
pub(crate) fn log_deferred_event(event: &DeferredEvent<SipHandle, MsrpConn>) {
    match event {
        DeferredEvent::Stored { user, id } => {
            info!(%user, id = id.0, "message stored for an offline user");
        }
        DeferredEvent::NotStored { user, error } => {
            warn!(%user, %error, "message not stored (answered 480)");
        }
        DeferredEvent::Registered {
            user,
            expires,
            refreshed,
        } => info!(%user, expires, refreshed, "registered"),
        DeferredEvent::Deregistered { user, reason } => info!(%user, ?reason, "deregistered"),
        DeferredEvent::PushStarted { push, user } => {
            info!(%push, %user, "pushing stored messages");
        }
        DeferredEvent::Delivered { push, user, id } => {
            info!(%push, %user, id = id.0, "stored message delivered");
        }
        DeferredEvent::TakeFailed { id, error } => {
            warn!(id = id.0, %error, "delivered message could not be removed from the store");
        }
        DeferredEvent::Skipped { push, id, reason } => {
            warn!(%push, id = id.0, ?reason, "stored message skipped");
        }
        DeferredEvent::PushEnded {
            push,
            user,
            end,
            delivered,
        } => info!(%push, %user, ?end, delivered, "push ended"),
        // Logged by the host as it closes the connection.
        DeferredEvent::CloseConnection { .. } => {}
        other => debug!(event = ?other, "deferred event"),
    }
}
