//! The status codes APIs return: Win32 error codes (and, as transports arrive, RPC and
//! SSPI statuses), each with its symbol and numeric value.

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
    ERROR_ACCESS_DENIED = 5;
    ERROR_INVALID_HANDLE = 6;
    ERROR_NOT_SUPPORTED = 50;
    ERROR_INVALID_PARAMETER = 87;
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
}

impl ErrorCode {
    /// Looks a code up by symbol.
    #[must_use]
    pub fn from_symbol(symbol: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|e| e.symbol() == symbol)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.symbol(), self.code())
    }
}
