//! The vocabulary every family of the model shares: impersonation levels and token
//! types, the status codes calls return, and the decisions a step takes with the trail
//! that collects them.

pub mod decision;
pub mod error_code;
pub mod level;
