//! Offers from arbitrary bytes, parsed leniently and answered with fixed MSRP capabilities
//! (REQ: SDP-3): answering never panics, and any answer produced parses back strictly and
//! re-encodes byte for byte.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_sdp::attr::{AcceptTypes, AcceptWrappedTypes, Chatroom, Path, Setup};
use simpleim_sdp::negotiate::{MsrpCapabilities, SdpOffer, answer_session};
use simpleim_sdp::{Origin, SessionDescription};

fuzz_target!(|data: &[u8]| {
    let Ok(offer) = SdpOffer::parse(Bytes::copy_from_slice(data)) else {
        return;
    };
    let (Ok(path), Ok(types), Ok(wrapped), Ok(room)) = (
        Path::parse(&Bytes::from_static(b"msrp://fuzz.example:2855/s;tcp")),
        AcceptTypes::parse(&Bytes::from_static(b"message/cpim text/* image/png")),
        AcceptWrappedTypes::parse(&Bytes::from_static(b"*")),
        Chatroom::parse(&Bytes::from_static(b"nickname")),
    ) else {
        return;
    };
    let origin = Origin {
        username: "-",
        session_id: 1,
        session_version: 1,
        net_type: "IN",
        addr_type: "IP4",
        unicast_address: "fuzz.example",
    };
    for setup in [Setup::Active, Setup::ActPass, Setup::Passive] {
        let local = MsrpCapabilities::builder(path.clone(), types.clone())
            .accept_wrapped_types(wrapped.clone())
            .max_size(65536)
            .setup(setup)
            .cema(true)
            .file_transfer(true)
            .chatroom(room.clone())
            .build();
        if let Ok((answer, session)) = answer_session(&offer, &local, &origin) {
            let bytes = answer.to_bytes();
            let again = SessionDescription::parse(bytes.clone())
                .unwrap_or_else(|e| panic!("answer does not parse strictly: {e}"));
            assert_eq!(again.to_bytes(), bytes);
            assert_eq!(again.media().len(), offer.as_sdp().media().len());
            assert!(!session.accept_types().is_empty());
            let _ = session.reoffer();
        }
    }
});
