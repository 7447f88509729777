//! Identity across machines: a directory of domains, accounts and services, Kerberos and
//! NTLM as far as delegation depends on them, and the hops a client's identity makes
//! through a topology of services (AD-*, KRB-*, S4U-*, NET-*, LVL-*, ATK-*).

pub mod actions;
pub mod attacker;
pub mod chain;
pub mod directory;
pub mod generate;
pub mod graph;
pub mod hop;
pub mod kerberos;
pub mod reach;
