//! The actions of a managed runtime: every call a .NET program makes on one of its threads
//! and every T-SQL statement or call of CLR code in SQL Server, each one operation of the
//! documented API. An action that creates an object names the id it binds it to.

use super::Ident;
use super::dotnet::{Carried, HandOff};
use super::ids::{
    AssemblyId, CallId, ContextId, ControlId, HandleId, IdentityId, ItemId, ResourceId, ScopeId,
    SessionId, SqlConnectionId, SqlContextId, ThreadId,
};
use super::sql::{ClrThread, DatabaseId, LoginId, PermissionSet, TableId};

/// Where the identity CLR code impersonates comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WindowsIdentitySource {
    /// A WindowsIdentity value an earlier SqlContext.WindowsIdentity returned.
    Value(IdentityId),
    /// SqlContext.WindowsIdentity read in the same expression
    /// (`SqlContext.WindowsIdentity.Impersonate()`).
    SqlContext,
}

/// One call or statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// The process starts: the runtime reads its flow settings (CLR-1, CLR-3..7, CLR-12,
    /// CLR-15, OQD-7).
    Start,
    /// WindowsIdentity.Impersonate (.NET Framework).
    Impersonate {
        /// The calling thread.
        thread: ThreadId,
        /// Whom to impersonate.
        identity: Ident,
        /// Binds the WindowsImpersonationContext it returns.
        context: ContextId,
    },
    /// WindowsImpersonationContext.Undo.
    Undo {
        /// The calling thread.
        thread: ThreadId,
        /// The context.
        context: ContextId,
    },
    /// ImpersonateLoggedOnUser by P/Invoke.
    PinvokeImpersonate {
        /// The calling thread.
        thread: ThreadId,
        /// Whom to impersonate.
        identity: Ident,
    },
    /// RevertToSelf by P/Invoke.
    PinvokeRevert {
        /// The calling thread.
        thread: ThreadId,
    },
    /// A token handle for an identity (LogonUser, or a WindowsIdentity's AccessToken).
    OpenToken {
        /// The calling thread.
        thread: ThreadId,
        /// Whose token.
        identity: Ident,
        /// Binds the handle.
        handle: HandleId,
    },
    /// SafeAccessTokenHandle.Dispose.
    Dispose {
        /// The calling thread.
        thread: ThreadId,
        /// The handle.
        handle: HandleId,
    },
    /// WindowsIdentity.RunImpersonated: enters its delegate.
    RunImpersonated {
        /// The calling thread.
        thread: ThreadId,
        /// The token handle.
        handle: HandleId,
        /// Binds the delegate's scope.
        scope: ScopeId,
    },
    /// The RunImpersonated delegate returns.
    End {
        /// The calling thread.
        thread: ThreadId,
        /// The scope.
        scope: ScopeId,
    },
    /// ExecutionContext.SuppressFlow.
    SuppressFlow {
        /// The calling thread.
        thread: ThreadId,
        /// Binds the AsyncFlowControl it returns.
        control: ControlId,
    },
    /// SecurityContext.SuppressFlowWindowsIdentity.
    SuppressIdentityFlow {
        /// The calling thread.
        thread: ThreadId,
        /// Binds the AsyncFlowControl it returns.
        control: ControlId,
    },
    /// SecurityContext.SuppressFlow.
    SuppressSecurityFlow {
        /// The calling thread.
        thread: ThreadId,
        /// Binds the AsyncFlowControl it returns.
        control: ControlId,
    },
    /// AsyncFlowControl.Undo.
    RestoreFlow {
        /// The calling thread.
        thread: ThreadId,
        /// The control.
        control: ControlId,
    },
    /// An asynchronous hand-off: a work item is queued with what the hand-off captures.
    Queue {
        /// The queuing thread.
        thread: ThreadId,
        /// How.
        hand_off: HandOff,
        /// Binds the work item.
        item: ItemId,
    },
    /// What a hand-off made now would capture (ExecutionContext.Capture, for a program
    /// that carries the context to another thread itself).
    Capture {
        /// The capturing thread.
        thread: ThreadId,
        /// How the work will be handed off.
        hand_off: HandOff,
    },
    /// A thread starts running a queued work item.
    Run {
        /// The thread.
        thread: ThreadId,
        /// The item.
        item: ItemId,
    },
    /// A thread starts running a work item whose context was captured elsewhere
    /// (ExecutionContext.Run with a context [`Action::Capture`] returned).
    RunCaptured {
        /// The thread.
        thread: ThreadId,
        /// Binds the work item.
        item: ItemId,
        /// The captured context.
        context: Carried,
    },
    /// The work item returns; its thread goes back to the pool.
    Finish {
        /// The thread.
        thread: ThreadId,
        /// The item.
        item: ItemId,
    },
    /// Whom the thread runs as.
    Whoami {
        /// The thread.
        thread: ThreadId,
    },
    /// The thread opens a resource.
    Access {
        /// The thread.
        thread: ThreadId,
        /// The resource.
        resource: ResourceId,
    },
    /// SqlConnection.Open from the pool, under the thread's identity.
    OpenConnection {
        /// The thread.
        thread: ThreadId,
        /// Binds the connection.
        connection: SqlConnectionId,
    },
    /// SqlConnection.Close: back to the pool.
    CloseConnection {
        /// The thread.
        thread: ThreadId,
        /// The connection.
        connection: SqlConnectionId,
    },
    /// A client connects to SQL Server as a login.
    Connect {
        /// The login.
        login: LoginId,
        /// Binds the session.
        session: SessionId,
    },
    /// CREATE ASSEMBLY.
    CreateAssembly {
        /// The session.
        session: SessionId,
        /// The database.
        database: DatabaseId,
        /// PERMISSION_SET.
        set: PermissionSet,
        /// The login its signature maps to.
        signer: Option<LoginId>,
        /// Binds the assembly.
        assembly: AssemblyId,
    },
    /// EXECUTE AS LOGIN, or EXECUTE AS USER in a database.
    ExecuteAs {
        /// The session.
        session: SessionId,
        /// The login (or the user's login).
        login: LoginId,
        /// For a user, its database.
        database: Option<DatabaseId>,
    },
    /// REVERT.
    Revert {
        /// The session.
        session: SessionId,
    },
    /// ALTER DATABASE ... SET TRUSTWORTHY.
    AlterDatabase {
        /// The database.
        database: DatabaseId,
        /// ON or OFF.
        trustworthy: bool,
    },
    /// A T-SQL statement enters a CLR routine of an assembly.
    Enter {
        /// The session.
        session: SessionId,
        /// The assembly.
        assembly: AssemblyId,
        /// Binds the routine call.
        call: CallId,
    },
    /// SqlContext.WindowsIdentity.
    WindowsIdentity {
        /// The routine call.
        call: CallId,
        /// Binds the value.
        identity: IdentityId,
    },
    /// WindowsIdentity.Impersonate in CLR code.
    SqlImpersonate {
        /// The routine call.
        call: CallId,
        /// The routine's thread that calls it.
        thread: ClrThread,
        /// The identity.
        identity: WindowsIdentitySource,
        /// Binds the WindowsImpersonationContext it returns.
        context: SqlContextId,
    },
    /// WindowsImpersonationContext.Undo in CLR code.
    SqlUndo {
        /// The routine's thread that calls it.
        thread: ClrThread,
        /// The context.
        context: SqlContextId,
    },
    /// A query on the context connection.
    ContextQuery {
        /// The routine call.
        call: CallId,
        /// The routine's thread that makes it.
        thread: ClrThread,
        /// The table.
        table: TableId,
    },
    /// An external resource opened from a routine.
    ExternalAccess {
        /// The routine call.
        call: CallId,
        /// The routine's thread that opens it.
        thread: ClrThread,
        /// The resource.
        resource: ResourceId,
    },
    /// A routine starts a thread.
    StartThread {
        /// The routine call.
        call: CallId,
    },
    /// A routine calls unmanaged code.
    Unmanaged {
        /// The routine call.
        call: CallId,
    },
}
