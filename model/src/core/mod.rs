//! The vocabulary every family of the model shares: impersonation levels and token
//! types, the status codes calls return, the decisions a step takes with the trail that
//! collects them, and the lossless widening of 32-bit counts to positions.

pub mod decision;
pub mod error_code;
pub mod level;
pub mod widen;
