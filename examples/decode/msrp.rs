//! `decode msrp FILE`: every MSRP frame of a captured stream as JSON (REQ: MSRP-1, MSRP-3).
//! The bytes go through the incremental decoder as a connection would deliver them; each frame
//! shows its transaction id, method or status, headers in order, body length and end-line
//! flag, the typed headers (To-Path/From-Path as URIs, Byte-Range, Status, reports) and what
//! `validate` says.

use bytes::Bytes;
use serde_json::{Value, json};
use simpleim::msrp::{Decoded, Decoder, Flag, FrameHead, Limits, ParseError, Path};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn located<E: std::fmt::Display>(offset: impl std::fmt::Display, e: E) -> Value {
    json!({ "error": format!("error at byte {offset}: {e}") })
}

/// A path header as its URIs, or the located error.
fn path(value: Option<&[u8]>) -> Value {
    match value {
        None => Value::Null,
        Some(v) => match Path::parse(Bytes::copy_from_slice(v)) {
            Ok(p) => Value::Array(
                p.iter()
                    .map(|u| {
                        json!({
                            "uri": u.as_str(),
                            "scheme": u.scheme().to_string(),
                            "host": u.host().to_string(),
                            "port": u.port(),
                            "session_id": u.session_id(),
                            "transport": u.transport(),
                        })
                    })
                    .collect(),
            ),
            Err(e) => located(e.offset, e.kind),
        },
    }
}

fn typed<T: ToString>(r: Result<Option<T>, ParseError>) -> Value {
    match r {
        Ok(None) => Value::Null,
        Ok(Some(v)) => json!(v.to_string()),
        Err(e) => located(e.offset, e.kind),
    }
}

fn head_json(head: &FrameHead, body_len: Value, flag: Option<Flag>) -> Value {
    let mut v = json!({
        "offset": head.offset(),
        "transaction_id": head.transaction_id().as_str(),
    });
    if let Some(m) = head.method() {
        v["method"] = json!(m.to_string());
    }
    if let Some(code) = head.status_code() {
        v["status"] = json!(code);
        v["comment"] = json!(head.comment().map(text));
    }
    v["headers"] = Value::Array(
        head.headers()
            .map(|h| json!([h.name(), text(h.value())]))
            .collect(),
    );
    v["body_length"] = body_len;
    v["flag"] = json!(flag.map(|f| char::from(f.as_byte()).to_string()));
    v["typed"] = json!({
        "to_path": path(head.to_path()),
        "from_path": path(head.from_path()),
        "message_id": typed(head.message_id()),
        "byte_range": typed(head.byte_range()),
        "status": typed(head.status()),
        "success_report": typed(head.success_report()),
        "failure_report": typed(head.failure_report()),
        "content_type": head.content_type().map(text),
        "use_nickname": typed(head.use_nickname()),
        "expires": typed(head.expires()),
    });
    v["validate"] = match flag.map(|f| head.validate(f)) {
        None | Some(Ok(())) => json!("ok"),
        Some(Err(e)) => json!({
            "status": e.status_hint(),
            "error": format!("error at byte {}: {}", e.offset, e.kind),
        }),
    };
    v
}

/// Every frame of the stream, or the framing error that stops it (frames before it are
/// lost: the stream cannot be resynchronised after a framing error).
pub(crate) fn describe(data: &[u8]) -> Result<Value, ParseError> {
    let mut decoder = Decoder::new(Limits {
        max_collect_bytes: usize::MAX,
        ..Limits::default()
    });
    decoder.push(data);
    let mut frames = Vec::new();
    while let Some(item) = decoder.poll()? {
        match item {
            Decoded::Frame(f) => frames.push(head_json(&f.head, json!(f.body.len()), Some(f.flag))),
            // Bodies are collected whole here, so nothing streams.
            Decoded::Head(h) => frames.push(head_json(&h, Value::Null, None)),
            Decoded::Body(_) => {}
        }
    }
    if !decoder.at_boundary() {
        frames.push(json!({
            "error": format!(
                "error at byte {}: the stream ends inside a frame",
                decoder.position()
            )
        }));
    }
    Ok(Value::Array(frames))
}
