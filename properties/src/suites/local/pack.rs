//! The local suite's compact state: a world stored as its two counters and the ids of four
//! parts (the thread table, the token table, the handle table and everything else), each part interned once
//! with its fingerprint, so that the explorer's frontier holds 56 bytes per world rather
//! than the world, and a successor's parts are derived from its predecessor's without
//! hashing what the call did not change.
//!
//! The encoding is exact: a part's id names one value, so two worlds pack to the same ids
//! exactly when they are equal, and unpacking rebuilds the world that was packed. The
//! fingerprint is computed from the parts' own fingerprints (contents, not ids), so it does
//! not depend on the order in which threads interned them. Symmetry is that of the suite:
//! the two callers exchange their impersonation, their thread security and the handles that
//! name them, when they share a process and the world holds no pipe, RPC, SSPI or COM
//! state; a world and its exchange get the least of their two fingerprints.

use std::sync::Arc;

use tokenhop_check::fingerprint;
use tokenhop_check::intern::Interner;
use tokenhop_model::World;
use tokenhop_model::machine::token::Token;
use tokenhop_model::machine::world::{Handle, HandleTarget, Thread};

use super::CALLERS;

/// A world, as the ids of its parts and its fingerprint (symmetry-reduced).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Packed {
    rest: u64,
    threads: u64,
    tokens: u64,
    handles: u64,
    /// The world's counters, kept out of `rest` because most calls that create anything
    /// advance them.
    next_seq: u64,
    next_luid: u64,
    fingerprint: u64,
}

impl Packed {
    /// The fingerprint of the world's symmetry class.
    #[must_use]
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }
}

/// What is kept of everything but the threads, tokens and handles: its fingerprint, and
/// whether it lets the callers be exchanged (no pipe, RPC, SSPI or COM state).
#[derive(Clone, Copy, Debug)]
struct RestSummary {
    fingerprint: u64,
    exchangeable: bool,
}

/// What is kept of the thread or handle table: its fingerprint, and that of the table with
/// the callers exchanged (`None` for threads that cannot be: fewer than two, or two
/// processes).
#[derive(Clone, Copy, Debug)]
struct TableSummary {
    fingerprint: u64,
    exchanged: Option<u64>,
}

/// A world's thread and handle tables.
pub type Tables = (Arc<Vec<Thread>>, Arc<Vec<Handle>>);

/// The interned parts of every world a run has packed.
#[derive(Debug, Default)]
pub struct Store {
    rest: Interner<World, RestSummary>,
    threads: Interner<Vec<Thread>, TableSummary>,
    tokens: Interner<Token, u64>,
    token_tables: Interner<Vec<u64>, u64>,
    handles: Interner<Vec<Handle>, TableSummary>,
}

/// A packed world unpacked: the world, with its parts' ids and summaries, from which a
/// successor is packed without re-interning the parts the call left alone.
#[derive(Debug)]
pub struct Unpacked {
    /// The world.
    pub world: Arc<World>,
    packed: Packed,
    rest: RestSummary,
    threads: TableSummary,
    handles: TableSummary,
    /// The tokens' ids and fingerprints, in table order.
    token_ids: Vec<u64>,
    token_fingerprints: Vec<u64>,
    tokens_fingerprint: u64,
}

impl Unpacked {
    /// The packed form it came from.
    #[must_use]
    pub fn packed(&self) -> Packed {
        self.packed
    }
}

/// The world without its threads, tokens, handles and counters. Every field is named, so
/// that a field added to `World` must be placed here or in a part.
fn rest_of(world: &World) -> World {
    let World {
        settings,
        principals,
        accounts,
        sessions,
        tokens: _,
        processes,
        threads: _,
        handles: _,
        objects,
        pipes,
        rpc,
        sspi,
        com,
        next_seq: _,
        next_luid: _,
    } = world;
    World {
        settings: *settings,
        principals: Arc::clone(principals),
        accounts: Arc::clone(accounts),
        sessions: sessions.clone(),
        tokens: Vec::new(),
        processes: processes.clone(),
        threads: Vec::new(),
        handles: Vec::new(),
        objects: objects.clone(),
        pipes: pipes.clone(),
        rpc: rpc.clone(),
        sspi: sspi.clone(),
        com: com.clone(),
        next_seq: 0,
        next_luid: 0,
    }
}

/// Whether two worlds agree outside their threads, tokens, handles and counters.
fn same_rest(a: &World, b: &World) -> bool {
    let World {
        settings,
        principals,
        accounts,
        sessions,
        tokens: _,
        processes,
        threads: _,
        handles: _,
        objects,
        pipes,
        rpc,
        sspi,
        com,
        next_seq: _,
        next_luid: _,
    } = a;
    *sessions == b.sessions
        && *processes == b.processes
        && *objects == b.objects
        && *pipes == b.pipes
        && *rpc == b.rpc
        && *sspi == b.sspi
        && *com == b.com
        && *settings == b.settings
        && *principals == b.principals
        && *accounts == b.accounts
}

fn rest_summary(rest: &World) -> RestSummary {
    RestSummary {
        fingerprint: fingerprint::of(rest),
        exchangeable: rest.pipes.is_empty()
            && rest.rpc == Default::default()
            && rest.com == Default::default()
            && rest.sspi == Default::default(),
    }
}

/// The threads with the callers' impersonation and security exchanged, each keeping its
/// name, when they share a process.
fn exchanged_threads(threads: &[Thread]) -> Option<Vec<Thread>> {
    let [a, b] = CALLERS.map(|t| t.0 as usize);
    let mut out = threads.to_vec();
    let (first, second) = out.split_at_mut(b);
    let (Some(x), Some(y)) = (first.get_mut(a), second.first_mut()) else {
        return None;
    };
    if x.process != y.process {
        return None;
    }
    std::mem::swap(&mut x.impersonation, &mut y.impersonation);
    std::mem::swap(&mut x.sd, &mut y.sd);
    Some(out)
}

/// The handles with the callers' names exchanged.
fn exchanged_handles(handles: &[Handle]) -> Vec<Handle> {
    let mut out = handles.to_vec();
    for h in &mut out {
        if let HandleTarget::Thread(t) = &mut h.target {
            if *t == CALLERS[0] {
                *t = CALLERS[1];
            } else if *t == CALLERS[1] {
                *t = CALLERS[0];
            }
        }
    }
    out
}

fn threads_summary(threads: &Vec<Thread>) -> TableSummary {
    TableSummary {
        fingerprint: fingerprint::of(threads),
        exchanged: exchanged_threads(threads).map(|t| fingerprint::of(&t)),
    }
}

fn handles_summary(handles: &Vec<Handle>) -> TableSummary {
    TableSummary {
        fingerprint: fingerprint::of(handles),
        exchanged: Some(fingerprint::of(&exchanged_handles(handles))),
    }
}

/// The fingerprint of a world's symmetry class, from its parts'.
fn class_fingerprint(
    rest: RestSummary,
    threads: TableSummary,
    tokens: u64,
    handles: TableSummary,
    counters: (u64, u64),
) -> u64 {
    let own = fingerprint::of(&(
        rest.fingerprint,
        threads.fingerprint,
        tokens,
        handles.fingerprint,
        counters,
    ));
    match (rest.exchangeable, threads.exchanged, handles.exchanged) {
        (true, Some(t), Some(h)) => {
            own.min(fingerprint::of(&(rest.fingerprint, t, tokens, h, counters)))
        }
        _ => own,
    }
}

/// The id of a part a leaf was not stored under.
const UNSTORED: u64 = u64::MAX;

impl Store {
    /// Packs `world` from scratch.
    pub fn pack(&self, world: &World) -> Packed {
        self.pack_from(world, None, true)
    }

    /// Packs `next`, a successor of `from`, reusing the ids of the parts it shares with it.
    pub fn pack_next(&self, from: &Unpacked, next: &World) -> Packed {
        self.pack_from(next, Some(from), true)
    }

    /// The packed form of `next`, a successor of `from` that will never be unpacked (a
    /// state at the depth bound): its fingerprint is that [`Store::pack_next`] would give,
    /// but the parts it does not share with `from` are not interned, and it unpacks to
    /// nothing.
    pub fn leaf(&self, from: &Unpacked, next: &World) -> Packed {
        self.pack_from(next, Some(from), false)
    }

    fn pack_from(&self, world: &World, from: Option<&Unpacked>, store: bool) -> Packed {
        let (rest, rest_s) = match from {
            Some(f) if same_rest(world, &f.world) => (f.packed.rest, f.rest),
            _ if store => self.rest.intern(&rest_of(world), rest_summary),
            _ => (UNSTORED, rest_summary(&rest_of(world))),
        };
        let (threads, threads_s) = match from {
            Some(f) if world.threads == f.world.threads => (f.packed.threads, f.threads),
            _ if store => self.threads.intern(&world.threads, threads_summary),
            _ => (UNSTORED, threads_summary(&world.threads)),
        };
        let (handles, handles_s) = match from {
            Some(f) if world.handles == f.world.handles => (f.packed.handles, f.handles),
            _ if store => self.handles.intern(&world.handles, handles_summary),
            _ => (UNSTORED, handles_summary(&world.handles)),
        };
        let (tokens, tokens_fp) = match from {
            Some(f) if world.tokens == f.world.tokens => (f.packed.tokens, f.tokens_fingerprint),
            _ => {
                let mut ids = Vec::with_capacity(world.tokens.len());
                let mut fps = Vec::with_capacity(world.tokens.len());
                for (i, token) in world.tokens.iter().enumerate() {
                    let known = from.and_then(|f| {
                        (f.world.tokens.get(i) == Some(token))
                            .then(|| Some((*f.token_ids.get(i)?, *f.token_fingerprints.get(i)?)))
                            .flatten()
                    });
                    let (id, fp) = known.unwrap_or_else(|| {
                        if store {
                            self.tokens.intern(token, fingerprint::of)
                        } else {
                            (UNSTORED, fingerprint::of(token))
                        }
                    });
                    ids.push(id);
                    fps.push(fp);
                }
                if store {
                    self.token_tables.intern(&ids, |_| fingerprint::of(&fps))
                } else {
                    (UNSTORED, fingerprint::of(&fps))
                }
            }
        };
        let counters = (world.next_seq, world.next_luid);
        Packed {
            rest,
            threads,
            tokens,
            handles,
            next_seq: counters.0,
            next_luid: counters.1,
            fingerprint: class_fingerprint(rest_s, threads_s, tokens_fp, handles_s, counters),
        }
    }

    /// The world `packed` stands for, with its parts; `None` when it was not packed by
    /// this store, or was packed as a leaf.
    pub fn unpack(&self, packed: &Packed) -> Option<Unpacked> {
        let (rest, rest_s) = self.rest.get(packed.rest)?;
        let (threads, threads_s) = self.threads.get(packed.threads)?;
        let (handles, handles_s) = self.handles.get(packed.handles)?;
        let (token_ids, tokens_fp) = self.token_tables.get(packed.tokens)?;
        let mut tokens = Vec::with_capacity(token_ids.len());
        let mut token_fingerprints = Vec::with_capacity(token_ids.len());
        for &id in token_ids.iter() {
            let (token, fp) = self.tokens.get(id)?;
            tokens.push((*token).clone());
            token_fingerprints.push(fp);
        }
        let mut world = (*rest).clone();
        world.tokens = tokens;
        world.threads = (*threads).clone();
        world.handles = (*handles).clone();
        world.next_seq = packed.next_seq;
        world.next_luid = packed.next_luid;
        Some(Unpacked {
            world: Arc::new(world),
            packed: *packed,
            rest: rest_s,
            threads: threads_s,
            handles: handles_s,
            token_ids: (*token_ids).clone(),
            token_fingerprints,
            tokens_fingerprint: tokens_fp,
        })
    }

    /// The thread and handle tables of `packed`, which is all the actions depend on,
    /// without rebuilding the world.
    pub fn tables(&self, packed: &Packed) -> Option<Tables> {
        Some((
            self.threads.get(packed.threads)?.0,
            self.handles.get(packed.handles)?.0,
        ))
    }

    /// How many distinct parts are interned, for a report of the store's size.
    #[must_use]
    pub fn parts(&self) -> usize {
        self.rest.len()
            + self.threads.len()
            + self.tokens.len()
            + self.token_tables.len()
            + self.handles.len()
    }
}
