//! The `application/conference-info+xml` document, the part of it a chat focus
//! uses. Field order follows the schema's sequences.

/// The `state` attribute (RFC 4575 `state-type`): how a document or element relates to
/// what the subscriber already has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ElementState {
    /// `full`: replaces the previous state entirely (the schema's default).
    #[default]
    Full,
    /// `partial`: changes to the previous state.
    Partial,
    /// `deleted`: the element is gone.
    Deleted,
}

impl ElementState {
    /// The attribute value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Partial => "partial",
            Self::Deleted => "deleted",
        }
    }

    pub(super) fn from_value(value: &str) -> Option<Self> {
        Some(match value {
            "full" => Self::Full,
            "partial" => Self::Partial,
            "deleted" => Self::Deleted,
            _ => return None,
        })
    }
}

/// A `<conference-info>` document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConferenceInfo {
    /// `entity`: the conference URI (required).
    pub entity: String,
    /// `state`: full or partial notification (deleted when the conference ended).
    pub state: ElementState,
    /// `version`: orders the documents of one subscription; the schema makes it
    /// optional, the RFC text requires it in NOTIFYs.
    pub version: Option<u32>,
    /// `<conference-description>`.
    pub description: Option<ConferenceDescription>,
    /// `<conference-state>`.
    pub conference_state: Option<ConferenceStateElement>,
    /// `<users>`.
    pub users: Option<Users>,
}

/// `<conference-description>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConferenceDescription {
    /// `<display-text>`.
    pub display_text: Option<String>,
    /// `<subject>`.
    pub subject: Option<String>,
    /// `<free-text>`.
    pub free_text: Option<String>,
    /// `<conf-uris>` entries: URIs to join the conference by.
    pub conf_uris: Vec<UriEntry>,
    /// `<service-uris>` entries: auxiliary services (web page, recording, ...).
    pub service_uris: Vec<UriEntry>,
    /// `<maximum-user-count>`.
    pub maximum_user_count: Option<u32>,
}

/// An `<entry>` of a `uris-type` list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UriEntry {
    /// `<uri>` (required).
    pub uri: String,
    /// `<display-text>`.
    pub display_text: Option<String>,
    /// `<purpose>`: e.g. `participation`, `streaming`, `web-page`, `chat`.
    pub purpose: Option<String>,
}

/// `<conference-state>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConferenceStateElement {
    /// `<user-count>`.
    pub user_count: Option<u32>,
    /// `<active>`.
    pub active: Option<bool>,
    /// `<locked>`.
    pub locked: Option<bool>,
}

/// `<users>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Users {
    /// `state`.
    pub state: ElementState,
    /// The `<user>` elements, in document order.
    pub users: Vec<User>,
}

/// `<user>`. For a chat alias (ALIAS-4) `entity` is the alias URI and
/// `display_text` the nickname.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct User {
    /// `entity`: the user's URI (the key partial documents are matched on).
    pub entity: Option<String>,
    /// `state`.
    pub state: ElementState,
    /// The OMA `yourown="true"` marker (seed 000 §7.2.3.2): this entry is the subscriber's
    /// own. How it is written is chosen by [`YourOwnForm`](super::YourOwnForm); any attribute
    /// whose local name is `yourown` with value `true` or `1` is read as set.
    pub yourown: bool,
    /// `<display-text>`.
    pub display_text: Option<String>,
    /// `<roles>` entries (e.g. `participant`, `administrator`).
    pub roles: Vec<String>,
    /// `<endpoint>` elements.
    pub endpoints: Vec<Endpoint>,
}

/// `<endpoint>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Endpoint {
    /// `entity`: the endpoint's identifier (often the contact or GRUU).
    pub entity: Option<String>,
    /// `state`.
    pub state: ElementState,
    /// `<display-text>`.
    pub display_text: Option<String>,
    /// `<status>`.
    pub status: Option<EndpointStatus>,
    /// `<joining-method>`.
    pub joining_method: Option<JoiningMethod>,
    /// `<disconnection-method>`.
    pub disconnection_method: Option<DisconnectionMethod>,
    /// `<media>` streams.
    pub media: Vec<Media>,
}

/// `<media>` of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Media {
    /// `id` (required): unique within the endpoint.
    pub id: String,
    /// `<display-text>`.
    pub display_text: Option<String>,
    /// `<type>`: the SDP media type, `message` for MSRP.
    pub media_type: Option<String>,
    /// `<label>`: the SDP `a=label`.
    pub label: Option<String>,
    /// `<src-id>`.
    pub src_id: Option<String>,
    /// `<status>`.
    pub status: Option<MediaStatus>,
}

macro_rules! value_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $variant,)+
        }

        impl $name {
            /// The value as written in the document.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            pub(super) fn from_value(value: &str) -> Option<Self> {
                match value {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

value_enum! {
    /// `<status>` of an endpoint.
    EndpointStatus {
        /// `pending`.
        Pending = "pending",
        /// `dialing-out`.
        DialingOut = "dialing-out",
        /// `dialing-in`.
        DialingIn = "dialing-in",
        /// `alerting`.
        Alerting = "alerting",
        /// `on-hold`.
        OnHold = "on-hold",
        /// `connected`.
        Connected = "connected",
        /// `muted-via-focus`.
        MutedViaFocus = "muted-via-focus",
        /// `disconnecting`.
        Disconnecting = "disconnecting",
        /// `disconnected`.
        Disconnected = "disconnected",
    }
}

value_enum! {
    /// `<joining-method>`.
    JoiningMethod {
        /// `dialed-in`: the participant called the focus.
        DialedIn = "dialed-in",
        /// `dialed-out`: the focus invited the participant.
        DialedOut = "dialed-out",
        /// `focus-owner`.
        FocusOwner = "focus-owner",
    }
}

value_enum! {
    /// `<disconnection-method>`.
    DisconnectionMethod {
        /// `departed`: the participant left.
        Departed = "departed",
        /// `booted`: the participant was removed.
        Booted = "booted",
        /// `failed`.
        Failed = "failed",
        /// `busy`.
        Busy = "busy",
    }
}

value_enum! {
    /// `<status>` of a medium.
    MediaStatus {
        /// `recvonly`.
        RecvOnly = "recvonly",
        /// `sendonly`.
        SendOnly = "sendonly",
        /// `sendrecv`.
        SendRecv = "sendrecv",
        /// `inactive`.
        Inactive = "inactive",
    }
}
