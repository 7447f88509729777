//! Breadth-first search, level by level: each level's frontier is split across threads,
//! successors are deduplicated in a sharded table of fingerprints, and each table entry
//! keeps the parent's fingerprint and the action's index, from which a counterexample is
//! rebuilt by replaying actions from the initial state. Because levels are explored in
//! order, the first violation of a property found is at the least depth: the
//! counterexample is a shortest one. Of a level's violations the one kept is the least by
//! its parent's fingerprint and its action's index, every transition of that level being
//! checked, so the counterexample reported does not depend on the threads, their timing,
//! or whether the search stops once every property is decided.
//!
//! Each thread keeps a small cache of fingerprints it knows the table holds, so that a
//! successor met again (most are) is dismissed without the table's lock; the states of the
//! last level the depth budget allows are stored in the table but not kept whole, since
//! they are never expanded, and reached through [`Model::leaf_successors`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokenhop_model::core::decision::RuleSet;
use tokenhop_model::core::widen::{u64_of, usize_of};

use crate::budget::{Budget, Limit, MAX_ACTIONS, Options};
use crate::fingerprint::Identity;
use crate::model::Model;
use crate::property::{Expectation, Observation, Property};
use crate::report::{Extent, Finding, Report, Trace, TraceStep, Verdict};

/// How far a run has come, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The level just completed.
    pub depth: u32,
    /// Distinct states so far.
    pub states: u64,
    /// States waiting at the next level.
    pub frontier: usize,
    /// Time so far.
    pub elapsed: Duration,
}

/// What the table keeps of a stored state: how it was first reached.
#[derive(Clone, Copy, Debug)]
struct Parent {
    /// The parent's fingerprint, or the index of the initial state.
    parent: u64,
    /// The action's index among the parent's actions, or [`INITIAL`].
    action: u32,
}

const INITIAL: u32 = u32::MAX;
/// The level of a property not yet decided.
const UNDECIDED: u32 = u32::MAX;
const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;

type Table = HashMap<u64, Parent, Identity>;

/// What one thread's share of a level produced: the new states with their fingerprints
/// (none at the last level, which is not expanded), how many new states it stored, and
/// which rules its transitions applied.
type Expanded<M> = (Vec<(<M as Model>::State, u64)>, usize, RuleSet);

fn shard_of(fp: u64) -> usize {
    // Middle bits: a table takes its bucket from the low bits and its probe tags from the
    // top seven, so neither may be constant within a shard.
    ((fp >> 40) as usize) & (SHARDS - 1)
}

fn lock(table: &Mutex<Table>) -> std::sync::MutexGuard<'_, Table> {
    table.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A thread's cache of fingerprints the table is known to hold (it stored or met them),
/// one per slot by the fingerprint's low bits: a transition to a state met again is
/// dismissed without locking the table. Entries never leave the table, so a fingerprint
/// found here is in it; one not found is looked up there.
struct Known {
    slots: Vec<u64>,
}

const KNOWN_BITS: u32 = 16;

impl Known {
    fn new() -> Self {
        Known {
            slots: vec![0; 1 << KNOWN_BITS],
        }
    }

    fn slot(fp: u64) -> usize {
        (fp as usize) & ((1 << KNOWN_BITS) - 1)
    }

    fn contains(&self, fp: u64) -> bool {
        // Zero marks an empty slot, so the fingerprint 0 is never cached.
        fp != 0 && self.slots.get(Self::slot(fp)) == Some(&fp)
    }

    fn insert(&mut self, fp: u64) {
        if let Some(slot) = self.slots.get_mut(Self::slot(fp)) {
            *slot = fp;
        }
    }
}

/// The first finding of one property: where it was found, to keep the least.
#[derive(Clone, Debug)]
struct Found {
    depth: u32,
    parent: u64,
    action: u32,
    reason: String,
}

/// Explores `model` within `options`, checking the model's own properties
/// ([`Model::properties`]) and calling `progress` after every level.
pub fn explore<M: Model>(
    model: &M,
    options: &Options,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Report {
    explore_with(model, model.properties(), options, progress)
}

/// As [`explore`], checking `properties` in place of the model's own: how a crate checks
/// invariants of its own on a model it did not write (a built-in suite, the model of a
/// topology). [`Options::only`] still selects among them; the report has one finding per
/// property, in the order given.
///
/// ```
/// use tokenhop_check::{Claim, Model, Options, Property, Verdict, Violation, explore_with};
///
/// /// A counter that either action raises by one or two, up to 10.
/// struct Counter;
///
/// impl Model for Counter {
///     type State = u8;
///     type Action = u8;
///     type Outcome = ();
///     fn initial_states(&self) -> Vec<u8> {
///         vec![0]
///     }
///     fn actions(&self, _: &u8, actions: &mut Vec<u8>) {
///         actions.extend([1, 2]);
///     }
///     fn next(&self, state: &u8, step: &u8) -> Option<(u8, ())> {
///         let next = state + step;
///         (next <= 10).then_some((next, ()))
///     }
///     fn properties(&self) -> Vec<Property<Self>> {
///         Vec::new()
///     }
/// }
///
/// let never_seven = Property::<Counter>::always(
///     Claim { id: "MINE-1", statement: "The counter never shows 7.", rests_on: &[] },
///     |_, _, _, after, _| match after {
///         7 => Err(Violation::new("the counter shows 7")),
///         _ => Ok(()),
///     },
/// );
/// let report = explore_with(&Counter, vec![never_seven], &Options::exhaustive(20, 1), &|_| {});
/// let Verdict::Broken(trace) = &report.findings[0].verdict else {
///     panic!("7 is reachable");
/// };
/// // The shortest counterexample: 2 + 2 + 2 + 1 (or another order) is four steps.
/// assert_eq!(trace.steps.len(), 4);
/// assert_eq!(trace.reason, "the counter shows 7");
/// ```
pub fn explore_with<M: Model>(
    model: &M,
    mut properties: Vec<Property<M>>,
    options: &Options,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Report {
    let start = Instant::now();
    let threads = options.threads.max(1);
    let budget = options.budget;
    if !options.only.is_empty() {
        properties.retain(|p| options.only.iter().any(|id| id == p.id));
    }
    let tables: Vec<Mutex<Table>> = (0..SHARDS).map(|_| Mutex::new(Table::default())).collect();
    let found: Vec<Mutex<Option<Found>>> = properties.iter().map(|_| Mutex::new(None)).collect();
    // The level at which each property was first decided (UNDECIDED until then).
    let decided: Vec<AtomicU32> = properties
        .iter()
        .map(|_| AtomicU32::new(UNDECIDED))
        .collect();
    let stored = AtomicU64::new(0);
    let transitions = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    // The most actions a state offered past MAX_ACTIONS (0 while none did).
    let refused = AtomicU64::new(0);
    let mut limit: Option<Limit> = None;

    let mut frontier = seed(model, &tables, &stored);

    let state_size = u64_of(std::mem::size_of::<(M::State, u64)>());
    let entry_size = u64_of(std::mem::size_of::<(u64, Parent)>() + 1);
    let mut depth = 0;
    let mut complete = false;
    let mut applied = RuleSet::default();
    // Each thread's cache of fingerprints it knows the table holds.
    let mut known: Vec<Known> = (0..threads).map(|_| Known::new()).collect();
    // The states of the level last explored, stored but not yet expanded (the frontier
    // holds them whole, except at the last level).
    let mut waiting = frontier.len();
    loop {
        if waiting == 0 {
            complete = true;
            break;
        }
        if depth >= budget.depth {
            break;
        }
        if options.stop_when_decided
            && decided
                .iter()
                .all(|d| d.load(Ordering::Relaxed) != UNDECIDED)
        {
            break;
        }
        let level = depth + 1;
        let chunk = frontier.len().div_ceil(threads);
        let next: Vec<Expanded<M>> = std::thread::scope(|scope| {
            let handles: Vec<_> = frontier
                .chunks(chunk.max(1))
                .zip(known.iter_mut())
                .map(|(part, known)| {
                    let ctx = Level {
                        model,
                        properties: &properties,
                        tables: &tables,
                        found: &found,
                        decided: &decided,
                        stored: &stored,
                        transitions: &transitions,
                        stop: &stop,
                        refused: &refused,
                        options,
                        start,
                        level,
                        last: level >= budget.depth,
                        entry_size,
                        state_size,
                    };
                    scope.spawn(move || ctx.expand(part, known))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| match h.join() {
                    Ok(states) => states,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        });
        frontier = Vec::new();
        waiting = 0;
        for (states, new, seen) in next {
            frontier.extend(states);
            waiting += new;
            applied.extend(&seen);
        }
        depth = level;
        let states = stored.load(Ordering::Relaxed);
        progress(&Progress {
            depth,
            states,
            frontier: waiting,
            elapsed: start.elapsed(),
        });
        if stop.load(Ordering::Relaxed) {
            let memory = memory(states, entry_size, u64_of(frontier.len()), state_size);
            let refused = refused.load(Ordering::Relaxed);
            limit = Some(reached(&budget, states, start, memory, refused));
            break;
        }
    }

    let states = stored.load(Ordering::Relaxed);
    let capacity: usize = tables.iter().map(|t| lock(t).capacity()).sum();
    let extent = if complete {
        Extent::Exhausted
    } else {
        Extent::Bounded(depth)
    };
    let findings = properties
        .iter()
        .zip(&found)
        .map(|(p, f)| {
            let found = f.lock().unwrap_or_else(PoisonError::into_inner).clone();
            let trace = found.map(|f| rebuild(model, &tables, &f, p.id));
            Finding {
                id: p.id,
                statement: p.statement,
                expectation: p.expectation,
                verdict: verdict(p.expectation, trace, limit, extent, (depth, budget.depth)),
            }
        })
        .collect();
    Report {
        states,
        transitions: transitions.load(Ordering::Relaxed),
        depth,
        complete,
        limit,
        elapsed: start.elapsed(),
        threads,
        bytes_per_state: if states == 0 {
            0.0
        } else {
            (capacity as f64 * entry_size as f64) / states as f64
        },
        findings,
        rules: applied.iter().collect(),
    }
}

/// Stores `model`'s initial states (each under its index) and returns those not met before,
/// with their fingerprints: the first frontier.
fn seed<M: Model>(model: &M, tables: &[Mutex<Table>], stored: &AtomicU64) -> Vec<(M::State, u64)> {
    let mut frontier = Vec::new();
    for (i, s) in model.initial_states().into_iter().enumerate() {
        let fp = model.fingerprint(&s);
        let mut t = lock(&tables[shard_of(fp)]);
        if let std::collections::hash_map::Entry::Vacant(e) = t.entry(fp) {
            e.insert(Parent {
                parent: u64_of(i),
                action: INITIAL,
            });
            stored.fetch_add(1, Ordering::Relaxed);
            drop(t);
            frontier.push((s, fp));
        }
    }
    frontier
}

/// What a search established about a property: its trace if one was found; otherwise
/// `Undecided` when a budget (`limit`) stopped the search at level `depth` of the `bound`
/// asked; otherwise that it holds (or is not exhibited) over `extent`.
fn verdict(
    expectation: Expectation,
    trace: Option<Trace>,
    limit: Option<Limit>,
    extent: Extent,
    (depth, bound): (u32, u32),
) -> Verdict {
    match (expectation, trace, limit) {
        (Expectation::Always, Some(t), _) => Verdict::Broken(t),
        (Expectation::Sometimes, Some(t), _) => Verdict::Exhibited(t),
        (_, None, Some(limit)) => Verdict::Undecided {
            limit,
            depth,
            bound,
        },
        (Expectation::Always, None, None) => Verdict::Holds(extent),
        (Expectation::Sometimes, None, None) => Verdict::NotExhibited(extent),
    }
}

fn memory(states: u64, entry_size: u64, frontier: u64, state_size: u64) -> u64 {
    // A table at its usual load holds about 8/7 entries per state.
    states * entry_size * 8 / 7 + frontier * state_size
}

/// Which budget a stopped run reached, or the actions of a state (`refused`, when not 0)
/// that a trace could not number.
fn reached(budget: &Budget, states: u64, start: Instant, memory: u64, refused: u64) -> Limit {
    if refused > 0 {
        Limit::Actions(refused)
    } else if states >= budget.states {
        Limit::States(budget.states)
    } else if memory >= budget.memory {
        Limit::Memory(budget.memory)
    } else {
        let _ = start;
        Limit::Time(budget.time)
    }
}

/// What the threads expanding one level share.
struct Level<'a, M: Model> {
    model: &'a M,
    properties: &'a [Property<M>],
    tables: &'a [Mutex<Table>],
    found: &'a [Mutex<Option<Found>>],
    /// The level at which each property was first decided.
    decided: &'a [AtomicU32],
    stored: &'a AtomicU64,
    transitions: &'a AtomicU64,
    stop: &'a AtomicBool,
    /// The most actions a state offered past [`MAX_ACTIONS`] (0 while none did).
    refused: &'a AtomicU64,
    options: &'a Options,
    start: Instant,
    level: u32,
    /// Whether this is the last level the depth budget allows.
    last: bool,
    entry_size: u64,
    state_size: u64,
}

impl<M: Model> Level<'_, M> {
    fn expand(&self, part: &[(M::State, u64)], known: &mut Known) -> Expanded<M> {
        let mut next = Vec::new();
        let mut new = 0usize;
        let mut applied = RuleSet::default();
        let mut actions = Vec::new();
        let mut local_transitions = 0u64;
        for (done, (state, fp)) in part.iter().enumerate() {
            if done % 256 == 0 && self.over_budget(next.len()) {
                self.stop.store(true, Ordering::Relaxed);
                break;
            }
            actions.clear();
            self.model.actions(state, &mut actions);
            if actions.len() > MAX_ACTIONS {
                // Its actions' indexes would not fit a trace: stop, undecided.
                self.refused
                    .fetch_max(u64_of(actions.len()), Ordering::Relaxed);
                self.stop.store(true, Ordering::Relaxed);
                break;
            }
            let each = |index: usize, target: M::State, outcome: M::Outcome| {
                let Some(action) = actions.get(index) else {
                    return;
                };
                // Below `actions.len()`, which the check above keeps within MAX_ACTIONS
                // (u32::MAX): the index converts, and never to INITIAL.
                let Ok(index) = u32::try_from(index) else {
                    return;
                };
                local_transitions += 1;
                self.model.applied_rules(&outcome, &mut applied);
                self.check(state, action, &target, &outcome, *fp, index);
                let tfp = self.model.fingerprint(&target);
                if known.contains(tfp) {
                    return;
                }
                known.insert(tfp);
                let mut table = lock(&self.tables[shard_of(tfp)]);
                if let std::collections::hash_map::Entry::Vacant(e) = table.entry(tfp) {
                    e.insert(Parent {
                        parent: *fp,
                        action: index,
                    });
                    drop(table);
                    self.stored.fetch_add(1, Ordering::Relaxed);
                    new += 1;
                    // The last level is never expanded: its states are stored as
                    // fingerprints only, not kept whole in the frontier.
                    if !self.last {
                        next.push((target, tfp));
                    }
                }
            };
            if self.last {
                self.model.leaf_successors(state, &actions, each);
            } else {
                self.model.successors(state, &actions, each);
            }
        }
        self.transitions
            .fetch_add(local_transitions, Ordering::Relaxed);
        (next, new, applied)
    }

    fn over_budget(&self, pending: usize) -> bool {
        let b = &self.options.budget;
        let states = self.stored.load(Ordering::Relaxed);
        states >= b.states
            || self.start.elapsed() >= b.time
            || memory(states, self.entry_size, u64_of(pending), self.state_size) >= b.memory
            || self.stop.load(Ordering::Relaxed)
    }

    fn check(
        &self,
        state: &M::State,
        action: &M::Action,
        target: &M::State,
        outcome: &M::Outcome,
        fp: u64,
        index: u32,
    ) {
        for (i, p) in self.properties.iter().enumerate() {
            // A property decided at an earlier level is not checked again when the search
            // stops once decided; one decided at this level still is, so that the finding
            // kept is the least of the level's, whatever the threads and their timing.
            if self.options.stop_when_decided
                && self.decided[i].load(Ordering::Relaxed) < self.level
            {
                continue;
            }
            let reason = match (
                p.check(self.model, state, action, target, outcome),
                p.expectation,
            ) {
                (Observation::Violation(v), Expectation::Always) => v.reason().to_owned(),
                (Observation::Witness, Expectation::Sometimes) => "reached".to_owned(),
                _ => continue,
            };
            let candidate = Found {
                depth: self.level,
                parent: fp,
                action: index,
                reason,
            };
            let mut slot = self.found[i].lock().unwrap_or_else(PoisonError::into_inner);
            let better = slot.as_ref().is_none_or(|f| {
                (candidate.depth, candidate.parent, candidate.action)
                    < (f.depth, f.parent, f.action)
            });
            if better {
                *slot = Some(candidate);
            }
            self.decided[i].fetch_min(self.level, Ordering::Relaxed);
        }
    }
}

/// Rebuilds the path to a finding by following parents back to an initial state, then
/// replaying the actions forward to describe each state.
fn rebuild<M: Model>(model: &M, tables: &[Mutex<Table>], found: &Found, id: &str) -> Trace {
    let mut indices = vec![found.action];
    let mut fp = found.parent;
    let initial = loop {
        let entry = lock(&tables[shard_of(fp)]).get(&fp).copied();
        match entry {
            // An initial state's parent is its index among the initial states.
            Some(Parent {
                parent,
                action: INITIAL,
            }) => break usize::try_from(parent).ok(),
            Some(Parent { parent, action }) => {
                indices.push(action);
                fp = parent;
            }
            None => break None,
        }
    };
    indices.reverse();
    let initials = model.initial_states();
    let Some(mut state) = initial.and_then(|i| initials.get(i)).cloned() else {
        return Trace {
            initial: "(the path could not be rebuilt)".to_owned(),
            steps: Vec::new(),
            reason: found.reason.clone(),
            scenario: None,
        };
    };
    let first = state.clone();
    let described = model.describe_state(&state);
    let mut steps = Vec::new();
    let mut actions = Vec::new();
    let mut taken = Vec::new();
    for index in indices {
        actions.clear();
        model.actions(&state, &mut actions);
        let Some(action) = actions.get(usize_of(index)) else {
            break;
        };
        let text = model.describe_action(&state, action);
        taken.push(action.clone());
        let Some((next, _)) = model.next(&state, action) else {
            break;
        };
        state = next;
        steps.push(TraceStep {
            action: text,
            state: model.describe_state(&state),
        });
    }
    Trace {
        initial: described,
        steps,
        reason: found.reason.clone(),
        scenario: model.scenario(&first, &taken, id, &found.reason),
    }
}
