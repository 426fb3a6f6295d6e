//! `decode sdp FILE`: a session description as JSON (REQ: SDP-1, SDP-2). Parsed leniently;
//! every deviation from RFC 8866 is listed as a warning with its line.

use bytes::Bytes;
use serde_json::{Value, json};
use simpleim::sdp::attr::{
    AcceptTypes, AcceptWrappedTypes, Chatroom, FileSelector, MaxSize, Path, Setup, TypedAttribute,
};
use simpleim::sdp::{Attribute, ParseError, ParseOptions, SessionDescription};

fn located(e: &ParseError) -> Value {
    json!({ "error": format!("error at line {}, byte {}: {}", e.line, e.offset, e.kind) })
}

/// The typed form of an MSRP or file-transfer attribute, when it is one.
fn typed(a: &Attribute<'_>) -> Option<Value> {
    fn show<T: TypedAttribute>(value: &str) -> Value {
        match T::parse(&Bytes::copy_from_slice(value.as_bytes())) {
            Ok(v) => json!(v.to_string()),
            Err(e) => json!({ "error": format!("error at byte {}: {}", e.offset, e.kind) }),
        }
    }
    let v = a.value.unwrap_or_default();
    Some(match a.name {
        "accept-types" => show::<AcceptTypes>(v),
        "accept-wrapped-types" => show::<AcceptWrappedTypes>(v),
        "max-size" => show::<MaxSize>(v),
        "path" => match Path::parse(&Bytes::copy_from_slice(v.as_bytes())) {
            Ok(p) => Value::Array(
                p.uris()
                    .map(|u| json!(String::from_utf8_lossy(u)))
                    .collect(),
            ),
            Err(e) => json!({ "error": format!("error at byte {}: {}", e.offset, e.kind) }),
        },
        "setup" => show::<Setup>(v),
        "chatroom" => show::<Chatroom>(v),
        "file-selector" => show::<FileSelector>(v),
        _ => return None,
    })
}

fn attributes<'a>(it: impl Iterator<Item = Attribute<'a>>) -> Vec<Value> {
    it.map(|a| {
        let mut v = json!({ "name": a.name, "value": a.value });
        if let Some(t) = typed(&a) {
            v["typed"] = t;
        }
        v
    })
    .collect()
}

/// The description as JSON, or the located error that stops it parsing.
pub(crate) fn describe(data: Bytes) -> Result<Value, ParseError> {
    let sd = SessionDescription::parse_with(data, &ParseOptions::lenient())?;
    let origin = match sd.origin() {
        Ok(o) => json!({
            "username": o.username,
            "session_id": o.session_id,
            "session_version": o.session_version,
            "address": o.unicast_address,
        }),
        Err(e) => located(&e),
    };
    let media: Vec<Value> = sd
        .media()
        .iter()
        .map(|m| {
            let line = match m.media() {
                Ok(l) => json!({
                    "media": l.media, "port": l.port, "proto": l.proto, "formats": l.formats,
                }),
                Err(e) => located(&e),
            };
            json!({ "m": line, "attributes": attributes(m.attributes()) })
        })
        .collect();
    Ok(json!({
        "origin": origin,
        "session_name": sd.session_name().map(|s| s.to_string()),
        "attributes": attributes(sd.attributes()),
        "media": media,
        "warnings": sd.warnings().iter()
            .map(|w| format!("line {}: {:?}", w.line, w.kind))
            .collect::<Vec<_>>(),
    }))
}
