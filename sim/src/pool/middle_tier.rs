//! Seed 001's performance point made concrete: a middle tier serving more and more
//! clients, its database connections opened under each client's identity or under the
//! service's, and what that does to connection pooling (MRT-3).
//!
//! Each client makes the same number of requests, arriving round-robin; the workers of
//! the same pool code serve them on real threads. Connections opened as the service are
//! shared by every request, so no more are opened than there are workers; connections
//! opened as each client serve only that client, so at least one is opened per client
//! and the pool grows with the client count.

use std::fmt::Write as _;
use std::num::{NonZeroU16, NonZeroUsize};

use tokenhop_model::managed::Ident;

use super::server::Server;

/// The most worker threads a simulated middle tier runs: each is an OS thread of this
/// process, so `tokenhop bench --connections --workers` refuses more with an error.
pub const MAX_WORKERS: u16 = 256;

/// What one simulation measured.
#[derive(Clone, Debug, PartialEq)]
pub struct MiddleTierReport {
    /// Clients served.
    pub clients: u16,
    /// Requests each client made.
    pub requests_per_client: u16,
    /// Worker threads.
    pub workers: usize,
    /// Whether connections were opened under each client's identity (else the service's).
    pub per_client_identity: bool,
    /// Physical connections opened.
    pub connections_opened: u32,
    /// Requests for a connection served from the pool.
    pub connections_reused: u32,
    /// Reused over all requests for a connection.
    pub reuse_ratio: f64,
    /// The most physical connections open at once (pooled connections stay open).
    pub peak_open: u32,
    /// The most connections in use at once.
    pub peak_in_use: u32,
    /// The pool's properties held ([`super::check::check`]); the violation otherwise.
    pub violation: Option<String>,
}

/// Serves `requests_per_client` requests of each of `clients` clients on `workers`
/// workers, opening database connections under each client's identity
/// (`per_client_identity`) or under the service's.
#[must_use]
pub fn simulate(
    clients: u16,
    requests_per_client: u16,
    workers: NonZeroUsize,
    per_client_identity: bool,
) -> MiddleTierReport {
    let requests: Vec<Ident> = (0..requests_per_client).flat_map(|_| 1..=clients).collect();
    let served = Server::middle_tier(per_client_identity).serve(workers.get(), &requests);
    let stats = served.connections;
    let asked = stats.opened + stats.reused;
    MiddleTierReport {
        clients,
        requests_per_client,
        workers: workers.get(),
        per_client_identity,
        connections_opened: stats.opened,
        connections_reused: stats.reused,
        reuse_ratio: if asked == 0 {
            0.0
        } else {
            f64::from(stats.reused) / f64::from(asked)
        },
        peak_open: stats.peak_open,
        peak_in_use: stats.peak_in_use,
        violation: served.check().err().map(|v| v.to_string()),
    }
}

/// [`simulate`] for 1, 2, 4, ... up to `max_clients` clients (and `max_clients` itself),
/// each under the service identity then per client identity.
#[must_use]
pub fn sweep(
    max_clients: NonZeroU16,
    requests_per_client: u16,
    workers: NonZeroUsize,
) -> Vec<MiddleTierReport> {
    let max_clients = max_clients.get();
    let mut counts = Vec::new();
    let mut c: u16 = 1;
    while c < max_clients {
        counts.push(c);
        c = c.saturating_mul(2);
    }
    counts.push(max_clients);
    counts
        .into_iter()
        .flat_map(|c| {
            [false, true].map(|per_client| simulate(c, requests_per_client, workers, per_client))
        })
        .collect()
}

/// The reports as a Markdown table.
#[must_use]
pub fn table(rows: &[MiddleTierReport]) -> String {
    let mut out = String::from(
        "| clients | requests | workers | connections opened as | opened | reused | reuse ratio | peak open | peak in use |\n\
         |--------:|---------:|--------:|:----------------------|-------:|-------:|------------:|----------:|------------:|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {:.1}% | {} | {} |",
            r.clients,
            u32::from(r.clients) * u32::from(r.requests_per_client),
            r.workers,
            if r.per_client_identity {
                "each client"
            } else {
                "the service"
            },
            r.connections_opened,
            r.connections_reused,
            r.reuse_ratio * 100.0,
            r.peak_open,
            r.peak_in_use,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrt_3_connections_opened_as_each_client_are_not_shared() {
        for workers in [1, 2, 4] {
            let threads = NonZeroUsize::new(workers).unwrap();
            for clients in [1, 2, 4, 8, 16] {
                let service = simulate(clients, 8, threads, false);
                let per_client = simulate(clients, 8, threads, true);
                for r in [&service, &per_client] {
                    assert_eq!(r.violation, None);
                    assert_eq!(
                        r.connections_opened + r.connections_reused,
                        u32::from(clients) * 8
                    );
                    assert!(r.peak_in_use as usize <= workers);
                    assert_eq!(r.peak_open, r.connections_opened);
                }
                assert!(
                    service.connections_opened as usize <= workers,
                    "{service:?}"
                );
                assert!(
                    per_client.connections_opened >= u32::from(clients),
                    "{per_client:?}"
                );
                assert!(
                    per_client.connections_opened as usize <= usize::from(clients) * workers,
                    "{per_client:?}"
                );
                // At most one open per worker as the service; at least one per client.
                assert!(service.connections_reused as usize + workers >= usize::from(clients) * 8);
                assert!(per_client.connections_reused <= u32::from(clients) * 7);
            }
        }
    }

    #[test]
    fn mrt_3_the_table_shows_the_connection_count_growing_with_clients() {
        let rows = sweep(
            NonZeroU16::new(8).unwrap(),
            4,
            NonZeroUsize::new(2).unwrap(),
        );
        assert_eq!(rows.len(), 8);
        let text = table(&rows);
        assert_eq!(text.lines().count(), 2 + rows.len());
        assert!(text.contains("| 8 | 32 | 2 | each client |"), "{text}");
        let last = rows.last().unwrap();
        assert!(last.per_client_identity && last.connections_opened >= 8);
    }
}
