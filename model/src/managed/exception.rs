//! The exceptions the managed runtimes throw where a script misuses them, named as .NET
//! and SQL Server name them.

use std::fmt;

/// An exception a managed call throws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exception {
    /// `System.InvalidOperationException`, with the runtime's reason.
    InvalidOperation(&'static str),
    /// `System.PlatformNotSupportedException`.
    PlatformNotSupported(&'static str),
    /// `System.ObjectDisposedException` ("Safe handle has been closed").
    ObjectDisposed,
    /// `System.NullReferenceException`: a member called on a null reference.
    NullReference(&'static str),
    /// `System.Security.SecurityException`: code access security refused the demand.
    Security(&'static str),
    /// `System.Security.HostProtectionException`: the host forbids the operation.
    HostProtection(&'static str),
    /// `System.UnauthorizedAccessException`: the operating system denied access.
    UnauthorizedAccess,
    /// A refusal the documents state without naming the exception thrown.
    Unnamed(&'static str),
    /// `System.Data.SqlClient.SqlException` with SQL Server's message number.
    Sql(u32, &'static str),
}

impl Exception {
    /// The exception's .NET type name (or `Msg N` for a SQL Server error).
    #[must_use]
    pub fn name(self) -> String {
        match self {
            Exception::InvalidOperation(_) => "System.InvalidOperationException".into(),
            Exception::PlatformNotSupported(_) => "System.PlatformNotSupportedException".into(),
            Exception::ObjectDisposed => "System.ObjectDisposedException".into(),
            Exception::NullReference(_) => "System.NullReferenceException".into(),
            Exception::Security(_) => "System.Security.SecurityException".into(),
            Exception::HostProtection(_) => "System.Security.HostProtectionException".into(),
            Exception::UnauthorizedAccess => "System.UnauthorizedAccessException".into(),
            Exception::Unnamed(_) => "refused (the documents do not name the exception)".into(),
            Exception::Sql(n, _) => format!("Msg {n}"),
        }
    }

    /// Why it was thrown.
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            Exception::InvalidOperation(r)
            | Exception::PlatformNotSupported(r)
            | Exception::NullReference(r)
            | Exception::Security(r)
            | Exception::HostProtection(r)
            | Exception::Unnamed(r)
            | Exception::Sql(_, r) => r,
            Exception::ObjectDisposed => "Safe handle has been closed",
            Exception::UnauthorizedAccess => "access to the resource is denied",
        }
    }
}

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name(), self.reason())
    }
}
