//! The database side of the pool: a connection pool as ADO.NET keeps one, and a database
//! that picks a deadlock victim when two transactions overlap.
//!
//! With integrated security the pool is keyed by the connection string and the Windows
//! identity the connection was opened under (MRT-3), so a connection opened while
//! impersonating one client is never handed to another. [`PoolKey::StringOnly`] is the
//! bug of a hand-written pool that forgets the identity.

use tokenhop_model::managed::Ident;
use tokenhop_model::managed::exception::Exception;

/// What a pooled connection is looked up by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PoolKey {
    /// Connection string and Windows identity, as ADO.NET pools integrated-security
    /// connections (MRT-3).
    StringAndIdentity,
    /// Connection string alone: a connection opened as one client is reused for another.
    StringOnly,
}

/// A physical connection to the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Connection {
    /// Its number, from 1 in the order connections were opened.
    pub id: u32,
    /// The login the database knows it by: the identity in effect when it was opened
    /// (`None`: the service).
    pub opened_as: Option<Ident>,
}

/// Counters of a connection pool.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConnectionStats {
    /// Physical connections opened.
    pub opened: u32,
    /// Requests for a connection served from the pool.
    pub reused: u32,
    /// Connections handed out now.
    pub in_use: u32,
    /// The most connections handed out at once.
    pub peak_in_use: u32,
    /// Physical connections open now (handed out or idle in the pool: pooled connections
    /// stay open, ADO.NET closes idle ones only after minutes).
    pub open: u32,
    /// The most physical connections open at once.
    pub peak_open: u32,
}

/// A pool of open connections to one database (one connection string).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionPool {
    key: PoolKey,
    idle: Vec<Connection>,
    stats: ConnectionStats,
}

impl ConnectionPool {
    /// An empty pool keyed by `key`.
    #[must_use]
    pub fn new(key: PoolKey) -> Self {
        ConnectionPool {
            key,
            idle: Vec::new(),
            stats: ConnectionStats::default(),
        }
    }

    /// A connection for a caller whose identity in effect is `identity`: the most recently
    /// returned idle one its key matches, else a new one opened as `identity`. The flag
    /// says whether it was reused.
    pub fn get(&mut self, identity: Option<Ident>) -> (Connection, bool) {
        let key = self.key;
        let found = self
            .idle
            .iter()
            .rposition(|c| key == PoolKey::StringOnly || c.opened_as == identity);
        let (connection, reused) = match found {
            Some(i) => {
                self.stats.reused += 1;
                (self.idle.remove(i), true)
            }
            None => {
                self.stats.opened += 1;
                self.stats.open += 1;
                self.stats.peak_open = self.stats.peak_open.max(self.stats.open);
                let connection = Connection {
                    id: self.stats.opened,
                    opened_as: identity,
                };
                (connection, false)
            }
        };
        self.stats.in_use += 1;
        self.stats.peak_in_use = self.stats.peak_in_use.max(self.stats.in_use);
        (connection, reused)
    }

    /// Returns `connection` to the pool, open, for the next caller its key matches.
    pub fn put(&mut self, connection: Connection) {
        self.stats.in_use = self.stats.in_use.saturating_sub(1);
        self.idle.push(connection);
    }

    /// The pool's counters.
    #[must_use]
    pub fn stats(&self) -> ConnectionStats {
        self.stats
    }
}

/// SQL Server's message 1205, which a transaction chosen as deadlock victim fails with.
pub const DEADLOCK_VICTIM: Exception = Exception::Sql(
    1205,
    "Transaction was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.",
);

/// The database: how many transactions are open, and whether overlapping ones deadlock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Database {
    /// Overlapping transactions deadlock: one that begins while another is open is
    /// chosen as victim ([`DEADLOCK_VICTIM`]), so a server's error path runs exactly
    /// when two requests meet in the database.
    pub deadlocks: bool,
    open: u32,
}

impl Database {
    /// A database with no open transaction.
    #[must_use]
    pub fn new(deadlocks: bool) -> Self {
        Database { deadlocks, open: 0 }
    }

    /// Begins a transaction, or fails it as deadlock victim.
    pub fn begin(&mut self) -> Result<(), Exception> {
        if self.deadlocks && self.open > 0 {
            return Err(DEADLOCK_VICTIM);
        }
        self.open += 1;
        Ok(())
    }

    /// Commits a transaction [`Database::begin`] began.
    pub fn commit(&mut self) {
        self.open = self.open.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrt_3_a_connection_opened_as_one_client_is_not_reused_for_another() {
        let mut pool = ConnectionPool::new(PoolKey::StringAndIdentity);
        let (a, reused) = pool.get(Some(1));
        assert!(!reused);
        pool.put(a);
        let (b, reused) = pool.get(Some(2));
        assert!(!reused);
        assert_eq!(b.opened_as, Some(2));
        pool.put(b);
        let (a2, reused) = pool.get(Some(1));
        assert!(reused);
        assert_eq!(a2, a);
        assert_eq!(pool.stats().opened, 2);
        assert_eq!(pool.stats().peak_open, 2);
    }

    #[test]
    fn a_pool_keyed_by_string_only_hands_one_clients_connection_to_another() {
        let mut pool = ConnectionPool::new(PoolKey::StringOnly);
        let (a, _) = pool.get(Some(1));
        pool.put(a);
        let (b, reused) = pool.get(Some(2));
        assert!(reused);
        assert_eq!(b.opened_as, Some(1));
    }

    #[test]
    fn overlapping_transactions_make_a_deadlock_victim() {
        let mut db = Database::new(true);
        assert_eq!(db.begin(), Ok(()));
        assert_eq!(db.begin(), Err(DEADLOCK_VICTIM));
        db.commit();
        assert_eq!(db.begin(), Ok(()));
        let mut calm = Database::new(false);
        assert_eq!(calm.begin(), Ok(()));
        assert_eq!(calm.begin(), Ok(()));
    }
}
