//! `decode cpim FILE`: a message/cpim body as JSON (REQ: CPIM-1, CPIM-2, CPIM-3).

use bytes::Bytes;
use serde_json::{Value, json};
use simpleim::cpim::xml::{ImdnDocument, IsComposing};
use simpleim::cpim::{Address, CpimMessage, ParseError, mime};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn located(e: &ParseError) -> Value {
    json!({ "error": format!("error at byte {}: {}", e.offset, e.kind) })
}

fn address(r: simpleim::cpim::Result<Address>) -> Value {
    match r {
        Ok(a) => json!({
            "formal_name": a.formal_name().map(text),
            "uri": text(a.uri()),
            "isfocus": a.is_focus(),
        }),
        Err(e) => located(&e),
    }
}

/// The payload, decoded when its type is one this library understands.
fn payload(content_type: Option<&[u8]>, body: &Bytes) -> Value {
    let Some(ct) = content_type else {
        return Value::Null;
    };
    let Ok(ct) = mime::ContentType::parse(&Bytes::copy_from_slice(ct)) else {
        return Value::Null;
    };
    if ct.is("message", "imdn+xml") {
        return match ImdnDocument::parse(body) {
            Ok(d) => json!({ "imdn": format!("{d:?}") }),
            Err(e) => located(&e),
        };
    }
    if ct.is("application", "im-iscomposing+xml") {
        return match IsComposing::parse(body) {
            Ok(d) => json!({ "is_composing": format!("{d:?}") }),
            Err(e) => located(&e),
        };
    }
    if ct.is_multipart() {
        return match mime::Multipart::parse(&ct, body) {
            Ok(m) => Value::Array(
                m.parts
                    .iter()
                    .map(|p| {
                        json!({
                            "content_type": p.headers.get("Content-Type").map(|h| text(h.value())),
                            "length": p.body.len(),
                        })
                    })
                    .collect(),
            ),
            Err(e) => located(&e),
        };
    }
    Value::Null
}

/// The message as JSON, or the located error that stops it parsing.
pub(crate) fn describe(data: Bytes) -> Result<Value, ParseError> {
    let m = CpimMessage::parse(data)?;
    let h = m.head();
    let headers: Vec<Value> = h
        .headers()
        .iter()
        .map(|x| json!([text(x.full_name()), text(x.raw_value())]))
        .collect();
    let ns: Vec<Value> = h
        .ns()
        .iter()
        .map(|d| json!([text(&d.prefix), text(&d.uri)]))
        .collect();
    let body = m.payload();
    Ok(json!({
        "cpim_headers": headers,
        "namespaces": ns,
        "from": h.from().map(address),
        "to": h.to().map(address).collect::<Vec<_>>(),
        "cc": h.cc().map(address).collect::<Vec<_>>(),
        "datetime": h.date_time().map(|r| match r {
            Ok(d) => json!(text(d.as_bytes())),
            Err(e) => located(&e),
        }),
        "subject": h.subject().map(|r| match r {
            Ok(s) => json!({ "lang": s.lang.as_deref().map(text), "text": text(&s.text) }),
            Err(e) => located(&e),
        }).collect::<Vec<_>>(),
        "imdn": {
            "message_id": h.imdn_message_id().map(text),
            "disposition_notification": h.disposition_notification().map(|r| match r {
                Ok(d) => json!([
                    ("positive-delivery", d.positive_delivery),
                    ("negative-delivery", d.negative_delivery),
                    ("display", d.display),
                    ("processing", d.processing),
                ]
                .iter()
                .filter(|(_, on)| *on)
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()),
                Err(e) => located(&e),
            }),
        },
        "warnings": h.warnings().iter().map(located).collect::<Vec<_>>(),
        "mime_headers": h.mime_headers().iter()
            .map(|x| json!([text(x.name()), text(x.value())]))
            .collect::<Vec<_>>(),
        "payload_length": body.len(),
        "payload_decoded": payload(h.content_type(), &body),
    }))
}
