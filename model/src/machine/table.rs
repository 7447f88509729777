//! Room in the world's tables: minting the id of a new entry, and the error when a table
//! has no room for one (RES-1). A process's handle table is full at the machine's handle
//! limit; every table is full at the 2^32 entries its 32-bit ids number. Nothing here wraps
//! or reuses an id: a table grown only through [`push`] has an id for every entry.

use std::fmt;

/// A table of the world (or of its setup) that entries are added to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Table {
    /// A process's handle table.
    Handles,
    /// Token objects.
    Tokens,
    /// Logon sessions.
    LogonSessions,
    /// Processes.
    Processes,
    /// Threads.
    Threads,
    /// Securable objects.
    Objects,
    /// Named-pipe instances.
    Pipes,
    /// Principals (users, groups, logon SIDs, packages).
    Principals,
    /// RPC client binding handles.
    RpcBindings,
    /// RPC calls.
    RpcCalls,
    /// SSPI credentials handles.
    SspiCredentials,
    /// SSPI security contexts.
    SspiContexts,
    /// SSPI handshakes (a client context and the server context that answers it).
    SspiHandshakes,
    /// Schannel certificates a script declares.
    Certificates,
    /// COM+ server applications a script declares.
    ComApplications,
    /// COM classes a script declares.
    ComClasses,
    /// COM proxies.
    ComProxies,
}

impl Table {
    /// What the table holds, in a sentence (`handles`, `token objects`).
    #[must_use]
    pub fn entries(self) -> &'static str {
        match self {
            Table::Handles => "handles",
            Table::Tokens => "token objects",
            Table::LogonSessions => "logon sessions",
            Table::Processes => "processes",
            Table::Threads => "threads",
            Table::Objects => "securable objects",
            Table::Pipes => "named-pipe instances",
            Table::Principals => "principals",
            Table::RpcBindings => "RPC binding handles",
            Table::RpcCalls => "RPC calls",
            Table::SspiCredentials => "SSPI credentials handles",
            Table::SspiContexts => "SSPI security contexts",
            Table::SspiHandshakes => "SSPI handshakes",
            Table::Certificates => "certificates",
            Table::ComApplications => "COM+ applications",
            Table::ComClasses => "COM classes",
            Table::ComProxies => "COM proxies",
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.entries())
    }
}

/// Why a table has no room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bound {
    /// The machine's limit on a process's open handles (RES-1).
    HandleLimit(u32),
    /// The 2^32 entries a 32-bit id numbers.
    Ids,
}

/// A table with no room for another entry (RES-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{}", describe(*table, *bound))]
pub struct TableFull {
    /// The table.
    pub table: Table,
    /// What bounds it.
    pub bound: Bound,
}

fn describe(table: Table, bound: Bound) -> String {
    match bound {
        Bound::HandleLimit(limit) => {
            format!("the process's handle table holds {limit} open handles, the machine's limit")
        }
        Bound::Ids => format!("the model numbers no more {table}: their ids are 32-bit"),
    }
}

impl TableFull {
    /// `table` at the 2^32 entries its 32-bit ids number.
    #[must_use]
    pub fn of_ids(table: Table) -> Self {
        TableFull {
            table,
            bound: Bound::Ids,
        }
    }
}

/// Appends `entry` to `entries` and returns the id of its position, minted by `id`; or
/// [`TableFull`] when the position has none, leaving `entries` as it was. Every entry of a
/// table grown only this way has an id.
///
/// # Errors
///
/// [`TableFull`] with [`Bound::Ids`] when `id` mints none for the next position.
pub fn push<T, I>(
    entries: &mut Vec<T>,
    entry: T,
    table: Table,
    id: fn(usize) -> Option<I>,
) -> Result<I, TableFull> {
    let minted = id(entries.len()).ok_or(TableFull::of_ids(table))?;
    entries.push(entry);
    Ok(minted)
}

/// The position `index` of a 32-bit-numbered table as its number: the id minter for tables
/// numbered by a bare `u32` (SSPI handshakes, COM+ applications and classes, certificates).
#[must_use]
pub fn number(index: usize) -> Option<u32> {
    u32::try_from(index).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::ids::TokenId;

    /// RES-1: a table mints the id of each new position, and refuses, unchanged, a position
    /// its ids cannot number.
    #[test]
    fn res_1_push_mints_ids_and_refuses_a_position_without_one() {
        let mut entries = vec!['a', 'b'];
        assert_eq!(
            push(&mut entries, 'c', Table::Tokens, TokenId::from_index),
            Ok(TokenId(2))
        );
        let none: fn(usize) -> Option<TokenId> = |_| None;
        assert_eq!(
            push(&mut entries, 'd', Table::Tokens, none),
            Err(TableFull::of_ids(Table::Tokens))
        );
        assert_eq!(entries, vec!['a', 'b', 'c']);
        assert_eq!(number(7), Some(7));
        if let Ok(past) = usize::try_from(1u64 << 32) {
            assert_eq!(number(past), None);
        }
    }

    #[test]
    fn res_1_full_tables_say_which_and_why() {
        assert_eq!(
            TableFull::of_ids(Table::SspiContexts).to_string(),
            "the model numbers no more SSPI security contexts: their ids are 32-bit"
        );
        let handles = TableFull {
            table: Table::Handles,
            bound: Bound::HandleLimit(3),
        };
        assert_eq!(
            handles.to_string(),
            "the process's handle table holds 3 open handles, the machine's limit"
        );
    }
}
