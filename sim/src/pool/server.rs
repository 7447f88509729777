//! Servers whose workers impersonate each caller: one handler, configured as the correct
//! server or as one of the deliberately wrong ones, so the ordinary tests, the loom models
//! and the middle-tier simulation all run the same code.
//!
//! A request's handler impersonates its client, opens the client's profile, runs a
//! transaction through a pooled connection, queues a continuation that calls a back end
//! as the client, and reverts. The database may choose the transaction as deadlock
//! victim (only when two requests meet there), which takes the handler's error path.

use tokenhop_model::managed::Ident;
use tokenhop_model::managed::dotnet::{FlowMode, HandOff};
use tokenhop_model::managed::exception::Exception;

use super::connections::PoolKey;
use super::event::How;
use super::process::{Pool, PoolConfig, Served};
use super::worker::{Body, Ctx};

/// The correct flows a server may be written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flow {
    /// .NET Framework, default policy (fast-flow): managed impersonation, a
    /// `QueueUserWorkItem` continuation.
    FrameworkManaged,
    /// .NET Framework with `alwaysFlowImpersonationPolicy`: impersonation by P/Invoke, a
    /// `BeginInvoke` callback.
    FrameworkAlwaysFlowPInvoke,
    /// .NET Core: `RunImpersonated` and a task continuation.
    CoreRunImpersonated,
}

impl Flow {
    /// Every flow.
    pub const ALL: [Flow; 3] = [
        Flow::FrameworkManaged,
        Flow::FrameworkAlwaysFlowPInvoke,
        Flow::CoreRunImpersonated,
    ];

    /// The runtime's flow mode.
    #[must_use]
    pub fn mode(self) -> FlowMode {
        match self {
            Flow::FrameworkManaged => FlowMode::FastFlow,
            Flow::FrameworkAlwaysFlowPInvoke => FlowMode::AlwaysFlow,
            Flow::CoreRunImpersonated => FlowMode::AsyncLocal,
        }
    }

    /// How the handler impersonates.
    #[must_use]
    pub fn impersonation(self) -> How {
        match self {
            Flow::FrameworkManaged => How::Managed,
            Flow::FrameworkAlwaysFlowPInvoke => How::PInvoke,
            Flow::CoreRunImpersonated => How::RunImpersonated,
        }
    }

    /// How the handler queues its continuation.
    #[must_use]
    pub fn continuation(self) -> HandOff {
        match self {
            Flow::FrameworkManaged => HandOff::QueueUserWorkItem,
            Flow::FrameworkAlwaysFlowPInvoke => HandOff::BeginInvoke,
            Flow::CoreRunImpersonated => HandOff::TaskContinuation,
        }
    }
}

/// The correct server and the deliberately wrong ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServerVariant {
    /// Reverts on every path, impersonates the way its runtime flows, pools connections
    /// per identity.
    Correct,
    /// Skips the revert on the error path (the deadlock victim's): its worker goes back
    /// to the pool impersonating (MRT-2). RunImpersonated reverts in its own `finally`,
    /// so this bug cannot be written with it.
    SkipRevertOnError,
    /// Impersonates by P/Invoke in a process with the default policy, which flows managed
    /// identities only: the continuation runs as the service (CLR-3).
    PInvokeUnderFastFlow,
    /// Pools connections by connection string alone: a connection opened as one client is
    /// handed to the next (MRT-3).
    SharedConnectionPool,
}

impl ServerVariant {
    /// Every variant.
    pub const ALL: [ServerVariant; 4] = [
        ServerVariant::Correct,
        ServerVariant::SkipRevertOnError,
        ServerVariant::PInvokeUnderFastFlow,
        ServerVariant::SharedConnectionPool,
    ];

    /// Its name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ServerVariant::Correct => "correct",
            ServerVariant::SkipRevertOnError => "skip-revert-on-error",
            ServerVariant::PInvokeUnderFastFlow => "pinvoke-under-fast-flow",
            ServerVariant::SharedConnectionPool => "shared-connection-pool",
        }
    }
}

/// Whose identity the handler opens its database connections under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DbIdentity {
    /// The client's, while impersonating: the database sees each client (and pools a
    /// connection per client, MRT-3).
    Client,
    /// The service's, before impersonating (a trusted subsystem).
    Service,
}

/// A server: its process configuration and what its handler does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Server {
    /// How the runtime flows identities.
    pub mode: FlowMode,
    /// How the handler impersonates its client.
    pub impersonation: How,
    /// How the handler queues its continuation, if it queues one.
    pub continuation: Option<HandOff>,
    /// Whether the handler reverts on its error path too.
    pub revert_on_error: bool,
    /// How the connection pool finds a connection to reuse.
    pub pool_key: PoolKey,
    /// Whose identity database connections are opened under.
    pub db_as: DbIdentity,
    /// Whether overlapping transactions deadlock.
    pub deadlocks: bool,
    /// How the listener queues requests: `UnsafeQueueUserWorkItem`, as I/O completions
    /// carry no context, so a request starts with whatever token its worker has.
    pub request_hand_off: HandOff,
}

impl Server {
    /// The server `variant` written for `flow` (a variant's own flow, where it has one,
    /// wins: [`ServerVariant::PInvokeUnderFastFlow`] always runs fast-flow and P/Invoke).
    #[must_use]
    pub fn new(variant: ServerVariant, flow: Flow) -> Server {
        let mut server = Server {
            mode: flow.mode(),
            impersonation: flow.impersonation(),
            continuation: Some(flow.continuation()),
            revert_on_error: true,
            pool_key: PoolKey::StringAndIdentity,
            db_as: DbIdentity::Client,
            deadlocks: true,
            request_hand_off: HandOff::UnsafeQueueUserWorkItem,
        };
        match variant {
            ServerVariant::Correct => {}
            ServerVariant::SkipRevertOnError => server.revert_on_error = false,
            ServerVariant::PInvokeUnderFastFlow => {
                server.mode = FlowMode::FastFlow;
                server.impersonation = How::PInvoke;
            }
            ServerVariant::SharedConnectionPool => server.pool_key = PoolKey::StringOnly,
        }
        server
    }

    /// A middle tier for the scaling simulation: managed impersonation, no continuation,
    /// no deadlocks, connections opened as each client or as the service.
    #[must_use]
    pub fn middle_tier(per_client_identity: bool) -> Server {
        Server {
            continuation: None,
            deadlocks: false,
            db_as: if per_client_identity {
                DbIdentity::Client
            } else {
                DbIdentity::Service
            },
            ..Server::new(ServerVariant::Correct, Flow::FrameworkManaged)
        }
    }

    /// The process configuration it runs in.
    #[must_use]
    pub fn pool_config(&self) -> PoolConfig {
        PoolConfig {
            mode: self.mode,
            pool_key: self.pool_key,
            deadlocks: self.deadlocks,
        }
    }

    /// Serves one request for each entry of `requests` (a client's identity, from 1), in
    /// that order, on `workers` worker threads.
    #[must_use]
    pub fn serve(self, workers: usize, requests: &[Ident]) -> Served {
        let mut pool = Pool::new(self.pool_config());
        for &client in requests {
            pool.submit(client, self.request_hand_off, self.request());
        }
        pool.run(workers)
    }

    /// The body of a request.
    #[must_use]
    pub fn request(self) -> Body {
        Box::new(move |ctx| self.handle(ctx))
    }

    fn handle(self, ctx: &mut Ctx<'_>) {
        if self.db_as == DbIdentity::Service && transaction(ctx, None).is_err() {
            return; // nothing impersonated yet, nothing to revert
        }
        match self.impersonation {
            How::RunImpersonated => {
                // RunImpersonated reverts in its finally, error or not; its own failure
                // is recorded.
                let _ = ctx.run_impersonated(|ctx| self.as_client(ctx));
            }
            How::PInvoke => {
                ctx.pinvoke_impersonate();
                if self.as_client(ctx).is_err() && !self.revert_on_error {
                    return;
                }
                ctx.pinvoke_revert();
            }
            How::Managed | How::Flowed => {
                let impersonation = ctx.impersonate_client();
                if self.as_client(ctx).is_err() && !self.revert_on_error {
                    return;
                }
                ctx.undo(impersonation);
            }
        }
    }

    /// What the handler does as its client.
    fn as_client(self, ctx: &mut Ctx<'_>) -> Result<(), Exception> {
        ctx.access("profile");
        if self.db_as == DbIdentity::Client {
            let client = ctx.client();
            transaction(ctx, Some(client))?;
        }
        if let Some(hand_off) = self.continuation {
            ctx.queue_continuation(hand_off, Box::new(|ctx| ctx.outbound_call("backend")));
        }
        Ok(())
    }
}

/// A transaction through a pooled connection, which the database is meant to see as
/// `meant`; the connection goes back to the pool whatever happens.
fn transaction(ctx: &mut Ctx<'_>, meant: Option<Ident>) -> Result<(), Exception> {
    let connection = ctx.open_connection();
    let result = ctx.query(connection, meant);
    ctx.close_connection(connection);
    result
}
