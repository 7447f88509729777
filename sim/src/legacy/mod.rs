//! The old path, kept beside the new one until a differential test has shown they agree:
//! steps decoded again on every run, against each loop's own scope.

pub mod calls;
pub mod com_calls;
pub mod interpret;
pub mod rpc_calls;
pub mod scope;
pub mod sspi_calls;
