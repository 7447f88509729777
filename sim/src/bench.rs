//! Measuring the delegation graph: build it for generated domains of growing size and
//! answer reachability queries from many (client, entry) pairs, reporting nodes, edges,
//! build time, query time and the (service, holding) states searched per second. Shared by
//! `tokenhop bench` and `cargo bench`.

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use thiserror::Error;
use tokenhop_model::core::widen::usize_of;
use tokenhop_model::net::directory::{AccountId, AccountKind, TooMany};
use tokenhop_model::net::generate::{self, SplitMix, TooLarge};
use tokenhop_model::net::graph::{self, DelegationGraph};
use tokenhop_model::rules::readings::Readings;

/// Why a measurement could not be made.
#[derive(Debug, Error)]
pub enum BenchError {
    /// The domain asked for is larger than a generated domain can be.
    #[error("--accounts: {0}")]
    TooLarge(#[from] TooLarge),
    /// The graph has no id left for a workstation.
    #[error(transparent)]
    Graph(#[from] TooMany),
    /// The written topology does not load (a bug in the writer or the reader).
    #[error("the generated topology does not load: {0}")]
    Load(#[from] crate::LoadError),
}

/// One size's measurements.
#[derive(Clone, Debug)]
pub struct Row {
    /// Accounts in the generated domain.
    pub accounts: usize,
    /// Services.
    pub services: usize,
    /// Graph nodes.
    pub nodes: usize,
    /// Graph edges.
    pub edges: usize,
    /// Time to build the graph.
    pub build: Duration,
    /// Queries answered.
    pub queries: usize,
    /// The slowest query.
    pub slowest: Duration,
    /// The mean query.
    pub mean: Duration,
    /// States searched over all queries.
    pub states: usize,
    /// States searched per second over all queries.
    pub states_per_second: f64,
    /// The most services one query reached.
    pub most_reached: usize,
}

/// The seed of the generated domains the benchmark measures.
pub const SEED: u64 = 0x7045_6e68_6f70;

/// Measures one generated domain of `accounts` accounts with `queries` queries.
///
/// # Errors
///
/// [`BenchError`] when the domain is too large to generate or to graph.
pub fn measure(accounts: usize, queries: NonZeroU32) -> Result<Row, BenchError> {
    let dir = generate::domain(accounts, SEED)?;
    let started = Instant::now();
    let readings = Readings::default();
    let g = DelegationGraph::build(&dir, &readings)?;
    let build = started.elapsed();
    let (nodes, edges) = g.size();
    let users: Vec<AccountId> = dir
        .account_ids()
        .zip(&dir.accounts)
        .filter(|(_, a)| a.kind == AccountKind::User)
        .map(|(id, _)| id)
        .collect();
    let services: Vec<_> = dir.service_ids().collect();
    let mut rng = SplitMix::new(7);
    let mut slowest = Duration::ZERO;
    let mut total = Duration::ZERO;
    let mut states = 0;
    let mut most_reached = 0;
    for _ in 0..queries.get() {
        let Some(user) = users.get(rng.below(users.len())).copied() else {
            break;
        };
        let Some(entry) = services.get(rng.below(services.len())).copied() else {
            break;
        };
        let t = Instant::now();
        let r = graph::reach(&g, user, entry);
        let took = t.elapsed();
        slowest = slowest.max(took);
        total += took;
        states += r.states;
        most_reached = most_reached.max(r.services.len());
    }
    let secs = total.as_secs_f64().max(1e-9);
    Ok(Row {
        accounts: dir.accounts.len(),
        services: dir.services.len(),
        nodes,
        edges,
        build,
        queries: usize_of(queries.get()),
        slowest,
        mean: total / queries.get(),
        states,
        #[expect(clippy::cast_precision_loss, reason = "a rate for people to read")]
        states_per_second: states as f64 / secs,
        most_reached,
    })
}

/// The table `tokenhop bench` prints.
#[must_use]
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "accounts  services  nodes   edges     build      query mean  query max   states/query  states/s     most reached\n",
    );
    for r in rows {
        out.push_str(&format!(
            "{:<9} {:<9} {:<7} {:<9} {:<10} {:<11} {:<11} {:<13} {:<12.0} {}\n",
            r.accounts,
            r.services,
            r.nodes,
            r.edges,
            format!("{:.1?}", r.build),
            format!("{:.1?}", r.mean),
            format!("{:.1?}", r.slowest),
            r.states / r.queries.max(1),
            r.states_per_second,
            r.most_reached
        ));
    }
    out
}

/// What answering one query from a topology file costs, step by step.
#[derive(Clone, Debug)]
pub struct FromFile {
    /// Accounts in the generated domain.
    pub accounts: usize,
    /// The file's size in bytes.
    pub bytes: usize,
    /// Reading and validating the topology.
    pub load: Duration,
    /// Building the graph (with the chains' call edges).
    pub build: Duration,
    /// Answering the query.
    pub query: Duration,
}

/// Writes the generated domain of `accounts` accounts as a topology, then loads it, builds
/// its graph and answers one query, as `tokenhop graph FILE --from --entry` does.
///
/// # Errors
///
/// [`BenchError`] when the domain is too large to generate or to graph, or when the
/// written topology does not load (a bug in the writer or the reader).
pub fn from_file(accounts: usize) -> Result<FromFile, BenchError> {
    let dir = generate::domain(accounts, SEED)?;
    let text = crate::topology::write::topology(&dir, "generated");
    let path = std::path::Path::new("generated.yaml");
    let started = Instant::now();
    let document = crate::document::load_str(&text, path)?;
    let load = started.elapsed();
    let crate::Document::Topology(topology) = document else {
        return Ok(FromFile {
            accounts,
            bytes: text.len(),
            load,
            build: Duration::ZERO,
            query: Duration::ZERO,
        });
    };
    let started = Instant::now();
    let g = crate::topology::graph::build(&topology)?;
    let build = started.elapsed();
    let started = Instant::now();
    let _ = crate::topology::graph::query(&topology, &g, "user17", "s3");
    let query = started.elapsed();
    Ok(FromFile {
        accounts,
        bytes: text.len(),
        load,
        build,
        query,
    })
}

/// The second table: answering one query from a file.
#[must_use]
pub fn file_table(rows: &[FromFile]) -> String {
    let mut out = String::from("accounts  file       load       build      query      total\n");
    for r in rows {
        out.push_str(&format!(
            "{:<9} {:<10} {:<10} {:<10} {:<10} {:.1?}\n",
            r.accounts,
            format!("{} KiB", r.bytes / 1024),
            format!("{:.1?}", r.load),
            format!("{:.1?}", r.build),
            format!("{:.1?}", r.query),
            r.load + r.build + r.query
        ));
    }
    out
}
