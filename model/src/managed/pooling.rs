//! Connection pooling as a middle tier sees it (MRT-3): a pool hands out an idle connection
//! only to a caller whose pool key matches, and with integrated security the key includes
//! the Windows identity the connection was opened under.

use super::Ident;
use crate::core::decision::Trail;
use crate::rules::RuleId;

/// A connection's number in its pool.
pub type ConnectionId = u32;

/// One process's connection pool for one connection string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConnectionPool {
    /// Idle connections, with the identity each was opened under.
    idle: Vec<(ConnectionId, Ident)>,
    /// How many connections were ever opened.
    opened: u32,
    /// How many opens were served by an idle connection.
    reused: u32,
}

impl ConnectionPool {
    /// SqlConnection.Open under `identity` (the thread's effective identity): an idle
    /// connection of the same identity if there is one, else a new one. Returns the
    /// connection and whether it was reused.
    pub(crate) fn open(&mut self, identity: Ident, trail: &mut Trail) -> (ConnectionId, bool) {
        if let Some(pos) = self.idle.iter().position(|&(_, who)| who == identity) {
            let (id, _) = self.idle.remove(pos);
            self.reused += 1;
            trail.note(RuleId::MRT_3, || {
                format!("connection #{id} was opened under the same identity: the pool reuses it")
            });
            return (id, true);
        }
        let id = self.opened;
        self.opened += 1;
        let others = self.idle.len();
        trail.note(RuleId::MRT_3, || {
            if others == 0 {
                format!("no idle connection: the pool opens connection #{id}")
            } else {
                format!(
                    "{others} idle connection(s) belong to other identities and cannot be reused: the pool opens connection #{id}"
                )
            }
        });
        (id, false)
    }

    /// SqlConnection.Close: the connection goes back to the pool under its identity.
    pub(crate) fn close(&mut self, id: ConnectionId, identity: Ident) {
        self.idle.push((id, identity));
    }

    /// How many connections were opened.
    #[must_use]
    pub fn opened(&self) -> u32 {
        self.opened
    }

    /// How many opens reused an idle connection.
    #[must_use]
    pub fn reused(&self) -> u32 {
        self.reused
    }
}
