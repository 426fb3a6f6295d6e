//! The conference event package's documents (RFC 4575) and the room state that makes them.
//! REQ: FOC-8, ALIAS-4, SEC-1.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr,
    reason = "test helpers fail the test by panicking, and say why a check was skipped"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use simpleim_focus::alias::{AliasRegistry, RequestedUri};
use simpleim_focus::conference_info::{
    ConferenceDescription, ConferenceInfo, ConferenceState, ConferenceStateElement,
    DisconnectionMethod, ElementState, Endpoint, EndpointStatus, JoiningMethod, Media, MediaStatus,
    Member, ParseErrorKind, ParseLimits, Subscription, UriEntry, User, Users, WriteOptions,
    YourOwnForm,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/conference_info")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The RFC 4575 schema from the external corpus, with its `xml.xsd` import made local, in a
/// temporary directory; `None` without the corpus or without `xmllint`.
fn schema() -> Option<PathBuf> {
    let corpus = simpleim_test_support::corpus_dir()?;
    if Command::new("xmllint").arg("--version").output().is_err() {
        // `.ci/run` installs it (libxml2-utils): under CI a missing xmllint is a failure.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but xmllint is missing (.ci/run installs libxml2-utils)"
        );
        eprintln!("note: xmllint not installed; schema validation skipped");
        return None;
    }
    let xsd = std::fs::read_to_string(
        corpus.join("conference-info/schema/conference-info.iana-registry-copy.xsd"),
    )
    .ok()?;
    let dir = std::env::temp_dir().join(format!("simpleim-ci-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::write(
        dir.join("conference-info.xsd"),
        xsd.replace("http://www.w3.org/2001/03/xml.xsd", "xml.xsd"),
    )
    .ok()?;
    std::fs::write(
        dir.join("xml.xsd"),
        "<?xml version=\"1.0\"?>\n<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" \
         targetNamespace=\"http://www.w3.org/XML/1998/namespace\">\n  \
         <xs:attribute name=\"lang\" type=\"xs:language\"/>\n</xs:schema>\n",
    )
    .ok()?;
    Some(dir.join("conference-info.xsd"))
}

/// Whether `xmllint` says `xml` is valid against `schema`.
fn validates(schema: &Path, name: &str, xml: &str) -> bool {
    let file = schema.with_file_name(format!("{name}.xml"));
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema)
        .arg(&file)
        .output()
        .unwrap();
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    }
    out.status.success()
}

#[test]
fn full_fixture() {
    // REQ: FOC-8
    let doc = ConferenceInfo::parse(&fixture("full.xml")).unwrap();
    assert_eq!(doc.entity, "sip:chat-42@conf.example.com");
    assert_eq!((doc.state, doc.version), (ElementState::Full, Some(1)));
    let d = doc.description.as_ref().unwrap();
    assert_eq!(d.display_text.as_deref(), Some("Weekly design chat"));
    assert_eq!(d.subject.as_deref(), Some("Issue 7 & friends"));
    assert_eq!(d.conf_uris[0].purpose.as_deref(), Some("participation"));
    assert_eq!(d.service_uris[0].uri, "http://www.example.com/chat-42/");
    assert_eq!(d.maximum_user_count, Some(50));
    assert_eq!(
        doc.conference_state,
        Some(ConferenceStateElement {
            user_count: Some(2),
            active: Some(true),
            locked: Some(false)
        })
    );
    let users = &doc.users.as_ref().unwrap().users;
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].roles, ["administrator", "participant"]);
    let ep = &users[0].endpoints[0];
    assert_eq!(ep.display_text.as_deref(), Some("Alice's laptop"));
    assert_eq!(ep.status, Some(EndpointStatus::Connected));
    assert_eq!(ep.joining_method, Some(JoiningMethod::DialedIn));
    assert_eq!(ep.media[0].media_type.as_deref(), Some("message"));
    assert_eq!(ep.media[0].label.as_deref(), Some("chat"));
    assert_eq!(ep.media[0].status, Some(MediaStatus::SendRecv));
    assert_eq!(users[1].display_text.as_deref(), Some("bob"));
    assert!(!users[0].yourown && !users[1].yourown);
    // What the model holds survives a rewrite.
    assert_eq!(ConferenceInfo::parse(doc.to_xml().as_bytes()), Ok(doc));
}

#[test]
fn partial_fixture_with_prefix_and_extensions() {
    // REQ: FOC-8
    let doc = ConferenceInfo::parse(&fixture("partial.xml")).unwrap();
    assert_eq!((doc.state, doc.version), (ElementState::Partial, Some(2)));
    let users = doc.users.unwrap();
    assert_eq!(users.state, ElementState::Partial);
    assert_eq!(
        users.users[0].entity.as_deref(),
        Some("sip:carol@example.net")
    );
    let left = &users.users[1];
    assert_eq!(left.state, ElementState::Partial);
    assert_eq!(left.endpoints[0].status, Some(EndpointStatus::Disconnected));
    assert_eq!(
        left.endpoints[0].disconnection_method,
        Some(DisconnectionMethod::Departed)
    );

    let deleted = ConferenceInfo::parse(&fixture("deleted_user.xml")).unwrap();
    assert_eq!(deleted.users.unwrap().users[0].state, ElementState::Deleted);
}

#[test]
fn yourown_fixture_and_forms() {
    // REQ: ALIAS-4
    let doc = ConferenceInfo::parse(&fixture("yourown.xml")).unwrap();
    let users = &doc.users.as_ref().unwrap().users;
    assert!(users[0].yourown);
    assert!(!users[1].yourown);

    let unqualified = doc.to_xml();
    assert!(unqualified.contains(
        r#"<user entity="sip:anonymous2@anonymous.invalid" state="full" yourown="true">"#
    ));
    let options = WriteOptions::default().with_yourown(YourOwnForm::Namespaced {
        prefix: "oma".into(),
        namespace: "urn:example:oma-im-conference-ext".into(),
    });
    let namespaced = doc.to_xml_with(&options);
    assert!(namespaced.contains(r#"xmlns:oma="urn:example:oma-im-conference-ext""#));
    assert!(namespaced.contains(r#"oma:yourown="true""#));
    for xml in [&unqualified, &namespaced] {
        assert_eq!(ConferenceInfo::parse(xml.as_bytes()).as_ref(), Ok(&doc));
    }
}

#[test]
fn schema_validation() {
    // REQ: FOC-8. Runs only with the corpus and xmllint (libxml2-utils).
    let Some(schema) = schema() else { return };
    for name in ["full.xml", "partial.xml", "deleted_user.xml", "yourown.xml"] {
        let xml = String::from_utf8(fixture(name)).unwrap();
        assert!(validates(&schema, name, &xml), "{name}");
    }
    // What the room produces validates, with the namespaced yourown form.
    let (room, mut subs) = story();
    let options = WriteOptions::default().with_yourown(YourOwnForm::Namespaced {
        prefix: "oma".into(),
        namespace: "urn:example:oma-im-conference-ext".into(),
    });
    let full = room.full_document(&mut subs[0]).to_xml_with(&options);
    assert!(validates(&schema, "room-full", &full));
    let rewritten = ConferenceInfo::parse(&fixture("full.xml"))
        .unwrap()
        .to_xml();
    assert!(validates(&schema, "rewritten", &rewritten));
    // The seed's literal unqualified attribute is outside the schema (anyAttribute ##other).
    let unqualified = room.full_document(&mut subs[0]).to_xml();
    assert!(!validates(&schema, "unqualified", &unqualified));
}

/// A room with alice (public) and an anonymous "bob"; alice subscribed.
fn story() -> (ConferenceState<u32>, Vec<Subscription<u32>>) {
    let mut aliases = AliasRegistry::new(10);
    let mut room = ConferenceState::new("sip:chat@conf.example.com", 10);
    room.join(
        1,
        Member::public(
            "sip:alice@example.com",
            Some("Alice"),
            "sip:alice@198.51.100.1",
        ),
    )
    .unwrap();
    let bob = aliases
        .join(2, Some("bob"), RequestedUri::Anonymous)
        .unwrap()
        .alias;
    room.join(2, Member::private(&bob)).unwrap();
    (
        room,
        vec![Subscription::new(Some(1)), Subscription::new(Some(2))],
    )
}

#[test]
fn full_then_partials_versions_per_subscription() {
    // REQ: FOC-8
    let (mut room, mut subs) = story();
    let full = room.full_document(&mut subs[0]);
    assert_eq!((full.state, full.version), (ElementState::Full, Some(1)));
    assert_eq!(full.conference_state.unwrap().user_count, Some(2));

    let r0 = room.revision();
    let carol = room
        .join(
            3,
            Member::public("sip:carol@example.net", None, "sip:carol@192.0.2.7"),
        )
        .unwrap();
    assert_eq!(carol.revision(), r0 + 1);
    let p = room.notification(&carol, &mut subs[0]).unwrap();
    assert_eq!((p.state, p.version), (ElementState::Partial, Some(2)));
    assert_eq!(p.conference_state.unwrap().user_count, Some(3));
    let users = p.users.unwrap();
    assert_eq!(users.state, ElementState::Partial);
    assert_eq!(users.users.len(), 1);
    assert_eq!(users.users[0].state, ElementState::Full);
    // Already told: nothing twice.
    assert_eq!(room.notification(&carol, &mut subs[0]), None);

    let left = room.leave(&3, DisconnectionMethod::Departed).unwrap();
    let p = room.notification(&left, &mut subs[0]).unwrap();
    assert_eq!(p.version, Some(3));
    let user = &p.users.unwrap().users[0];
    assert_eq!(user.state, ElementState::Deleted);
    assert_eq!(user.entity.as_deref(), Some("sip:carol@example.net"));

    // Bob subscribes late: his versions start at 1 although the room changed 4 times.
    let full = room.full_document(&mut subs[1]);
    assert_eq!(full.version, Some(1));
    assert_eq!(room.revision(), 4);
}

#[test]
fn a_missed_change_gives_a_full_document() {
    // REQ: FOC-8 (coherent state: a subscriber never applies a partial out of order)
    let (mut room, mut subs) = story();
    let _ = room.full_document(&mut subs[0]);
    let missed = room.set_display_text(&1, Some("Alice W.")).unwrap();
    let next = room.leave(&2, DisconnectionMethod::Departed).unwrap();
    let doc = room.notification(&next, &mut subs[0]).unwrap();
    assert_eq!((doc.state, doc.version), (ElementState::Full, Some(2)));
    assert_eq!(room.notification(&missed, &mut subs[0]), None);
    // A subscription that never had a document gets a full one.
    let mut fresh = Subscription::new(None);
    let doc = room.notification(&next, &mut fresh).unwrap();
    assert_eq!((doc.state, doc.version), (ElementState::Full, Some(1)));
}

#[test]
fn yourown_marks_each_subscribers_own_user() {
    // REQ: ALIAS-4
    let (mut room, mut subs) = story();
    let marked = |doc: &ConferenceInfo| -> Vec<String> {
        doc.users
            .iter()
            .flat_map(|u| &u.users)
            .filter(|u| u.yourown)
            .filter_map(|u| u.entity.clone())
            .collect()
    };
    let alice = room.full_document(&mut subs[0]);
    let bob = room.full_document(&mut subs[1]);
    assert_eq!(marked(&alice), ["sip:alice@example.com"]);
    assert_eq!(marked(&bob), ["sip:anonymous@anonymous.invalid"]);
    let mut observer = Subscription::new(None);
    assert!(marked(&room.full_document(&mut observer)).is_empty());

    // A change to bob: marked in bob's partial only.
    let change = room.set_display_text(&2, Some("bobby")).unwrap();
    let to_alice = room.notification(&change, &mut subs[0]).unwrap();
    let to_bob = room.notification(&change, &mut subs[1]).unwrap();
    assert!(marked(&to_alice).is_empty());
    assert_eq!(marked(&to_bob), ["sip:anonymous@anonymous.invalid"]);
    assert!(
        to_bob
            .to_xml()
            .contains(r#"state="partial" yourown="true""#)
    );
    let user = &to_bob.users.unwrap().users[0];
    assert_eq!(user.display_text.as_deref(), Some("bobby"));
}

#[test]
fn private_participants_show_only_their_alias() {
    // REQ: SEC-1, ALIAS-4
    let mut aliases = AliasRegistry::new(10);
    let mut room = ConferenceState::new("sip:chat@conf.example.com", 10);
    // Two anonymous "bob"s; the real identities are keys the focus keeps to itself.
    for (key, real) in [(10, "sip:bob@example.com"), (11, "sip:robert@example.org")] {
        let alias = aliases
            .join(real, Some("bob"), RequestedUri::Anonymous)
            .unwrap()
            .alias;
        room.join(key, Member::private(&alias)).unwrap();
    }
    let xml = room.full_document(&mut Subscription::new(None)).to_xml();
    assert!(
        !xml.contains("bob@example.com") && !xml.contains("robert@"),
        "{xml}"
    );
    let doc = ConferenceInfo::parse(xml.as_bytes()).unwrap();
    let users = doc.users.unwrap().users;
    let shown: Vec<_> = users
        .iter()
        .map(|u| {
            (
                u.entity.as_deref().unwrap(),
                u.display_text.as_deref().unwrap(),
                u.endpoints[0].entity.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (
                "sip:anonymous@anonymous.invalid",
                "bob",
                "sip:anonymous@anonymous.invalid"
            ),
            (
                "sip:anonymous2@anonymous.invalid",
                "bob-2",
                "sip:anonymous2@anonymous.invalid"
            ),
        ]
    );
}

#[test]
fn one_user_several_devices() {
    // REQ: FOC-8: one <user> per entity, one <endpoint> per session.
    let mut room = ConferenceState::new("sip:chat@conf.example.com", 10);
    let mut sub = Subscription::new(Some("phone"));
    room.join(
        "phone",
        Member::public("sip:alice@example.com", Some("Alice"), "sip:alice@phone"),
    )
    .unwrap();
    let _ = room.full_document(&mut sub);
    let change = room
        .join(
            "laptop",
            Member::public("sip:alice@example.com", Some("Alice"), "sip:alice@laptop"),
        )
        .unwrap();
    let p = room.notification(&change, &mut sub).unwrap();
    let user = &p.users.as_ref().unwrap().users[0];
    assert_eq!(user.state, ElementState::Partial);
    assert!(user.yourown);
    assert_eq!(
        user.endpoints[0].entity.as_deref(),
        Some("sip:alice@laptop")
    );
    assert_eq!(room.user_count(), 1);
    let full = room.full_document(&mut sub);
    assert_eq!(full.users.unwrap().users[0].endpoints.len(), 2);

    let change = room.leave(&"phone", DisconnectionMethod::Departed).unwrap();
    let p = room.notification(&change, &mut sub).unwrap();
    let user = &p.users.unwrap().users[0];
    assert_eq!(user.state, ElementState::Partial);
    assert_eq!(user.endpoints[0].state, ElementState::Deleted);
    assert_eq!(user.endpoints[0].status, Some(EndpointStatus::Disconnected));
}

#[test]
fn room_bounds() {
    let mut room = ConferenceState::new("sip:c@h", 1);
    room.join(1, Member::public("sip:a@h", None, "sip:a@h"))
        .unwrap();
    assert_eq!(
        room.join(1, Member::public("sip:a@h", None, "sip:a@h")),
        Err(simpleim_focus::conference_info::StateError::AlreadyMember)
    );
    assert_eq!(
        room.join(2, Member::public("sip:b@h", None, "sip:b@h")),
        Err(simpleim_focus::conference_info::StateError::Full)
    );
    assert!(room.leave(&9, DisconnectionMethod::Departed).is_none());
}

#[test]
fn escaping_round_trips() {
    let doc = ConferenceInfo {
        entity: "sip:a@h;x=\"q\"&y=<z>".into(),
        users: Some(Users {
            state: ElementState::Full,
            users: vec![User {
                entity: Some("sip:o'b@h".into()),
                display_text: Some(" <b>&amp;\r\n\t\"x\" ".into()),
                ..User::default()
            }],
        }),
        ..ConferenceInfo::default()
    };
    let xml = doc.to_xml();
    assert!(xml.contains("&lt;b&gt;&amp;amp;&#xD;"));
    assert_eq!(ConferenceInfo::parse(xml.as_bytes()), Ok(doc));
}

#[test]
fn errors_are_typed_and_located() {
    let err = |input: &str| ConferenceInfo::parse(input.as_bytes()).unwrap_err();
    let ns = r#"xmlns="urn:ietf:params:xml:ns:conference-info""#;

    let e = err(&format!("<conference-info {ns}/>"));
    assert_eq!((e.kind, e.offset), (ParseErrorKind::MissingAttribute, 0));
    let e = err(r#"<conference-info entity="sip:c@h"/>"#);
    assert_eq!(e.kind, ParseErrorKind::Root);
    let input = format!(
        r#"<conference-info {ns} entity="x"><users><user state="gone"/></users></conference-info>"#
    );
    let e = err(&input);
    assert_eq!(e.kind, ParseErrorKind::Value);
    assert_eq!(e.offset, input.find("<user ").unwrap());
    let input = format!(r#"<conference-info {ns} entity="x" version="-1"/>"#);
    assert_eq!(err(&input).kind, ParseErrorKind::Value);
    let input = format!(r#"<conference-info {ns} entity="x"><users/><users/></conference-info>"#);
    let e = err(&input);
    assert_eq!(
        (e.kind, e.offset),
        (ParseErrorKind::Element, input.rfind("<users").unwrap())
    );
    let input = format!(
        r#"<conference-info {ns} entity="x"><users><user><endpoint><media/></endpoint></user></users></conference-info>"#
    );
    let e = err(&input);
    assert_eq!(
        (e.kind, e.offset),
        (
            ParseErrorKind::MissingAttribute,
            input.find("<media").unwrap()
        )
    );
    // Not well-formed, a DTD, an unknown entity, text where elements go.
    assert_eq!(
        err(&format!("<conference-info {ns} entity=\"x\">")).kind,
        ParseErrorKind::Xml
    );
    assert_eq!(
        err(&format!(
            "<!DOCTYPE x [<!ENTITY a \"b\">]><conference-info {ns} entity=\"x\"/>"
        ))
        .kind,
        ParseErrorKind::Xml
    );
    assert_eq!(
        err(&format!(
            "<conference-info {ns} entity=\"x\"><users>&a;</users></conference-info>"
        ))
        .kind,
        ParseErrorKind::Xml
    );
    assert_eq!(
        err(&format!(
            "<conference-info {ns} entity=\"x\">text</conference-info>"
        ))
        .kind,
        ParseErrorKind::Value
    );
    assert_eq!(
        err(&format!(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><conference-info {ns} entity=\"x\"/>"
        ))
        .kind,
        ParseErrorKind::Xml
    );
}

#[test]
fn limits() {
    // REQ: SEC-2 (bounded work)
    let ns = r#"xmlns="urn:ietf:params:xml:ns:conference-info""#;
    let deep = format!(
        "<conference-info {ns} entity=\"x\">{}{}</conference-info>",
        "<x:a xmlns:x=\"urn:x\">".repeat(40),
        "</x:a>".repeat(40)
    );
    let e = ConferenceInfo::parse(deep.as_bytes()).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::Limit);
    assert_eq!(e.offset, deep.match_indices("<x:a").nth(31).unwrap().0);

    let many = format!(
        "<conference-info {ns} entity=\"x\"><users>{}</users></conference-info>",
        "<user/>".repeat(100)
    );
    let small = ParseLimits {
        max_elements: 50,
        ..ParseLimits::default()
    };
    let e = ConferenceInfo::parse_with_limits(many.as_bytes(), small).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::Limit);
    assert_eq!(e.offset, many.match_indices("<user/>").nth(48).unwrap().0);
    assert!(ConferenceInfo::parse(many.as_bytes()).is_ok());

    let tiny = ParseLimits {
        max_size: 10,
        ..ParseLimits::default()
    };
    let e = ConferenceInfo::parse_with_limits(many.as_bytes(), tiny).unwrap_err();
    assert_eq!((e.kind, e.offset), (ParseErrorKind::Limit, 10));
}

fn text() -> impl Strategy<Value = String> {
    // Any chars, so escaping is exercised; XML-forbidden ones are replaced on writing, so
    // they are left out here.
    "[^\u{0}-\u{8}\u{b}\u{c}\u{e}-\u{1f}\u{fffe}\u{ffff}]{0,12}"
}

fn uri() -> impl Strategy<Value = String> {
    "sip:[a-z0-9&<>'\"]{1,8}@[a-z.]{1,8}"
}

fn media() -> impl Strategy<Value = Media> {
    (
        "[0-9a-z]{1,3}",
        proptest::option::of(text()),
        proptest::option::of("[a-z]{1,8}"),
        proptest::option::of(prop_oneof![
            Just(MediaStatus::SendRecv),
            Just(MediaStatus::Inactive)
        ]),
    )
        .prop_map(|(id, display_text, media_type, status)| Media {
            id,
            display_text,
            media_type,
            status,
            ..Media::default()
        })
}

fn state() -> impl Strategy<Value = ElementState> {
    prop_oneof![
        Just(ElementState::Full),
        Just(ElementState::Partial),
        Just(ElementState::Deleted)
    ]
}

fn user() -> impl Strategy<Value = User> {
    (
        proptest::option::of(uri()),
        state(),
        any::<bool>(),
        proptest::option::of(text()),
        proptest::collection::vec(text(), 0..3),
        proptest::collection::vec(
            (
                proptest::option::of(text()),
                state(),
                proptest::option::of(Just(EndpointStatus::Connected)),
                proptest::collection::vec(media(), 0..2),
            ),
            0..3,
        ),
    )
        .prop_map(|(entity, state, yourown, display_text, roles, eps)| User {
            entity,
            state,
            yourown,
            display_text,
            roles,
            endpoints: eps
                .into_iter()
                .map(|(entity, state, status, media)| Endpoint {
                    entity,
                    state,
                    status,
                    media,
                    ..Endpoint::default()
                })
                .collect(),
        })
}

fn document() -> impl Strategy<Value = ConferenceInfo> {
    (
        uri(),
        state(),
        proptest::option::of(any::<u32>()),
        proptest::option::of((
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::collection::vec(uri(), 0..2),
            proptest::option::of(any::<u32>()),
        )),
        proptest::option::of((
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<bool>()),
        )),
        proptest::option::of((state(), proptest::collection::vec(user(), 0..4))),
    )
        .prop_map(
            |(entity, state, version, description, cs, users)| ConferenceInfo {
                entity,
                state,
                version,
                description: description.map(|(display_text, subject, uris, max)| {
                    ConferenceDescription {
                        display_text,
                        subject,
                        conf_uris: uris
                            .into_iter()
                            .map(|uri| UriEntry {
                                uri,
                                ..UriEntry::default()
                            })
                            .collect(),
                        maximum_user_count: max,
                        ..ConferenceDescription::default()
                    }
                }),
                conference_state: cs.map(|(user_count, active)| ConferenceStateElement {
                    user_count,
                    active,
                    locked: None,
                }),
                users: users.map(|(state, users)| Users { state, users }),
            },
        )
}

proptest! {
    #[test]
    fn build_then_parse_is_identity(doc in document()) {
        // REQ: FOC-8
        let xml = doc.to_xml();
        prop_assert_eq!(ConferenceInfo::parse(xml.as_bytes()), Ok(doc));
    }

    #[test]
    fn parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = ConferenceInfo::parse(&bytes);
    }
}
