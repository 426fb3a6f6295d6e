//! Every typed SDP attribute over arbitrary value bytes: parsing never panics, and a value that
//! parses prints as text that parses back and prints the same.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_sdp::attr::{
    AcceptTypes, AcceptWrappedTypes, Chatroom, Connection, FileDate, FileDisposition, FileIcon,
    FileRange, FileSelector, FileTransferId, MaxSize, MsrpCema, Path, Setup, TypedAttribute,
};

fn check<T: TypedAttribute>(value: &Bytes) {
    if let Ok(v) = T::parse(value) {
        let printed = v.to_string();
        let again = T::parse(&Bytes::from(printed.clone()))
            .unwrap_or_else(|e| panic!("{} printed {printed:?}, which fails: {e}", T::NAME));
        assert_eq!(again.to_string(), printed, "{}", T::NAME);
    }
}

fuzz_target!(|data: &[u8]| {
    let value = Bytes::copy_from_slice(data);
    check::<AcceptTypes>(&value);
    check::<AcceptWrappedTypes>(&value);
    check::<MaxSize>(&value);
    check::<Path>(&value);
    check::<MsrpCema>(&value);
    check::<Setup>(&value);
    check::<Connection>(&value);
    check::<Chatroom>(&value);
    check::<FileSelector>(&value);
    check::<FileDate>(&value);
    check::<FileTransferId>(&value);
    check::<FileDisposition>(&value);
    check::<FileIcon>(&value);
    check::<FileRange>(&value);
});
