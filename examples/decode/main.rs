//! A message inspector: decode a captured message and print it as JSON.
//!
//! ```text
//! cargo run --example decode -- sip FILE        # FILE holds one SIP message (a UDP payload)
//! cargo run --example decode -- sip --crlf FILE # the same, turning LF line ends into CRLF first
//! cargo run --example decode -- sip -           # read standard input
//! cargo run --example decode -- cpim FILE       # FILE holds a message/cpim body
//! cargo run --example decode -- sdp FILE        # FILE holds a session description
//! cargo run --example decode -- msrp FILE       # FILE holds MSRP frames (a TCP stream)
//! ```
//!
//! The JSON holds the start line, every header in order as `[name, value]`, the body length,
//! the typed form of each header this library knows (or the error it gives, with its byte
//! offset), and the result of `validate()`: the status a UAS would answer with. On a parse
//! error it prints `error at byte N: <what>` to stderr and exits 1.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cpim;
mod msrp;
mod sdp;

use std::io::{Read as _, Write as _};
use std::process::ExitCode;

use bytes::Bytes;
use serde_json::{Value, json};
use simpleim::sip::header::{
    Accept, AcceptContact, Allow, CSeq, CallId, Contact, ContentDisposition, ContentLength,
    ContentType, ErrorInfo, Event, Expires, From, MaxForwards, MediaType, MinSe, PAssertedIdentity,
    Privacy, RecordRoute, ReferTo, Require, Route, Server, ServerVal, SessionExpires,
    SubscriptionState, Supported, To, TypedHeader, UserAgent, Via, Warning,
};
use simpleim::sip::{Headers, Host, Message, NameAddr, Params, ParseError, Uri};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn params_json(p: &Params) -> Value {
    Value::Array(
        p.iter()
            .map(|p| json!([text(p.name), p.value.map(text)]))
            .collect(),
    )
}

fn host_json(h: &Host<'_>) -> Value {
    match h {
        Host::Domain(d) => json!({ "domain": text(d) }),
        Host::Ipv4(a) => json!({ "ipv4": a.to_string() }),
        Host::Ipv6 { raw, addr } => {
            json!({ "ipv6": text(raw), "valid_address": addr.map(|a| a.to_string()) })
        }
    }
}

fn uri_json(u: &Uri) -> Value {
    match u {
        Uri::Sip(s) => json!({
            "scheme": if s.is_secure() { "sips" } else { "sip" },
            "user": s.user().map(text),
            "host": host_json(&s.host()),
            "port": s.port(),
            "params": params_json(s.params()),
            "headers": params_json(s.headers()),
        }),
        Uri::Tel(t) => json!({
            "scheme": "tel",
            "number": text(t.number()),
            "global": t.is_global(),
            "params": params_json(t.params()),
        }),
        Uri::Other(o) => json!({ "scheme": text(o.scheme()), "rest": text(o.rest()) }),
    }
}

fn media_json(m: &MediaType) -> Value {
    json!({
        "type": format!("{}/{}", text(m.mtype()), text(m.subtype())),
        "params": params_json(m.params()),
    })
}

fn products_json<'a>(items: impl Iterator<Item = ServerVal<'a>>) -> Value {
    Value::Array(
        items
            .map(|i| match i {
                ServerVal::Product(p) => {
                    json!({ "product": text(p.name()), "version": p.version().map(text) })
                }
                ServerVal::Comment(c) => json!({ "comment": text(c) }),
            })
            .collect(),
    )
}

fn name_addr_json(n: &NameAddr) -> Value {
    json!({
        "display_name": n.display_name_text(),
        "uri": uri_json(n.uri()),
        "tag": n.tag().map(text),
        "params": params_json(n.params()),
    })
}

/// Every value of header `T`, rendered by `f`, or the located error.
fn typed<T: TypedHeader>(h: &Headers, f: impl Fn(&T) -> Value) -> Option<Value> {
    h.get(T::NAME)?;
    let values: Vec<Value> = h
        .typed_all::<T>()
        .map(|r| match r {
            Ok(v) => f(&v),
            Err(e) => json!({ "error": format!("error at byte {}: {}", e.offset, e.kind) }),
        })
        .collect();
    Some(if T::LIST {
        Value::Array(values)
    } else {
        values.into_iter().next().unwrap_or(Value::Null)
    })
}

fn typed_headers(h: &Headers) -> Value {
    let mut out = serde_json::Map::new();
    let mut put = |name: &str, v: Option<Value>| {
        if let Some(v) = v {
            out.insert(name.to_owned(), v);
        }
    };
    put(
        "Via",
        typed::<Via>(h, |v| {
            json!({
                "transport": text(v.transport()),
                "host": text(v.host()),
                "port": v.port(),
                "branch": v.branch().map(text),
                "rfc3261_branch": v.is_rfc3261_branch(),
                "received": v.received().map(|a| a.to_string()),
                "params": params_json(v.params()),
            })
        }),
    );
    put("From", typed::<From>(h, |v| name_addr_json(v)));
    put("To", typed::<To>(h, |v| name_addr_json(v)));
    put("Call-ID", typed::<CallId>(h, |v| json!(text(v.as_bytes()))));
    put(
        "CSeq",
        typed::<CSeq>(
            h,
            |v| json!({ "seq": v.seq(), "method": v.method().as_str() }),
        ),
    );
    put(
        "Contact",
        typed::<Contact>(h, |c| match c.address() {
            None => json!("*"),
            Some(a) => {
                let mut v = name_addr_json(a);
                v["isfocus"] = json!(c.is_focus());
                v["expires"] = json!(c.expires());
                v
            }
        }),
    );
    put(
        "Max-Forwards",
        typed::<MaxForwards>(h, |v| json!(v.value())),
    );
    put(
        "Content-Length",
        typed::<ContentLength>(h, |v| json!(v.value())),
    );
    put("Expires", typed::<Expires>(h, |v| json!(v.value())));
    put("Route", typed::<Route>(h, |v| name_addr_json(v)));
    put(
        "Record-Route",
        typed::<RecordRoute>(h, |v| name_addr_json(v)),
    );
    put("Refer-To", typed::<ReferTo>(h, |v| name_addr_json(v)));
    put(
        "P-Asserted-Identity",
        typed::<PAssertedIdentity>(h, |v| name_addr_json(v)),
    );
    put(
        "Supported",
        typed::<Supported>(h, |v| json!(text(v.value()))),
    );
    put("Require", typed::<Require>(h, |v| json!(text(v.value()))));
    put("Allow", typed::<Allow>(h, |v| json!(v.value().as_str())));
    put(
        "Privacy",
        typed::<Privacy>(h, |v| {
            Value::Array(v.iter().map(|p| json!(text(p.as_bytes()))).collect())
        }),
    );
    put(
        "Accept-Contact",
        typed::<AcceptContact>(h, |v| {
            json!({
                "require": v.require(),
                "explicit": v.explicit(),
                "params": params_json(v.params()),
            })
        }),
    );
    put(
        "Session-Expires",
        typed::<SessionExpires>(
            h,
            |v| json!({ "delta": v.delta(), "refresher": v.refresher().map(|r| r.as_str()) }),
        ),
    );
    put("Min-SE", typed::<MinSe>(h, |v| json!(v.delta())));
    put(
        "Content-Type",
        typed::<ContentType>(h, |v| media_json(v.media())),
    );
    put("Accept", typed::<Accept>(h, |v| media_json(v.media())));
    put(
        "Content-Disposition",
        typed::<ContentDisposition>(
            h,
            |v| json!({ "type": text(v.disposition().as_bytes()), "params": params_json(v.params()) }),
        ),
    );
    put(
        "Event",
        typed::<Event>(
            h,
            |v| json!({ "package": text(v.package()), "id": v.id().map(text) }),
        ),
    );
    put(
        "Subscription-State",
        typed::<SubscriptionState>(h, |v| {
            json!({
                "state": text(v.state().as_bytes()),
                "expires": v.expires(),
                "reason": v.reason().map(text),
            })
        }),
    );
    put(
        "Warning",
        typed::<Warning>(
            h,
            |v| json!({ "code": v.code(), "agent": text(v.agent()), "text": text(&v.text()) }),
        ),
    );
    put("Error-Info", typed::<ErrorInfo>(h, |v| name_addr_json(v)));
    put(
        "User-Agent",
        typed::<UserAgent>(h, |v| products_json(v.iter())),
    );
    put("Server", typed::<Server>(h, |v| products_json(v.iter())));
    Value::Object(out)
}

fn describe(m: &Message) -> Value {
    let headers: Vec<Value> = m
        .headers()
        .iter()
        .map(|f| json!([f.name_as_written(), text(&f.value())]))
        .collect();
    let (start, validation) = match m {
        Message::Request(r) => (
            json!({
                "kind": "request",
                "method": r.method().as_str(),
                "request_uri": text(&r.uri_bytes()),
                "request_uri_parsed": match Uri::parse(&r.uri_bytes()) {
                    Ok(u) => uri_json(&u),
                    Err(e) => json!({ "error": format!("error at byte {}: {}", e.offset, e.kind) }),
                },
                "version": text(r.version()),
            }),
            r.validate(),
        ),
        Message::Response(r) => (
            json!({
                "kind": "response",
                "status": r.code(),
                "reason": text(r.reason()),
                "version": text(r.version()),
            }),
            r.validate(),
        ),
    };
    json!({
        "start_line": start,
        "headers": headers,
        "body_length": m.body().len(),
        "typed": typed_headers(m.headers()),
        "validate": match validation {
            Ok(()) => json!("ok"),
            Err(r) => json!({
                "status": r.status,
                "reason": r.reason,
                "header": r.header.map(|h| h.to_string()),
                "error": r.error.map(|e| format!("error at byte {}: {}", e.offset, e.kind)),
            }),
        },
    })
}

/// Pretty JSON, with arrays of scalars (`["Via", "SIP/2.0/UDP ..."]`) kept on one line.
fn render(v: &Value) -> String {
    let pretty = serde_json::to_string_pretty(v).unwrap_or_default();
    let mut out = String::with_capacity(pretty.len());
    let lines: Vec<&str> = pretty.lines().collect();
    let mut i = 0;
    while let Some(line) = lines.get(i) {
        i += 1;
        if line.ends_with('[') {
            // Find the closing bracket; collapse only if nothing nested lies between.
            let inner: Vec<&str> = lines[i..]
                .iter()
                .take_while(|l| !l.trim_start().starts_with(']'))
                .copied()
                .collect();
            let flat = !inner.is_empty()
                && inner
                    .iter()
                    .all(|l| !l.trim_end().ends_with('[') && !l.trim_end().ends_with('{'));
            if let (true, Some(close)) = (flat, lines.get(i + inner.len())) {
                out.push_str(line);
                let items: Vec<&str> = inner.iter().map(|l| l.trim()).collect();
                out.push_str(&items.join(" "));
                out.push_str(close.trim_start());
                out.push('\n');
                i += inner.len() + 1;
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn usage() -> ExitCode {
    eprintln!("usage: decode sip|cpim|sdp|msrp [--crlf] FILE|-");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter().map(String::as_str);
    let mode = match it.next() {
        Some(m @ ("sip" | "cpim" | "sdp" | "msrp")) => m,
        _ => return usage(),
    };
    let mut crlf = false;
    let mut path = None;
    for a in it {
        match a {
            "--crlf" => crlf = true,
            p if path.is_none() => path = Some(p),
            _ => return usage(),
        }
    }
    let Some(path) = path else { return usage() };
    let mut data = Vec::new();
    let read = if path == "-" {
        std::io::stdin().read_to_end(&mut data).map(|_| ())
    } else {
        std::fs::read(path).map(|d| data = d)
    };
    if let Err(e) = read {
        eprintln!("cannot read {path}: {e}");
        return ExitCode::from(2);
    }
    if crlf {
        data = simpleim_test_support::lf_to_crlf(&data);
    }
    if mode == "sdp" {
        return match sdp::describe(Bytes::from(data)) {
            Ok(v) => {
                let _ = write!(std::io::stdout(), "{}", render(&v));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error at line {}, byte {}: {}", e.line, e.offset, e.kind);
                ExitCode::FAILURE
            }
        };
    }
    if mode == "msrp" {
        return match msrp::describe(&data) {
            Ok(v) => {
                let _ = write!(std::io::stdout(), "{}", render(&v));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error at byte {}: {}", e.offset, e.kind);
                ExitCode::FAILURE
            }
        };
    }
    if mode == "cpim" {
        return match cpim::describe(Bytes::from(data)) {
            Ok(v) => {
                let _ = write!(std::io::stdout(), "{}", render(&v));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error at byte {}: {}", e.offset, e.kind);
                ExitCode::FAILURE
            }
        };
    }
    match Message::parse_datagram(Bytes::from(data)) {
        Ok(m) => {
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = write!(std::io::stdout(), "{}", render(&describe(&m)));
            ExitCode::SUCCESS
        }
        Err(ParseError { kind, offset, .. }) => {
            eprintln!("error at byte {offset}: {kind}");
            ExitCode::FAILURE
        }
    }
}
