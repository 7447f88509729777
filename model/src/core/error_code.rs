//! The status codes APIs return: Win32 error codes, RPC statuses and SSPI
//! SECURITY_STATUS values (SEC_I_* are successes a call reports alongside its result),
//! each with its symbol and numeric value.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($($variant:ident = $code:literal;)*) => {
        /// A failure status an API returns (or leaves in `GetLastError`).
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum ErrorCode {
            $(
                #[doc = stringify!($variant)]
                $variant,
            )*
        }

        impl ErrorCode {
            /// Every code the model knows.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The symbol (`ERROR_BAD_IMPERSONATION_LEVEL`).
            #[must_use]
            pub fn symbol(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => stringify!($variant),)*
                }
            }

            /// The numeric value.
            #[must_use]
            pub fn code(self) -> u32 {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }
        }
    };
}

error_codes! {
    ERROR_INVALID_FUNCTION = 1;
    ERROR_FILE_NOT_FOUND = 2;
    ERROR_ACCESS_DENIED = 5;
    ERROR_INVALID_HANDLE = 6;
    ERROR_NOT_SUPPORTED = 50;
    ERROR_INVALID_PARAMETER = 87;
    ERROR_BROKEN_PIPE = 109;
    ERROR_PIPE_BUSY = 231;
    ERROR_NO_DATA = 232;
    ERROR_PIPE_NOT_CONNECTED = 233;
    ERROR_PIPE_CONNECTED = 535;
    ERROR_PIPE_LISTENING = 536;
    ERROR_NO_TOKEN = 1008;
    ERROR_NOT_ALL_ASSIGNED = 1300;
    ERROR_INVALID_OWNER = 1307;
    ERROR_NO_IMPERSONATION_TOKEN = 1309;
    ERROR_NO_SUCH_LOGON_SESSION = 1312;
    ERROR_NO_SUCH_PRIVILEGE = 1313;
    ERROR_PRIVILEGE_NOT_HELD = 1314;
    ERROR_LOGON_FAILURE = 1326;
    ERROR_ACCOUNT_RESTRICTION = 1327;
    ERROR_ACCOUNT_DISABLED = 1331;
    ERROR_BAD_IMPERSONATION_LEVEL = 1346;
    ERROR_CANT_OPEN_ANONYMOUS = 1347;
    ERROR_BAD_TOKEN_TYPE = 1349;
    ERROR_GENERIC_NOT_MAPPED = 1360;
    ERROR_CANNOT_IMPERSONATE = 1368;
    ERROR_TOKEN_ALREADY_IN_USE = 1375;
    ERROR_LOGON_TYPE_NOT_GRANTED = 1385;
    ERROR_NO_SYSTEM_RESOURCES = 1450;
    RPC_S_WRONG_KIND_OF_BINDING = 1701;
    RPC_S_INVALID_BINDING = 1702;
    RPC_S_INVALID_ENDPOINT_FORMAT = 1706;
    RPC_S_CANT_CREATE_ENDPOINT = 1720;
    RPC_S_SERVER_UNAVAILABLE = 1722;
    RPC_S_NO_CALL_ACTIVE = 1725;
    RPC_S_DUPLICATE_ENDPOINT = 1740;
    RPC_S_BINDING_HAS_NO_AUTH = 1746;
    RPC_S_UNKNOWN_AUTHN_SERVICE = 1747;
    RPC_S_UNKNOWN_AUTHN_LEVEL = 1748;
    RPC_S_CANNOT_SUPPORT = 1764;
    RPC_S_NO_CONTEXT_AVAILABLE = 1765;
    RPC_S_SEC_PKG_ERROR = 1825;
    S_FALSE = 1;
    SEC_I_CONTINUE_NEEDED = 0x0009_0312;
    E_NOINTERFACE = 0x8000_4002;
    E_FAIL = 0x8000_4005;
    REGDB_E_CLASSNOTREG = 0x8004_0154;
    CO_E_NOTINITIALIZED = 0x8004_01F0;
    CONTEXT_E_ROLENOTFOUND = 0x8004_E00C;
    RPC_E_CHANGED_MODE = 0x8001_0106;
    RPC_E_CALL_COMPLETE = 0x8001_0117;
    RPC_E_UNSECURE_CALL = 0x8001_0118;
    RPC_E_TOO_LATE = 0x8001_0119;
    RPC_E_ACCESS_DENIED = 0x8001_011B;
    RPC_E_NO_CONTEXT = 0x8001_011E;
    SEC_E_INSUFFICIENT_MEMORY = 0x8009_0300;
    SEC_E_INVALID_HANDLE = 0x8009_0301;
    SEC_E_UNSUPPORTED_FUNCTION = 0x8009_0302;
    SEC_E_SECPKG_NOT_FOUND = 0x8009_0305;
    SEC_E_INVALID_TOKEN = 0x8009_0308;
    SEC_E_NO_IMPERSONATION = 0x8009_030B;
    SEC_E_LOGON_DENIED = 0x8009_030C;
    SEC_E_NO_CREDENTIALS = 0x8009_030E;
    SEC_E_NO_AUTHENTICATING_AUTHORITY = 0x8009_0311;
}

/// Other headers' names for the same code (`RPC_S_ACCESS_DENIED` is `ERROR_ACCESS_DENIED`
/// in rpcnterr.h).
/// FACILITY_WIN32 HRESULTs are reported as their Win32 code, so `E_ACCESSDENIED`
/// (HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)) is `ERROR_ACCESS_DENIED`.
pub const ALIASES: &[(&str, ErrorCode)] = &[
    ("RPC_S_ACCESS_DENIED", ErrorCode::ERROR_ACCESS_DENIED),
    ("E_ACCESSDENIED", ErrorCode::ERROR_ACCESS_DENIED),
    ("E_INVALIDARG", ErrorCode::ERROR_INVALID_PARAMETER),
];

impl ErrorCode {
    /// Looks a code up by symbol.
    #[must_use]
    pub fn from_symbol(symbol: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|e| e.symbol() == symbol)
            .or_else(|| {
                ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == symbol)
                    .map(|(_, code)| *code)
            })
    }
}

impl ErrorCode {
    /// Whether this is a success status a call returns along with its result
    /// (`SEC_I_CONTINUE_NEEDED`): an HRESULT-shaped value with the severity bit clear.
    #[must_use]
    pub fn is_informational(self) -> bool {
        self == ErrorCode::S_FALSE || (self.code() > 0xFFFF && self.code() & 0x8000_0000 == 0)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code() > 0xFFFF {
            write!(f, "{} ({:#010X})", self.symbol(), self.code())
        } else {
            write!(f, "{} ({})", self.symbol(), self.code())
        }
    }
}
