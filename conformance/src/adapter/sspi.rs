//! The SSPI calls, one function each, for a loopback handshake inside the adapter's process:
//! a context's output token is kept with it, and the peer's next call takes it as input
//! (the script names the peer context as `input`). Statuses are SECURITY_STATUS values;
//! SEC_I_* are successes reported with their symbol, as the model reports them.

use serde_json::Value as Json;
use tokenhop_model::World;
use tokenhop_model::core::widen::usize_of;
use tokenhop_model::machine::action::{AuthData, ContextRef, CredentialsRef};
use tokenhop_model::machine::outcome::{Field, Value};
use tokenhop_model::machine::sspi::{CredentialUse, asc, flag_names, isc, secpkg_flag};
use tokenhop_sim::trace::value_json;
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Security::Authentication::Identity::{
    AcceptSecurityContext, AcquireCredentialsHandleW, DeleteSecurityContext, FreeContextBuffer,
    FreeCredentialsHandle, ImpersonateSecurityContext, InitializeSecurityContextW,
    QuerySecurityContextToken, QuerySecurityPackageInfoW, RevertSecurityContext, SecBuffer,
    SecBufferDesc, SecPkgInfoW,
};
use windows_sys::Win32::Security::Credentials::SecHandle;

use super::Shared;
use super::names::{from_wide_ptr, wide};
use crate::host::{Observed, Skip};

/// One security context of the script: its handle and the token it last produced.
pub struct Context {
    handle: SecHandle,
    output: Vec<u8>,
}

/// `SEC_WINNT_AUTH_IDENTITY_W`.
#[repr(C)]
struct AuthIdentity {
    user: *const u16,
    user_length: u32,
    domain: *const u16,
    domain_length: u32,
    password: *const u16,
    password_length: u32,
    flags: u32,
}

const SECBUFFER_TOKEN: u32 = 2;
const SECBUFFER_VERSION: u32 = 0;
const SECURITY_NATIVE_DREP: u32 = 0x10;
const SEC_WINNT_AUTH_IDENTITY_UNICODE: u32 = 2;
const MAX_TOKEN_BYTES: u32 = 48 * 1024;
const MAX_TOKEN: usize = usize_of(MAX_TOKEN_BYTES);

/// The outcome of a call that returned a SECURITY_STATUS.
fn status(code: i32) -> Observed {
    Observed {
        ok: code >= 0,
        code: code as u32,
        value: Json::Null,
        created: None,
        object: None,
        symbol: None,
    }
}

fn credentials(shared: &Shared, c: CredentialsRef) -> Option<SecHandle> {
    c.and_then(|id| shared.credentials.get(id.index()).copied())
}

fn context(shared: &Shared, c: ContextRef) -> Option<SecHandle> {
    c.and_then(|id| shared.contexts.get(id.index()).map(|c| c.handle))
}

fn as_ptr(h: &Option<SecHandle>) -> *const SecHandle {
    h.as_ref()
        .map_or(std::ptr::null(), |h| h as *const SecHandle)
}

/// `QuerySecurityPackageInfo(pszPackageName, &ppPackageInfo)`.
pub fn query_security_package_info(package: &str) -> Result<Observed, Skip> {
    let name = wide(package);
    let mut info: *mut SecPkgInfoW = std::ptr::null_mut();
    // SAFETY: a NUL-terminated name; the returned buffer is freed with FreeContextBuffer.
    let code = unsafe { QuerySecurityPackageInfoW(name.as_ptr(), &mut info) };
    let mut o = status(code);
    if code == 0 && !info.is_null() {
        // SAFETY: the package information the call returned.
        unsafe {
            let i = &*info;
            o.value = value_json(&Value::Record(vec![
                ("Name", Field::Text(from_wide_ptr(i.Name).into())),
                ("Comment", Field::Text(from_wide_ptr(i.Comment).into())),
                (
                    "Capabilities",
                    Field::Flags(flag_names(i.fCapabilities, secpkg_flag::NAMES)),
                ),
                ("RPCID", Field::Number(u64::from(i.wRPCID))),
                ("MaxToken", Field::Number(u64::from(i.cbMaxToken))),
            ]));
            FreeContextBuffer(info.cast());
        }
    }
    Ok(o)
}

/// `AcquireCredentialsHandle(NULL, pszPackage, fCredentialUse, NULL, pAuthData, ...)`.
pub fn acquire_credentials_handle(
    world: &World,
    shared: &mut Shared,
    package: &str,
    use_: CredentialUse,
    auth: &AuthData,
) -> Result<Observed, Skip> {
    let number = super::dword::next(&shared.credentials, "credentials handles")?;
    let package_w = wide(package);
    let raw_use = match use_ {
        CredentialUse::Inbound => 1,
        CredentialUse::Outbound => 2,
        CredentialUse::Both => 3,
    };
    let (user_w, domain_w, password_w);
    let identity = match auth {
        AuthData::Current => None,
        AuthData::Explicit {
            user,
            name,
            password,
        } => {
            if let Some(user) = user {
                shared.names.sid_of(world, *user)?;
            }
            user_w = wide(name);
            domain_w = wide(".");
            password_w = wide(password);
            Some(AuthIdentity {
                user: user_w.as_ptr(),
                user_length: super::dword::count(user_w.len() - 1, "the user name's length")?,
                domain: domain_w.as_ptr(),
                domain_length: 1,
                password: password_w.as_ptr(),
                password_length: super::dword::count(
                    password_w.len() - 1,
                    "the password's length",
                )?,
                flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
            })
        }
        AuthData::Certificate(_) => {
            return Err(Skip(
                "the adapter does not pass Schannel certificates".to_owned(),
            ));
        }
    };
    let mut handle = SecHandle {
        dwLower: 0,
        dwUpper: 0,
    };
    let mut expiry = 0i64;
    // SAFETY: NUL-terminated strings and an identity that outlive the call.
    let code = unsafe {
        AcquireCredentialsHandleW(
            std::ptr::null(),
            package_w.as_ptr(),
            raw_use,
            std::ptr::null(),
            identity
                .as_ref()
                .map_or(std::ptr::null(), |i| (i as *const AuthIdentity).cast()),
            None,
            std::ptr::null(),
            &mut handle,
            &mut expiry,
        )
    };
    let mut o = status(code);
    if code >= 0 {
        shared.credentials.push(handle);
        o.created = Some(number);
    }
    Ok(o)
}

/// `FreeCredentialsHandle(phCredential)`.
pub fn free_credentials_handle(shared: &mut Shared, c: CredentialsRef) -> Result<Observed, Skip> {
    let h = credentials(shared, c);
    // SAFETY: a credentials handle the script acquired, or NULL.
    Ok(status(unsafe { FreeCredentialsHandle(as_ptr(&h)) }))
}

/// Which side of a handshake a call is.
#[derive(Clone, Copy)]
pub enum Side {
    /// InitializeSecurityContext.
    Client,
    /// AcceptSecurityContext.
    Server,
}

/// `InitializeSecurityContext` or `AcceptSecurityContext`: one leg of the handshake.
pub fn handshake(
    shared: &mut Shared,
    side: Side,
    c: CredentialsRef,
    existing: ContextRef,
    input: Option<ContextRef>,
    flags: u32,
) -> Result<Observed, Skip> {
    let cred = credentials(shared, c);
    let own = context(shared, existing);
    // The number a new context gets (none when the step continues one).
    let number = match existing {
        Some(_) => None,
        None => Some(super::dword::next(&shared.contexts, "security contexts")?),
    };
    let mut input_token: Vec<u8> = input
        .flatten()
        .and_then(|peer| shared.contexts.get(peer.index()))
        .map(|peer| peer.output.clone())
        .unwrap_or_default();
    let mut input_buffer = SecBuffer {
        cbBuffer: super::dword::count(input_token.len(), "the peer's token")?,
        BufferType: SECBUFFER_TOKEN,
        pvBuffer: input_token.as_mut_ptr().cast(),
    };
    let input_desc = SecBufferDesc {
        ulVersion: SECBUFFER_VERSION,
        cBuffers: 1,
        pBuffers: &mut input_buffer,
    };
    let mut output_token = vec![0u8; MAX_TOKEN];
    let mut output_buffer = SecBuffer {
        cbBuffer: MAX_TOKEN_BYTES,
        BufferType: SECBUFFER_TOKEN,
        pvBuffer: output_token.as_mut_ptr().cast(),
    };
    let mut output_desc = SecBufferDesc {
        ulVersion: SECBUFFER_VERSION,
        cBuffers: 1,
        pBuffers: &mut output_buffer,
    };
    let mut new = own.unwrap_or(SecHandle {
        dwLower: 0,
        dwUpper: 0,
    });
    let mut attributes = 0u32;
    let mut expiry = 0i64;
    let input_ptr = if input.is_some() {
        &input_desc as *const SecBufferDesc
    } else {
        std::ptr::null()
    };
    // SAFETY: handles the script acquired (or NULL), buffers that outlive the call.
    let code = unsafe {
        match side {
            Side::Client => InitializeSecurityContextW(
                as_ptr(&cred),
                as_ptr(&own),
                std::ptr::null(),
                flags,
                0,
                SECURITY_NATIVE_DREP,
                input_ptr,
                0,
                &mut new,
                &mut output_desc,
                &mut attributes,
                &mut expiry,
            ),
            Side::Server => AcceptSecurityContext(
                as_ptr(&cred),
                as_ptr(&own),
                input_ptr,
                flags,
                SECURITY_NATIVE_DREP,
                &mut new,
                &mut output_desc,
                &mut attributes,
                &mut expiry,
            ),
        }
    };
    let mut o = status(code);
    if code >= 0 {
        output_token.truncate(output_buffer.cbBuffer as usize);
        match existing {
            Some(id) => {
                if let Some(ctx) = shared.contexts.get_mut(id.index()) {
                    ctx.handle = new;
                    ctx.output = output_token;
                }
            }
            None => {
                shared.contexts.push(Context {
                    handle: new,
                    output: output_token,
                });
                o.created = number;
            }
        }
        if code == 0 {
            let table = match side {
                Side::Client => isc::RET_NAMES,
                Side::Server => asc::RET_NAMES,
            };
            o.value = value_json(&Value::Record(vec![(
                "ContextAttr",
                Field::Flags(flag_names(attributes, table)),
            )]));
        }
    }
    Ok(o)
}

/// `ImpersonateSecurityContext(phContext)`.
pub fn impersonate_security_context(shared: &mut Shared, c: ContextRef) -> Result<Observed, Skip> {
    let h = context(shared, c);
    // SAFETY: a context handle of the script, or NULL.
    Ok(status(unsafe { ImpersonateSecurityContext(as_ptr(&h)) }))
}

/// `RevertSecurityContext(phContext)`.
pub fn revert_security_context(shared: &mut Shared, c: ContextRef) -> Result<Observed, Skip> {
    let h = context(shared, c);
    // SAFETY: a context handle of the script, or NULL.
    Ok(status(unsafe { RevertSecurityContext(as_ptr(&h)) }))
}

/// `QuerySecurityContextToken(phContext, &Token)`: the token joins the script's handles.
pub fn query_security_context_token(shared: &mut Shared, c: ContextRef) -> Result<Observed, Skip> {
    let h = context(shared, c);
    let number = super::dword::next(&shared.handles, "handles")?;
    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: a context handle of the script, or NULL, and an out handle.
    let code = unsafe { QuerySecurityContextToken(as_ptr(&h), &mut token) };
    let mut o = status(code);
    if code >= 0 {
        shared.handles.push(token as usize);
        o.created = Some(number);
    }
    Ok(o)
}

/// `DeleteSecurityContext(phContext)`.
pub fn delete_security_context(shared: &mut Shared, c: ContextRef) -> Result<Observed, Skip> {
    let h = context(shared, c);
    // SAFETY: a context handle of the script, or NULL.
    Ok(status(unsafe { DeleteSecurityContext(as_ptr(&h)) }))
}
