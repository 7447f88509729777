//! One Windows machine: its principals and accounts, logon sessions, tokens, processes,
//! threads, handles and securable objects, and the Win32 calls on them. The family's one
//! step function is [`step::step`]: `(World, Action) -> (World, Outcome)`.

pub mod access_check;
pub mod accounts;
pub mod acl;
pub mod action;
pub(crate) mod calls;
pub mod capture;
pub mod com;
pub mod enabled;
pub mod ids;
pub mod impersonation;
pub mod logon;
pub mod logon_session;
pub mod loopback;
pub mod outcome;
pub mod pipe;
pub mod principal;
pub mod privilege;
pub mod rights;
pub(crate) mod room;
pub mod rpc;
pub mod settings;
pub mod setup;
pub mod sspi;
pub mod step;
pub mod table;
pub mod token;
pub mod token_copy;
pub mod world;
