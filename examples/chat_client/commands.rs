//! The lines the user types: text for the room, and the commands.

use std::path::Path;
use std::time::{Duration, Instant};

use simpleim_cpim::Address;

use crate::app::{App, Phase};
use crate::msrp_link::Link;

impl App {
    // --- typed lines -----------------------------------------------------------------------

    /// Acts on queued lines while the room is ready for them.
    pub(crate) fn process_queue(&mut self, now: Instant) -> bool {
        let mut progressed = false;
        loop {
            if self.phase == Phase::Joining && self.queue.front().is_some_and(|l| is_quit(l)) {
                self.queue.clear();
                self.leave(now, "you asked to quit", 0);
                return true;
            }
            if self.phase != Phase::InRoom || !self.chat.as_ref().is_some_and(Link::is_connected) {
                return progressed;
            }
            if let Some(t) = self.pause_until {
                if t > now {
                    return progressed;
                }
                self.pause_until = None;
            }
            if let Some((alias, deadline)) = self.wait_for.clone() {
                if self.roster.find(&alias).is_some() {
                    self.wait_for = None;
                } else if deadline <= now {
                    self.out
                        .warn(&format!("/wait: {alias} did not join in time"));
                    self.wait_for = None;
                } else {
                    return progressed;
                }
            }
            // A script's /who or /msg right after joining waits (a little) for the first
            // conference-info document.
            if !self.roster.is_known()
                && self.subscriber.is_some()
                && self.joined_at.is_some_and(|t| now < t + ROSTER_GRACE)
                && self.queue.front().is_some_and(|l| needs_roster(l))
            {
                self.pause_until = Some(now + Duration::from_millis(50));
                return progressed;
            }
            // Lines typed during a file transfer wait for it (they would queue behind the
            // file in the MSRP session anyway, and the offer's answer decides how it goes);
            // /quit does not.
            if self.file.is_some() && !self.queue.front().is_some_and(|l| is_quit(l)) {
                return progressed;
            }
            let Some(line) = self.queue.pop_front() else {
                return progressed;
            };
            progressed = true;
            self.execute(now, &line);
        }
    }

    /// When the input has ended (a script or pipe), leave once everything typed is done.
    pub(crate) fn check_input_end(&mut self, now: Instant) {
        if !self.input_ended || self.exit_at.is_some() || self.phase != Phase::InRoom {
            return;
        }
        let idle = self.queue.is_empty()
            && self.pause_until.is_none()
            && self.wait_for.is_none()
            && self.file.is_none()
            && self.chat.as_ref().is_none_or(|l| {
                l.session.outgoing_messages() == 0 && l.session.pending_transactions() == 0
            });
        if idle {
            self.leave(now, "end of input", 0);
        }
    }

    fn execute(&mut self, now: Instant, line: &str) {
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            return;
        }
        let Some(command) = line.strip_prefix('/') else {
            let to = Address::uri_only(self.conference.clone());
            self.send_text(now, to, line);
            return;
        };
        // `//text` sends `/text`.
        if command.starts_with('/') {
            let to = Address::uri_only(self.conference.clone());
            self.send_text(now, to, command);
            return;
        }
        let (name, rest) = command
            .split_once(char::is_whitespace)
            .map_or((command, ""), |(n, r)| (n, r.trim()));
        match name {
            "msg" | "m" => self.private_message(now, rest),
            "nick" => self.nickname(now, rest),
            "who" | "names" => self.who(),
            "send" => self.send_file(now, Path::new(rest)),
            "quit" | "exit" | "leave" => self.leave(now, "you asked to quit", 0),
            "sleep" => match rest.parse::<f64>() {
                Ok(s) if s.is_finite() && s >= 0.0 => {
                    self.pause_until = Some(now + Duration::from_secs_f64(s));
                }
                _ => self.out.error("usage: /sleep SECONDS"),
            },
            "wait" => {
                let mut words = rest.split_whitespace();
                match (words.next(), words.next().map(str::parse::<f64>)) {
                    (Some(alias), None) => {
                        self.wait_for = Some((alias.to_owned(), now + Duration::from_secs(10)));
                    }
                    (Some(alias), Some(Ok(s))) if s.is_finite() && s >= 0.0 => {
                        self.wait_for = Some((alias.to_owned(), now + Duration::from_secs_f64(s)));
                    }
                    _ => self.out.error("usage: /wait ALIAS [SECONDS]"),
                }
            }
            "help" | "?" => self.out.info(COMMANDS),
            other => self
                .out
                .error(&format!("unknown command /{other} (try /help)")),
        }
    }

    /// `/msg ALIAS TEXT` (REQ: CLI-2, SW-8): CPIM `To` is the participant's URI as the
    /// conference-info document gives it, with its alias as the formal name.
    fn private_message(&mut self, now: Instant, rest: &str) {
        let Some((alias, text)) = rest.split_once(char::is_whitespace) else {
            self.out.error("usage: /msg ALIAS TEXT");
            return;
        };
        let text = text.trim_start();
        if !self.roster.is_known() {
            self.out
                .error("the participant list is not known yet, so ALIAS cannot be looked up");
            return;
        }
        let Some(person) = self.roster.find(alias) else {
            self.out.error(&format!(
                "nobody called {alias:?} is in the room (see /who)"
            ));
            return;
        };
        if person.own {
            self.out.error("that is you");
            return;
        }
        let to = Address::new(person.alias.as_deref(), person.entity.clone());
        self.send_text(now, to, text);
    }

    /// `/nick NAME` (RFC 7701 NICKNAME; REQ: CHAT-1).
    fn nickname(&mut self, now: Instant, name: &str) {
        if name.is_empty() {
            self.out.error("usage: /nick NAME");
            return;
        }
        let Some(link) = self.chat.as_mut() else {
            return;
        };
        match link.session.send_nickname(now, name) {
            Ok(tid) => {
                self.nicknames.insert(tid, name.to_owned());
            }
            Err(e) => self.out.error(&format!("cannot ask for {name:?}: {e}")),
        }
    }

    /// `/who`: the room as the conference event package told it.
    fn who(&mut self) {
        if !self.roster.is_known() {
            self.out
                .error("the participant list is not known (no conference-info document yet)");
            return;
        }
        let people: Vec<(String, String)> = self
            .roster
            .people()
            .iter()
            .map(|p| {
                let mut note = String::new();
                if p.own {
                    note.push_str(" (you)");
                }
                if p.alias.is_some() {
                    note.push_str(&format!("  <{}>", p.entity));
                }
                (p.name().to_owned(), note)
            })
            .collect();
        self.out.who(&people);
    }
}

/// The commands, for `/help`.
const COMMANDS: &str = "\
/msg ALIAS TEXT   private message      /nick NAME     change your alias
/who              who is in the room   /send FILE     send a file
/quit             leave                //text         send a line starting with /";

/// How long after joining a `/who` or `/msg` waits for the participant list.
const ROSTER_GRACE: Duration = Duration::from_secs(3);

fn needs_roster(line: &str) -> bool {
    let l = line.trim_start();
    l == "/who" || l.starts_with("/who ") || l.starts_with("/msg ") || l.starts_with("/m ")
}

fn is_quit(line: &str) -> bool {
    matches!(line.trim(), "/quit" | "/exit" | "/leave")
}
