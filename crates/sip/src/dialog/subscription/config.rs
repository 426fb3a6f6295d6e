//! What the [`Subscriber`](super::Subscriber) and the [`Notifier`](super::Notifier) are
//! configured with.

use core::fmt;
use std::time::Duration;

use crate::addr::NameAddr;
use crate::header::Event;
use crate::ids::IdGenerator;
use crate::uri::Uri;

use super::super::request::SentBy;

/// How a [`Subscriber`](super::Subscriber) is configured. Start from [`SubscriberConfig::new`] and change the
/// fields you need.
#[non_exhaustive]
pub struct SubscriberConfig {
    /// The Request-URI of the initial SUBSCRIBE: the resource (default: the URI of
    /// `remote`, e.g. the conference URI for RFC 4575).
    pub target: Uri,
    /// This UA's address: the From of the SUBSCRIBE, without tag (one is drawn from `ids`).
    pub local: NameAddr,
    /// The resource's address: the To of the SUBSCRIBE.
    pub remote: NameAddr,
    /// This UA's Contact.
    pub contact: NameAddr,
    /// The transport and sent-by of the Via of every SUBSCRIBE.
    pub sent_by: SentBy,
    /// A preloaded route (an outbound proxy, RFC 3261 §8.1.2) for the initial SUBSCRIBE, as
    /// Route values in order (default none). Later requests follow the dialog's route set.
    pub route: Vec<NameAddr>,
    /// The event package, with an `id` if wanted (`conference` for RFC 4575).
    pub event: Event,
    /// The body types this UA accepts in NOTIFY, for the Accept header (none by default:
    /// the package's default type applies, RFC 6665 §4.1.2.1).
    pub accept: Vec<String>,
    /// The subscription duration asked for, in seconds (default 3600, the RFC 4575
    /// default).
    pub expires: u32,
    /// How long before the expiry a refresh goes out (default 60 s); a subscription shorter
    /// than twice this is refreshed half-way.
    pub refresh_margin: Duration,
    /// Timer N (RFC 6665 §4.1.2.4, default 64 × T1 = 32 s): how long to wait for a NOTIFY
    /// after a SUBSCRIBE that creates the subscription or ends it.
    pub timer_n: Duration,
    /// Further headers for every SUBSCRIBE (Accept-Contact, P-Preferred-Identity,
    /// User-Agent, ...), name and value.
    pub headers: Vec<(String, String)>,
    /// Where Call-IDs, tags and branches come from.
    pub ids: Box<dyn IdGenerator + Send>,
}

impl SubscriberConfig {
    /// A configuration with the defaults documented on each field.
    #[must_use]
    pub fn new(
        local: NameAddr,
        remote: NameAddr,
        contact: NameAddr,
        sent_by: SentBy,
        event: Event,
        ids: Box<dyn IdGenerator + Send>,
    ) -> Self {
        Self {
            target: remote.uri().clone(),
            local,
            remote,
            contact,
            sent_by,
            route: Vec::new(),
            event,
            accept: Vec::new(),
            expires: 3600,
            refresh_margin: Duration::from_secs(60),
            timer_n: Duration::from_secs(32),
            headers: Vec::new(),
            ids,
        }
    }
}

impl fmt::Debug for SubscriberConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriberConfig")
            .field("target", &self.target)
            .field("local", &self.local)
            .field("remote", &self.remote)
            .field("contact", &self.contact)
            .field("sent_by", &self.sent_by)
            .field("route", &self.route)
            .field("event", &self.event)
            .field("accept", &self.accept)
            .field("expires", &self.expires)
            .field("refresh_margin", &self.refresh_margin)
            .field("timer_n", &self.timer_n)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

/// How a [`Notifier`](super::Notifier) is configured. Start from [`NotifierConfig::new`] and change the fields
/// you need.
#[non_exhaustive]
pub struct NotifierConfig {
    /// This UA's Contact (for a conference focus, the conference URI with `isfocus`, RFC
    /// 4579).
    pub contact: NameAddr,
    /// The transport and sent-by of the Via of every NOTIFY.
    pub sent_by: SentBy,
    /// The event package served (`conference` for RFC 4575); a SUBSCRIBE for another gets
    /// 489 with Allow-Events.
    pub package: String,
    /// The shortest duration accepted, in seconds (default 60); a shorter non-zero one gets
    /// 423 with Min-Expires (RFC 6665 §4.2.1.1).
    pub min_expires: u32,
    /// The longest duration granted, in seconds (default 3600); longer requests are
    /// shortened (§4.2.1.1: the notifier may shorten, never lengthen).
    pub max_expires: u32,
    /// The duration of a SUBSCRIBE without Expires, in seconds (default 3600, the RFC 4575
    /// default).
    pub default_expires: u32,
    /// Where tags and branches come from.
    pub ids: Box<dyn IdGenerator + Send>,
}

impl NotifierConfig {
    /// A configuration with the defaults documented on each field.
    #[must_use]
    pub fn new(
        contact: NameAddr,
        sent_by: SentBy,
        package: &str,
        ids: Box<dyn IdGenerator + Send>,
    ) -> Self {
        Self {
            contact,
            sent_by,
            package: package.to_owned(),
            min_expires: 60,
            max_expires: 3600,
            default_expires: 3600,
            ids,
        }
    }
}

impl fmt::Debug for NotifierConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifierConfig")
            .field("contact", &self.contact)
            .field("sent_by", &self.sent_by)
            .field("package", &self.package)
            .field("min_expires", &self.min_expires)
            .field("max_expires", &self.max_expires)
            .field("default_expires", &self.default_expires)
            .finish_non_exhaustive()
    }
}
