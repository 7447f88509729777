//! The limits of a search (states, depth, time, memory) and how to run it (threads,
//! whether to stop once every property is decided, which properties).

use std::time::Duration;

/// The limits of one run; the first reached stops it with a message naming it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Distinct states stored (by default 100 M: the local suite's six-call bound stores
    /// 57 M; the memory budget is the guard against a space too large to hold).
    pub states: u64,
    /// Transitions from an initial state.
    pub depth: u32,
    /// Wall-clock time.
    pub time: Duration,
    /// Bytes of the visited set and frontier (estimated).
    pub memory: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            states: 100_000_000,
            depth: 12,
            time: Duration::from_secs(600),
            memory: 8 << 30,
        }
    }
}

/// Which budget stopped a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// The state budget.
    States(u64),
    /// The time budget.
    Time(Duration),
    /// The memory budget, in bytes.
    Memory(u64),
    /// A state offered this many actions: more than a trace numbers (at most
    /// [`MAX_ACTIONS`]), so the search stopped rather than expand it.
    Actions(u64),
}

/// The most actions the explorer takes from one state: a trace names an action by its
/// 32-bit index, `u32::MAX` being reserved for an initial state.
pub const MAX_ACTIONS: usize = tokenhop_model::core::widen::usize_of(u32::MAX);

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::States(n) => write!(f, "the state budget ({n} states) was reached"),
            Limit::Time(t) => write!(f, "the time budget ({} s) was reached", t.as_secs()),
            Limit::Memory(b) => write!(f, "the memory budget ({} MiB) was reached", b >> 20),
            Limit::Actions(n) => write!(
                f,
                "a state offered {n} actions, more than the {MAX_ACTIONS} a trace numbers"
            ),
        }
    }
}

/// How to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The budgets.
    pub budget: Budget,
    /// Worker threads (at least one).
    pub threads: usize,
    /// Stop as soon as every property has its finding, rather than exhausting the space.
    pub stop_when_decided: bool,
    /// Check only the properties with these ids (all when empty).
    pub only: Vec<String>,
}

impl Options {
    /// Every state within `depth` calls, on `threads` threads, without stopping once the
    /// properties are decided: the whole bounded space, as tests and benchmarks sweep it.
    #[must_use]
    pub fn exhaustive(depth: u32, threads: usize) -> Self {
        Options {
            budget: Budget {
                depth,
                ..Budget::default()
            },
            threads,
            stop_when_decided: false,
            only: Vec::new(),
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            budget: Budget::default(),
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            stop_when_decided: true,
            only: Vec::new(),
        }
    }
}
