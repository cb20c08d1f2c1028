//! SASL/SCRAM users: describe and alter (create, update, delete) credentials.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::fmt;

use libc::c_char;
use rdkafka_sys::bindings as sys;

use super::native::{ffi, ScramAlterationHandle};
use super::{
    borrowed_error, c_array, collect, invalid, name_cstring, require_some, require_unique,
    AdminClient, AdminOptions, Op,
};
use crate::consts;
use crate::error::Result;
use crate::util::cstr_lossy;

c_enum! {
    /// Python: `confluent_kafka.admin.ScramMechanism`.
    pub enum ScramMechanism (fallback Unknown) {
        /// `UNKNOWN`.
        Unknown = RD_KAFKA_SCRAM_MECHANISM_UNKNOWN => "UNKNOWN",
        /// `SCRAM_SHA_256` (parses from `SCRAM-SHA-256` too).
        ScramSha256 = RD_KAFKA_SCRAM_MECHANISM_SHA_256 => "SCRAM_SHA_256",
        /// `SCRAM_SHA_512` (parses from `SCRAM-SHA-512` too).
        ScramSha512 = RD_KAFKA_SCRAM_MECHANISM_SHA_512 => "SCRAM_SHA_512",
    }
}

/// A mechanism and its iteration count: Python's `ScramCredentialInfo(mechanism,
/// iterations)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ScramCredentialInfo {
    /// Python: `mechanism`.
    pub mechanism: ScramMechanism,
    /// Python: `iterations` (brokers require at least 4096).
    pub iterations: i32,
}

impl ScramCredentialInfo {
    /// Python: `ScramCredentialInfo(mechanism, iterations)`.
    pub fn new(mechanism: ScramMechanism, iterations: i32) -> ScramCredentialInfo {
        ScramCredentialInfo {
            mechanism,
            iterations,
        }
    }
}

/// A user's SCRAM credentials (never the secrets): Python's
/// `UserScramCredentialsDescription`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserScramCredentialsDescription {
    /// Python: `user`.
    pub user: String,
    /// Python: `scram_credential_infos`.
    pub scram_credential_infos: Vec<ScramCredentialInfo>,
}

/// A change to a user's credentials: Python's `UserScramCredentialUpsertion(user,
/// scram_credential_info, password, salt=None)` and `UserScramCredentialDeletion(user,
/// mechanism)`. `Debug` never shows the password or salt.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserScramCredentialAlteration {
    /// Python: `UserScramCredentialUpsertion`: create or replace one mechanism's credential.
    Upsertion {
        /// Python: `user`.
        user: String,
        /// Python: `scram_credential_info`.
        scram_credential_info: ScramCredentialInfo,
        /// Python: `password`.
        password: Vec<u8>,
        /// Python: `salt` (`None`: librdkafka generates a random one).
        salt: Option<Vec<u8>>,
    },
    /// Python: `UserScramCredentialDeletion`: remove one mechanism's credential.
    Deletion {
        /// Python: `user`.
        user: String,
        /// Python: `mechanism`.
        mechanism: ScramMechanism,
    },
}

impl UserScramCredentialAlteration {
    /// Python: `UserScramCredentialUpsertion(user, ScramCredentialInfo(mechanism,
    /// iterations), password)` with a random salt.
    pub fn upsertion(
        user: impl Into<String>,
        mechanism: ScramMechanism,
        iterations: i32,
        password: impl Into<Vec<u8>>,
    ) -> UserScramCredentialAlteration {
        UserScramCredentialAlteration::Upsertion {
            user: user.into(),
            scram_credential_info: ScramCredentialInfo::new(mechanism, iterations),
            password: password.into(),
            salt: None,
        }
    }

    /// Python: `UserScramCredentialDeletion(user, mechanism)`.
    pub fn deletion(
        user: impl Into<String>,
        mechanism: ScramMechanism,
    ) -> UserScramCredentialAlteration {
        UserScramCredentialAlteration::Deletion {
            user: user.into(),
            mechanism,
        }
    }

    /// Python: `alteration.user`.
    pub fn user(&self) -> &str {
        match self {
            UserScramCredentialAlteration::Upsertion { user, .. }
            | UserScramCredentialAlteration::Deletion { user, .. } => user,
        }
    }

    fn mechanism(&self) -> ScramMechanism {
        match self {
            UserScramCredentialAlteration::Upsertion {
                scram_credential_info,
                ..
            } => scram_credential_info.mechanism,
            UserScramCredentialAlteration::Deletion { mechanism, .. } => *mechanism,
        }
    }

    fn to_native(&self, op: &str) -> Result<ScramAlterationHandle> {
        let user = name_cstring(op, "user", self.user())?;
        if self.mechanism() == ScramMechanism::Unknown {
            return Err(invalid(
                op,
                format!(
                    "user {:?}: the mechanism must be SCRAM_SHA_256 or SCRAM_SHA_512",
                    self.user()
                ),
            ));
        }
        let raw = match self {
            UserScramCredentialAlteration::Upsertion {
                scram_credential_info: info,
                password,
                salt,
                ..
            } => {
                if password.is_empty() {
                    return Err(invalid(
                        op,
                        format!("user {:?}: the password must not be empty", self.user()),
                    ));
                }
                if salt.as_ref().is_some_and(Vec::is_empty) {
                    return Err(invalid(
                        op,
                        format!("user {:?}: the salt may be None but not empty", self.user()),
                    ));
                }
                if info.iterations <= 0 {
                    return Err(invalid(
                        op,
                        format!(
                            "user {:?}: iterations must be positive (got {})",
                            self.user(),
                            info.iterations
                        ),
                    ));
                }
                let (salt_ptr, salt_len) = salt
                    .as_ref()
                    .map_or((std::ptr::null(), 0), |s| (s.as_ptr(), s.len()));
                // SAFETY: user is NUL-terminated; password and salt point to their lengths in
                // bytes (salt may be null/0); all are copied. The mechanism is valid.
                unsafe {
                    ffi::scram_upsertion_new(
                        user.as_ptr(),
                        info.mechanism.raw(),
                        info.iterations,
                        password.as_ptr(),
                        password.len(),
                        salt_ptr,
                        salt_len,
                    )
                }
            }
            UserScramCredentialAlteration::Deletion { mechanism, .. } => {
                // SAFETY: user is NUL-terminated and copied; the mechanism is valid.
                unsafe { ffi::scram_deletion_new(user.as_ptr(), mechanism.raw()) }
            }
        };
        // SAFETY: null or a new object we own.
        unsafe { ScramAlterationHandle::from_raw(raw) }.ok_or_else(|| {
            invalid(
                op,
                format!("user {:?}: librdkafka refused the alteration", self.user()),
            )
        })
    }
}

impl fmt::Debug for UserScramCredentialAlteration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserScramCredentialAlteration::Upsertion {
                user,
                scram_credential_info,
                salt,
                ..
            } => f
                .debug_struct("UserScramCredentialUpsertion")
                .field("user", user)
                .field("scram_credential_info", scram_credential_info)
                .field("password", &"[redacted]")
                .field("salt", &salt.as_ref().map(|_| "[redacted]"))
                .finish(),
            UserScramCredentialAlteration::Deletion { user, mechanism } => f
                .debug_struct("UserScramCredentialDeletion")
                .field("user", user)
                .field("mechanism", mechanism)
                .finish(),
        }
    }
}

const DESCRIBE: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBEUSERSCRAMCREDENTIALS,
    event: consts::RD_KAFKA_EVENT_DESCRIBEUSERSCRAMCREDENTIALS_RESULT,
    name: "describe_user_scram_credentials",
};
const ALTER: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_ALTERUSERSCRAMCREDENTIALS,
    event: consts::RD_KAFKA_EVENT_ALTERUSERSCRAMCREDENTIALS_RESULT,
    name: "alter_user_scram_credentials",
};

impl AdminClient {
    /// Python: `describe_user_scram_credentials(users=None, request_timeout)`: each user's
    /// mechanisms and iteration counts (every user with credentials when `users` is `None`).
    /// An unknown user gets its own `RESOURCE_NOT_FOUND` error. Refused before sending: an
    /// empty list (use `None`), an empty name, a duplicate.
    pub fn describe_user_scram_credentials<S: AsRef<str>>(
        &self,
        users: Option<&[S]>,
        options: &AdminOptions,
    ) -> Result<BTreeMap<String, Result<UserScramCredentialsDescription>>> {
        let op = DESCRIBE.name;
        let names = match users {
            None => Vec::new(),
            Some(users) => {
                if users.is_empty() {
                    return Err(invalid(op, "an empty user list; pass None for all users"));
                }
                require_unique(op, "user", users.iter().map(AsRef::as_ref))?;
                users
                    .iter()
                    .map(|u| name_cstring(op, "user", u.as_ref()))
                    .collect::<Result<Vec<CString>>>()?
            }
        };
        let mut ptrs: Vec<*const c_char> = names.iter().map(|c| c.as_ptr()).collect();
        let event = self.request(DESCRIBE, options, |rk, o, q| {
            let users_ptr = if ptrs.is_empty() {
                std::ptr::null_mut()
            } else {
                ptrs.as_mut_ptr()
            };
            // SAFETY: rk, o and q are live; users_ptr is null (all users) or ptrs.len()
            // NUL-terminated strings, copied.
            unsafe { sys::rd_kafka_DescribeUserScramCredentials(rk, users_ptr, ptrs.len(), o, q) }
        })?;
        let mut n = 0;
        // SAFETY: a live DescribeUserScramCredentials result; everything is copied out; the
        // mechanism is read as an int.
        let got = unsafe {
            let res = sys::rd_kafka_event_DescribeUserScramCredentials_result(event.ptr());
            c_array(
                sys::rd_kafka_DescribeUserScramCredentials_result_descriptions(res, &mut n),
                n,
            )
            .iter()
            .map(|&d| {
                let user =
                    cstr_lossy(sys::rd_kafka_UserScramCredentialsDescription_user(d)).into_owned();
                if let Some(e) =
                    borrowed_error(sys::rd_kafka_UserScramCredentialsDescription_error(d))
                {
                    return (user, Err(e));
                }
                let infos = (0
                    ..sys::rd_kafka_UserScramCredentialsDescription_scramcredentialinfo_count(d))
                    .map(|i| {
                        sys::rd_kafka_UserScramCredentialsDescription_scramcredentialinfo(d, i)
                    })
                    .filter(|i| !i.is_null())
                    .map(|i| ScramCredentialInfo {
                        mechanism: ScramMechanism::from_raw(ffi::scram_credential_info_mechanism(
                            i,
                        )),
                        iterations: sys::rd_kafka_ScramCredentialInfo_iterations(i),
                    })
                    .collect();
                (
                    user.clone(),
                    Ok(UserScramCredentialsDescription {
                        user,
                        scram_credential_infos: infos,
                    }),
                )
            })
            .collect::<Vec<_>>()
        };
        Ok(match users {
            Some(users) => collect(op, users.iter().map(|u| u.as_ref().to_string()), got),
            None => got.into_iter().collect(),
        })
    }

    /// Python: `alter_user_scram_credentials(alterations, request_timeout)`: one result per
    /// user. Refused before sending: no alterations, an empty user, an empty password or
    /// salt, non-positive iterations, an `UNKNOWN` mechanism, the same (user, mechanism)
    /// twice.
    pub fn alter_user_scram_credentials(
        &self,
        alterations: &[UserScramCredentialAlteration],
        options: &AdminOptions,
    ) -> Result<BTreeMap<String, Result<()>>> {
        let op = ALTER.name;
        require_some(op, alterations, "alteration")?;
        require_unique(
            op,
            "(user, mechanism)",
            alterations.iter().map(|a| (a.user(), a.mechanism())),
        )?;
        let handles = alterations
            .iter()
            .map(|a| a.to_native(op))
            .collect::<Result<Vec<_>>>()?;
        let mut raw: Vec<_> = handles.iter().map(ScramAlterationHandle::ptr).collect();
        let event = self.request(ALTER, options, |rk, o, q| {
            // SAFETY: rk, o and q are live; raw holds live alterations (copied).
            unsafe {
                sys::rd_kafka_AlterUserScramCredentials(rk, raw.as_mut_ptr(), raw.len(), o, q)
            }
        })?;
        let mut n = 0;
        // SAFETY: a live AlterUserScramCredentials result; everything is copied.
        let got = unsafe {
            let res = sys::rd_kafka_event_AlterUserScramCredentials_result(event.ptr());
            c_array(
                sys::rd_kafka_AlterUserScramCredentials_result_responses(res, &mut n),
                n,
            )
            .iter()
            .map(|&r| {
                let user =
                    cstr_lossy(sys::rd_kafka_AlterUserScramCredentials_result_response_user(r))
                        .into_owned();
                let result = match borrowed_error(
                    sys::rd_kafka_AlterUserScramCredentials_result_response_error(r),
                ) {
                    Some(e) => Err(e),
                    None => Ok(()),
                };
                (user, result)
            })
            .collect()
        };
        Ok(collect(
            op,
            alterations.iter().map(|a| a.user().to_string()),
            got,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alterations_are_checked_and_redacted() {
        let op = "alter_user_scram_credentials";
        let ok = UserScramCredentialAlteration::upsertion(
            "carol",
            ScramMechanism::ScramSha256,
            4096,
            "pw-carol",
        );
        assert!(ok.to_native(op).is_ok());
        assert!(!format!("{ok:?}").contains("pw-carol"));
        assert!(
            UserScramCredentialAlteration::deletion("carol", ScramMechanism::ScramSha512)
                .to_native(op)
                .is_ok()
        );
        for (a, why) in [
            (
                UserScramCredentialAlteration::upsertion(
                    "",
                    ScramMechanism::ScramSha256,
                    4096,
                    "x",
                ),
                "user must not be empty",
            ),
            (
                UserScramCredentialAlteration::upsertion("u", ScramMechanism::ScramSha256, 0, "x"),
                "iterations must be positive",
            ),
            (
                UserScramCredentialAlteration::upsertion(
                    "u",
                    ScramMechanism::ScramSha256,
                    4096,
                    "",
                ),
                "password must not be empty",
            ),
            (
                UserScramCredentialAlteration::upsertion("u", ScramMechanism::Unknown, 4096, "x"),
                "mechanism must be",
            ),
        ] {
            let e = a.to_native(op).err().unwrap();
            assert!(e.str().contains(why), "{e}");
        }
    }
}
