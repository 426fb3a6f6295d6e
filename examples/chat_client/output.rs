//! What the user sees: readable lines, or with `--machine` one stable line per event on
//! stdout (the format is in the `--help` text). Warnings and the progress bar go to stderr.

use std::io::Write;
use std::path::Path;

/// Prints events in the chosen form.
pub(crate) struct Printer {
    machine: bool,
    /// A progress bar is on the last stderr line.
    bar: bool,
}

/// A name as one machine field: `%`, space and control characters percent-encoded.
pub(crate) fn name_field(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '%' || c == ' ' || c.is_control() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    if out.is_empty() { "-".to_owned() } else { out }
}

/// A text as the rest of a machine line: `\`, CR and LF escaped.
pub(crate) fn text_field(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

impl Printer {
    pub(crate) fn new(machine: bool) -> Self {
        Self {
            machine,
            bar: false,
        }
    }

    fn end_bar(&mut self) {
        if self.bar {
            eprintln!();
            self.bar = false;
        }
    }

    /// One line on stdout: `human` or `machine`, by mode.
    fn out(&mut self, human: &str, machine: &str) {
        self.end_bar();
        let mut stdout = std::io::stdout().lock();
        let line = if self.machine { machine } else { human };
        let _ = writeln!(stdout, "{line}");
        let _ = stdout.flush();
    }

    /// A line for people only: stdout in human mode, stderr in machine mode.
    pub(crate) fn info(&mut self, text: &str) {
        self.end_bar();
        if self.machine {
            eprintln!("{text}");
        } else {
            println!("{text}");
        }
    }

    /// A warning, on stderr.
    pub(crate) fn warn(&mut self, text: &str) {
        self.end_bar();
        eprintln!("warning: {text}");
    }

    /// An error, on stderr.
    pub(crate) fn error(&mut self, text: &str) {
        self.end_bar();
        eprintln!("error: {text}");
    }

    pub(crate) fn registered(&mut self, status: u16, text: &str) {
        self.out(&format!("* {text}"), &format!("REGISTERED {status}"));
    }

    pub(crate) fn joined(&mut self, alias: &str, conference: &str, assigned: bool) {
        let note = if assigned {
            " (the focus assigned this alias)"
        } else {
            ""
        };
        self.out(
            &format!("* joined {conference} as {alias}{note}"),
            &format!("JOINED {} {}", name_field(alias), name_field(conference)),
        );
    }

    pub(crate) fn message(&mut self, from: &str, text: &str, private: bool) {
        let (tag, marker) = if private {
            ("PRIV", " (private)")
        } else {
            ("MSG", "")
        };
        self.out(
            &format!("[{from}]{marker} {text}"),
            &format!("{tag} {} {}", name_field(from), text_field(text)),
        );
    }

    /// A message stored for us while we were away (deferred messaging).
    pub(crate) fn stored(&mut self, from: &str, text: &str) {
        self.out(
            &format!("[{from}] (stored) {text}"),
            &format!("STORED {} {}", name_field(from), text_field(text)),
        );
    }

    pub(crate) fn system(&mut self, service: &str, text: &str) {
        self.out(
            &format!("* [{service}] {text}"),
            &format!("SYS {} {}", name_field(service), text_field(text)),
        );
    }

    pub(crate) fn file(
        &mut self,
        from: &str,
        name: &str,
        size: usize,
        content_type: &str,
        saved: Option<&Path>,
    ) {
        let human = match saved {
            Some(p) => format!(
                "[{from}] sent a file: {name} ({size} bytes, {content_type}), saved as {}",
                p.display()
            ),
            None => format!(
                "[{from}] sent a file: {name} ({size} bytes, {content_type}); use --save-dir to keep files"
            ),
        };
        let mut machine = format!(
            "FILE {} {} {size} {}",
            name_field(from),
            name_field(name),
            name_field(content_type)
        );
        if let Some(p) = saved {
            machine.push(' ');
            machine.push_str(&name_field(&p.display().to_string()));
        }
        self.out(&human, &machine);
    }

    pub(crate) fn entered(&mut self, alias: &str) {
        self.out(
            &format!("* {alias} joined"),
            &format!("ENTER {}", name_field(alias)),
        );
    }

    pub(crate) fn exited(&mut self, alias: &str) {
        self.out(
            &format!("* {alias} left"),
            &format!("EXIT {}", name_field(alias)),
        );
    }

    pub(crate) fn renamed(&mut self, old: &str, new: &str) {
        self.out(
            &format!("* {old} is now known as {new}"),
            &format!("RENAME {} {}", name_field(old), name_field(new)),
        );
    }

    /// The participant list: (alias, note) pairs.
    pub(crate) fn who(&mut self, people: &[(String, String)]) {
        let mut human = format!("* {} in the room:", people.len());
        let mut machine = format!("WHO {}", people.len());
        for (alias, note) in people {
            human.push_str(&format!("\n    {alias}{note}"));
            machine.push(' ');
            machine.push_str(&name_field(alias));
        }
        self.out(&human, &machine);
    }

    pub(crate) fn nick(&mut self, status: u16, alias: &str, human: &str) {
        self.out(human, &format!("NICK {status} {}", name_field(alias)));
    }

    pub(crate) fn sent(&mut self, message_id: &str) {
        if self.machine {
            self.out("", &format!("SENT {}", name_field(message_id)));
        }
    }

    pub(crate) fn failed(&mut self, status: u16, message_id: &str, reason: &str, what: &str) {
        self.out(
            &format!("! not delivered ({status} {reason}): {what}"),
            &format!(
                "FAIL {status} {} {}",
                name_field(message_id),
                text_field(reason)
            ),
        );
    }

    /// The relay accepted our AUTH: `path` is the `a=path` we advertise (its Use-Path, then
    /// us).
    pub(crate) fn relay(&mut self, path: &str) {
        self.out(
            &format!("* through the MSRP relay: our a=path is {path}"),
            &format!("RELAY {}", text_field(path)),
        );
    }

    /// A notice from the client itself (joins, gaps, the file transfer fallback, ...).
    pub(crate) fn notice(&mut self, text: &str) {
        self.out(
            &format!("* {text}"),
            &format!("NOTICE {}", text_field(text)),
        );
    }

    pub(crate) fn left(&mut self, reason: &str) {
        self.out(
            &format!("* left the room: {reason}"),
            &format!("LEFT {}", text_field(reason)),
        );
    }

    /// The progress bar of a file being sent, on stderr.
    pub(crate) fn progress(&mut self, name: &str, done: u64, total: u64) {
        const WIDTH: u64 = 30;
        let total = total.max(1);
        let done = done.min(total);
        let filled = usize::try_from(done * WIDTH / total).unwrap_or(0);
        let empty = usize::try_from(WIDTH).unwrap_or(30).saturating_sub(filled);
        let percent = done * 100 / total;
        let amount = if total >= 10 * 1024 {
            format!("{}/{} KiB", done / 1024, total / 1024)
        } else {
            format!("{done}/{total} bytes")
        };
        eprint!(
            "\r{name} [{}{}] {percent:3}% {amount}",
            "#".repeat(filled),
            " ".repeat(empty),
        );
        let _ = std::io::stderr().flush();
        self.bar = true;
    }

    /// Ends the progress bar line.
    pub(crate) fn progress_done(&mut self) {
        self.end_bar();
    }
}
