//! A simulated network of MSRP relays and sessions for the relay tests (REQ: MSRP-6): links
//! carry bytes both ways, delivered in pieces of random sizes (seeded), at a per-direction
//! rate, with pausing as the relays ask; time only moves when a test says so.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use simpleim_msrp::relay::{Direction, Event as RelayEvent, Relay, RelayConfig, StaticCredentials};
use simpleim_msrp::{Event, RelayAuth, SeededIds, Session, SessionConfig, UserPassword};

/// One end of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    Relay(usize, u32),
    Client(usize),
}

/// A connection: bytes in flight each way, and what has passed (transcripts).
#[derive(Debug)]
pub(crate) struct Link {
    pub(crate) a: End,
    pub(crate) b: End,
    /// In flight a→b and b→a.
    pub(crate) pipe: [VecDeque<u8>; 2],
    /// Everything delivered a→b and b→a.
    pub(crate) seen: [Vec<u8>; 2],
    /// Bytes per step each way (usize::MAX: no limit; 0: a black hole that drops them).
    pub(crate) rate: [usize; 2],
    pub(crate) open: bool,
}

/// The network.
pub(crate) struct Net {
    pub(crate) now: Instant,
    pub(crate) relays: Vec<Relay<u32>>,
    pub(crate) relay_names: Vec<String>,
    pub(crate) clients: Vec<Session>,
    pub(crate) client_events: Vec<Vec<Event>>,
    pub(crate) relay_events: Vec<Vec<RelayEvent<u32>>>,
    pub(crate) links: Vec<Link>,
    /// Relay connections whose reading is paused.
    pub(crate) paused: HashSet<(usize, u32)>,
    next_conn: u32,
    rng: u64,
    /// Largest delivery piece.
    pub(crate) max_piece: usize,
    /// Largest queue seen per relay connection.
    pub(crate) max_queued: HashMap<(usize, u32), usize>,
}

pub(crate) const USERS: [(&str, &str); 3] = [("alice", "pw-a"), ("bob", "pw-b"), ("carol", "pw-c")];

/// Bob's URI in [`one_relay`].
pub(crate) const BOB: &str = "msrp://bob.example.com:8888/b0b;tcp";

/// A network of one relay (`relay.example.com:2855`, `edit` applied to its configuration)
/// and two clients, Alice and Bob, connected to it, authenticated and paired: (net, relay,
/// alice, bob).
pub(crate) fn one_relay(
    seed: u64,
    edit: impl FnOnce(&mut RelayConfig),
) -> (Net, usize, usize, usize) {
    let relay_uri = "msrp://relay.example.com:2855;tcp";
    let mut net = Net::new(seed);
    let r = net.add_relay(relay("relay.example.com", 2855, seed ^ 0x5eed, edit));
    let a = net.add_client(client(
        "msrp://alice.example.com:9892/98cjs;tcp",
        &[relay_uri],
        "alice",
        seed ^ 1,
    ));
    let b = net.add_client(client(BOB, &[relay_uri], "bob", seed ^ 2));
    for x in [a, b] {
        net.connect(x, r);
        net.authenticate(x);
    }
    net.pair(a, b);
    (net, r, a, b)
}

/// A relay at `host:port` knowing [`USERS`], with `edit` applied to its configuration.
pub(crate) fn relay(
    host: &str,
    port: u16,
    seed: u64,
    edit: impl FnOnce(&mut RelayConfig),
) -> Relay<u32> {
    let mut creds = StaticCredentials::new();
    for (u, p) in USERS {
        creds = creds.with_user(u, p);
    }
    let mut config = RelayConfig::new(host, port, Box::new(creds), Box::new(SeededIds::new(seed)));
    edit(&mut config);
    Relay::new(config)
}

/// A session at `local`, through `relays` as `user`, toward a placeholder peer path
/// (set it with [`Session::set_remote`] once the peer's path is known).
pub(crate) fn client(local: &str, relays: &[&str], user: &str, seed: u64) -> Session {
    client_with(local, relays, user, seed, |_| {})
}

/// [`client`] with `edit` applied to the configuration.
pub(crate) fn client_with(
    local: &str,
    relays: &[&str],
    user: &str,
    seed: u64,
    edit: impl FnOnce(&mut SessionConfig),
) -> Session {
    let mut config = SessionConfig::new(
        local.parse().unwrap(),
        "msrp://placeholder.invalid:1/none;tcp".parse().unwrap(),
        Box::new(SeededIds::new(seed)),
    );
    if !relays.is_empty() {
        let password = USERS
            .iter()
            .find(|(u, _)| *u == user)
            .map_or("?", |(_, p)| p);
        config.relays = Some(RelayAuth::new(
            relays.iter().map(|r| r.parse().unwrap()).collect(),
            Box::new(UserPassword::new(user, password)),
        ));
    }
    edit(&mut config);
    Session::new(config)
}

impl Net {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            now: Instant::now(),
            relays: Vec::new(),
            relay_names: Vec::new(),
            clients: Vec::new(),
            client_events: Vec::new(),
            relay_events: Vec::new(),
            links: Vec::new(),
            paused: HashSet::new(),
            next_conn: 1,
            rng: seed,
            max_piece: usize::MAX,
            max_queued: HashMap::new(),
        }
    }

    pub(crate) fn add_relay(&mut self, r: Relay<u32>) -> usize {
        self.relay_names
            .push(format!("{}:{}", r.config().host, r.config().port).to_ascii_lowercase());
        self.relays.push(r);
        self.relay_events.push(Vec::new());
        self.relays.len() - 1
    }

    pub(crate) fn add_client(&mut self, s: Session) -> usize {
        self.clients.push(s);
        self.client_events.push(Vec::new());
        self.clients.len() - 1
    }

    /// Connects client `c` to relay `r` (the relay accepts).
    pub(crate) fn connect(&mut self, c: usize, r: usize) -> usize {
        let conn = self.next_conn;
        self.next_conn += 1;
        self.relays[r].handle_connected(self.now, conn, Direction::Accepted);
        self.links.push(Link {
            a: End::Client(c),
            b: End::Relay(r, conn),
            pipe: [VecDeque::new(), VecDeque::new()],
            seen: [Vec::new(), Vec::new()],
            rate: [usize::MAX; 2],
            open: true,
        });
        self.links.len() - 1
    }

    /// The link and direction index for bytes leaving `end`.
    fn outgoing(&self, end: End) -> Option<(usize, usize)> {
        self.links.iter().enumerate().find_map(|(i, l)| {
            if !l.open {
                None
            } else if l.a == end {
                Some((i, 0))
            } else if l.b == end {
                Some((i, 1))
            } else {
                None
            }
        })
    }

    fn rand(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Drains every relay and client, then delivers one piece on every link direction.
    /// Returns whether anything happened.
    pub(crate) fn step(&mut self) -> bool {
        let mut progress = false;
        for r in 0..self.relays.len() {
            progress |= self.drain_relay(r);
        }
        for c in 0..self.clients.len() {
            while let Some(bytes) = self.clients[c].poll_transmit() {
                if let Some((l, d)) = self.outgoing(End::Client(c)) {
                    self.links[l].pipe[d].extend(bytes.iter());
                }
                progress = true;
            }
            while let Some(e) = self.clients[c].poll_event() {
                self.client_events[c].push(e);
                progress = true;
            }
        }
        let order: Vec<usize> = {
            let mut o: Vec<usize> = (0..self.links.len()).collect();
            // A random rotation: links take turns in a different order each step.
            let k = if o.is_empty() {
                0
            } else {
                (self.rand() as usize) % o.len()
            };
            o.rotate_left(k);
            o
        };
        for l in order {
            for d in [0, 1] {
                progress |= self.deliver(l, d);
            }
        }
        progress
    }

    fn drain_relay(&mut self, r: usize) -> bool {
        let mut progress = false;
        loop {
            let mut any = false;
            while let Some((conn, bytes)) = self.relays[r].poll_transmit() {
                if let Some((l, d)) = self.outgoing(End::Relay(r, conn)) {
                    self.links[l].pipe[d].extend(bytes.iter());
                }
                any = true;
            }
            for ((rr, conn), max) in self.max_queued.iter_mut() {
                if *rr == r {
                    *max = (*max).max(self.relays[r].queued_bytes(*conn));
                }
            }
            while let Some(e) = self.relays[r].poll_event() {
                any = true;
                match &e {
                    RelayEvent::Connect { authority, .. } => {
                        if let Some(to) = self.relay_names.iter().position(|n| n == authority) {
                            let (c1, c2) = (self.next_conn, self.next_conn + 1);
                            self.next_conn += 2;
                            self.relays[to].handle_connected(self.now, c2, Direction::Accepted);
                            self.links.push(Link {
                                a: End::Relay(r, c1),
                                b: End::Relay(to, c2),
                                pipe: [VecDeque::new(), VecDeque::new()],
                                seen: [Vec::new(), Vec::new()],
                                rate: [usize::MAX; 2],
                                open: true,
                            });
                            self.relays[r].handle_connected(
                                self.now,
                                c1,
                                Direction::Dialed {
                                    authority: authority.clone(),
                                },
                            );
                        } else {
                            self.relays[r].handle_connect_failed(self.now, authority);
                        }
                    }
                    RelayEvent::Close { conn, .. } => self.close(End::Relay(r, *conn)),
                    RelayEvent::PauseReading { conn } => {
                        self.paused.insert((r, *conn));
                    }
                    RelayEvent::ResumeReading { conn } => {
                        self.paused.remove(&(r, *conn));
                    }
                    _ => {}
                }
                self.relay_events[r].push(e);
            }
            if !any {
                return progress;
            }
            progress = true;
        }
    }

    /// Closes the link at `end`; the other end learns it.
    pub(crate) fn close(&mut self, end: End) {
        let Some((l, d)) = self.outgoing(end) else {
            return;
        };
        self.links[l].open = false;
        let other = if d == 0 {
            self.links[l].b
        } else {
            self.links[l].a
        };
        match other {
            End::Relay(r, conn) => self.relays[r].handle_closed(self.now, conn),
            End::Client(c) => self.clients[c].handle_connection_lost(self.now),
        }
        if let End::Client(c) = end {
            self.clients[c].handle_connection_lost(self.now);
        }
    }

    fn deliver(&mut self, l: usize, d: usize) -> bool {
        let link = &self.links[l];
        let to = if d == 0 { link.b } else { link.a };
        if !link.open || link.pipe[d].is_empty() {
            return false;
        }
        if let End::Relay(r, conn) = to {
            if self.paused.contains(&(r, conn)) {
                return false;
            }
        }
        let rate = link.rate[d];
        let pending = link.pipe[d].len();
        if rate == 0 {
            self.links[l].pipe[d].clear();
            return true;
        }
        let max = self.max_piece.min(rate).min(pending);
        let n = if max <= 1 {
            max
        } else {
            1 + (self.rand() as usize) % max
        };
        let bytes: Vec<u8> = self.links[l].pipe[d].drain(..n).collect();
        self.links[l].seen[d].extend_from_slice(&bytes);
        match to {
            End::Relay(r, conn) => self.relays[r].handle_bytes(self.now, conn, &bytes),
            End::Client(c) => self.clients[c].handle_bytes(self.now, &bytes),
        }
        true
    }

    /// Steps until nothing moves.
    pub(crate) fn run(&mut self) {
        for _ in 0..2_000_000 {
            if !self.step() {
                return;
            }
        }
        panic!("the network does not settle");
    }

    /// Moves time on by `d` and lets every timer fire.
    pub(crate) fn advance(&mut self, d: Duration) {
        self.now += d;
        for r in &mut self.relays {
            r.handle_timeout(self.now);
        }
        for c in &mut self.clients {
            c.handle_timeout(self.now);
        }
        self.run();
    }

    /// Authenticates client `c` and returns its advertised path.
    pub(crate) fn authenticate(&mut self, c: usize) -> String {
        let now = self.now;
        self.clients[c].authenticate(now).unwrap();
        self.run();
        assert!(
            self.client_events[c]
                .iter()
                .any(|e| matches!(e, Event::RelayAuthenticated { .. })),
            "{:?}",
            self.client_events[c]
        );
        self.clients[c].advertised_path().to_string()
    }

    /// Sets each client's remote path to the other's advertised path.
    pub(crate) fn pair(&mut self, a: usize, b: usize) {
        let pa = self.clients[a].advertised_path();
        let pb = self.clients[b].advertised_path();
        self.clients[a].set_remote(pb);
        self.clients[b].set_remote(pa);
    }

    /// The messages client `c` received, as (Message-ID, body).
    pub(crate) fn messages(&self, c: usize) -> Vec<(String, Vec<u8>)> {
        self.client_events[c]
            .iter()
            .filter_map(|e| match e {
                Event::Message {
                    message_id, body, ..
                } => Some((message_id.to_string(), body.to_vec())),
                _ => None,
            })
            .collect()
    }

    /// The link between client `c` and its relay.
    pub(crate) fn client_link(&self, c: usize) -> usize {
        self.links
            .iter()
            .position(|l| l.a == End::Client(c))
            .unwrap()
    }

    /// The relay-side connection of client `c`.
    pub(crate) fn client_conn(&self, c: usize) -> (usize, u32) {
        match self.links[self.client_link(c)].b {
            End::Relay(r, conn) => (r, conn),
            End::Client(_) => unreachable!(),
        }
    }
}
