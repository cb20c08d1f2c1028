//! ACLs: create, describe and delete ACL bindings.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::fmt;

use libc::c_char;
use rdkafka_sys::bindings as sys;

use super::native::{ffi, AclBindingHandle};
use super::{
    borrowed_error, c_array, collect, invalid, invalid_from_errbuf, opt_string, require_some,
    require_unique, AdminClient, AdminOptions, Op, ResourceType,
};
use crate::consts;
use crate::error::Result;
use crate::error::cstring;

c_enum! {
    /// Python: `confluent_kafka.admin.ResourcePatternType`.
    pub enum ResourcePatternType (fallback Unknown) {
        /// `UNKNOWN`.
        Unknown = RD_KAFKA_RESOURCE_PATTERN_UNKNOWN => "UNKNOWN",
        /// `ANY`: matches any pattern type (filters only).
        Any = RD_KAFKA_RESOURCE_PATTERN_ANY => "ANY",
        /// `MATCH`: pattern matching (filters only).
        Match = RD_KAFKA_RESOURCE_PATTERN_MATCH => "MATCH",
        /// `LITERAL`: the exact resource name.
        Literal = RD_KAFKA_RESOURCE_PATTERN_LITERAL => "LITERAL",
        /// `PREFIXED`: names starting with the resource name.
        Prefixed = RD_KAFKA_RESOURCE_PATTERN_PREFIXED => "PREFIXED",
    }
}

c_enum! {
    /// Python: `confluent_kafka.admin.AclOperation`.
    pub enum AclOperation (fallback Unknown) {
        /// `UNKNOWN`.
        Unknown = RD_KAFKA_ACL_OPERATION_UNKNOWN => "UNKNOWN",
        /// `ANY`: matches any operation (filters only).
        Any = RD_KAFKA_ACL_OPERATION_ANY => "ANY",
        /// `ALL`.
        All = RD_KAFKA_ACL_OPERATION_ALL => "ALL",
        /// `READ`.
        Read = RD_KAFKA_ACL_OPERATION_READ => "READ",
        /// `WRITE`.
        Write = RD_KAFKA_ACL_OPERATION_WRITE => "WRITE",
        /// `CREATE`.
        Create = RD_KAFKA_ACL_OPERATION_CREATE => "CREATE",
        /// `DELETE`.
        Delete = RD_KAFKA_ACL_OPERATION_DELETE => "DELETE",
        /// `ALTER`.
        Alter = RD_KAFKA_ACL_OPERATION_ALTER => "ALTER",
        /// `DESCRIBE`.
        Describe = RD_KAFKA_ACL_OPERATION_DESCRIBE => "DESCRIBE",
        /// `CLUSTER_ACTION`.
        ClusterAction = RD_KAFKA_ACL_OPERATION_CLUSTER_ACTION => "CLUSTER_ACTION",
        /// `DESCRIBE_CONFIGS`.
        DescribeConfigs = RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS => "DESCRIBE_CONFIGS",
        /// `ALTER_CONFIGS`.
        AlterConfigs = RD_KAFKA_ACL_OPERATION_ALTER_CONFIGS => "ALTER_CONFIGS",
        /// `IDEMPOTENT_WRITE`.
        IdempotentWrite = RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE => "IDEMPOTENT_WRITE",
    }
}

c_enum! {
    /// Python: `confluent_kafka.admin.AclPermissionType`.
    pub enum AclPermissionType (fallback Unknown) {
        /// `UNKNOWN`.
        Unknown = RD_KAFKA_ACL_PERMISSION_TYPE_UNKNOWN => "UNKNOWN",
        /// `ANY`: matches any permission (filters only).
        Any = RD_KAFKA_ACL_PERMISSION_TYPE_ANY => "ANY",
        /// `DENY`.
        Deny = RD_KAFKA_ACL_PERMISSION_TYPE_DENY => "DENY",
        /// `ALLOW`.
        Allow = RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW => "ALLOW",
    }
}

/// An ACL binding: Python's `AclBinding(restype, name, resource_pattern_type, principal,
/// host, operation, permission_type)`. Ordered and compared by all fields, as in Python.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct AclBinding {
    /// Python: `restype` (not `ANY`).
    pub restype: ResourceType,
    /// Python: `name`: the resource name.
    pub name: String,
    /// Python: `resource_pattern_type` (`LITERAL` or `PREFIXED`).
    pub resource_pattern_type: ResourcePatternType,
    /// Python: `principal`, e.g. `User:alice`.
    pub principal: String,
    /// Python: `host`, e.g. `*`.
    pub host: String,
    /// Python: `operation` (not `ANY`).
    pub operation: AclOperation,
    /// Python: `permission_type` (`ALLOW` or `DENY`).
    pub permission_type: AclPermissionType,
}

impl AclBinding {
    /// Python: `AclBinding(restype, name, resource_pattern_type, principal, host, operation,
    /// permission_type)`.
    pub fn new(
        restype: ResourceType,
        name: impl Into<String>,
        resource_pattern_type: ResourcePatternType,
        principal: impl Into<String>,
        host: impl Into<String>,
        operation: AclOperation,
        permission_type: AclPermissionType,
    ) -> AclBinding {
        AclBinding {
            restype,
            name: name.into(),
            resource_pattern_type,
            principal: principal.into(),
            host: host.into(),
            operation,
            permission_type,
        }
    }

    fn to_native(&self, op: &str) -> Result<AclBindingHandle> {
        // Python's forbidden values for a binding (filters may use them).
        let bad = match () {
            _ if matches!(self.restype, ResourceType::Any | ResourceType::Unknown) => {
                Some(format!("restype {}", self.restype))
            }
            _ if matches!(
                self.resource_pattern_type,
                ResourcePatternType::Any
                    | ResourcePatternType::Match
                    | ResourcePatternType::Unknown
            ) =>
            {
                Some(format!(
                    "resource_pattern_type {}",
                    self.resource_pattern_type
                ))
            }
            _ if matches!(self.operation, AclOperation::Any | AclOperation::Unknown) => {
                Some(format!("operation {}", self.operation))
            }
            _ if matches!(
                self.permission_type,
                AclPermissionType::Any | AclPermissionType::Unknown
            ) =>
            {
                Some(format!("permission_type {}", self.permission_type))
            }
            _ => None,
        };
        if let Some(what) = bad {
            return Err(invalid(
                op,
                format!("{self}: {what} is only allowed in an AclBindingFilter"),
            ));
        }
        native(
            op,
            false,
            self.restype,
            Some(&self.name),
            self.resource_pattern_type,
            Some(&self.principal),
            Some(&self.host),
            self.operation,
            self.permission_type,
        )
    }

    /// # Safety
    /// `a` must be a valid binding for the call.
    unsafe fn from_raw(a: *const sys::rd_kafka_AclBinding_t) -> AclBinding {
        // SAFETY: a is valid (caller contract); enums are read as ints, strings copied.
        unsafe {
            AclBinding {
                restype: ResourceType::from_raw(ffi::acl_binding_restype(a)),
                name: opt_string(sys::rd_kafka_AclBinding_name(a)).unwrap_or_default(),
                resource_pattern_type: ResourcePatternType::from_raw(
                    ffi::acl_binding_resource_pattern_type(a),
                ),
                principal: opt_string(sys::rd_kafka_AclBinding_principal(a)).unwrap_or_default(),
                host: opt_string(sys::rd_kafka_AclBinding_host(a)).unwrap_or_default(),
                operation: AclOperation::from_raw(ffi::acl_binding_operation(a)),
                permission_type: AclPermissionType::from_raw(ffi::acl_binding_permission_type(a)),
            }
        }
    }
}

impl fmt::Display for AclBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AclBinding({},{},{},{},{},{},{})",
            self.restype,
            self.name,
            self.resource_pattern_type,
            self.principal,
            self.host,
            self.operation,
            self.permission_type
        )
    }
}

/// A filter matching ACL bindings: Python's `AclBindingFilter(restype, name,
/// resource_pattern_type, principal, host, operation, permission_type)`, where `None` strings
/// and the `ANY` values match anything (and `MATCH` does pattern matching).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct AclBindingFilter {
    /// Python: `restype`.
    pub restype: ResourceType,
    /// Python: `name` (`None`: any).
    pub name: Option<String>,
    /// Python: `resource_pattern_type`.
    pub resource_pattern_type: ResourcePatternType,
    /// Python: `principal` (`None`: any).
    pub principal: Option<String>,
    /// Python: `host` (`None`: any).
    pub host: Option<String>,
    /// Python: `operation`.
    pub operation: AclOperation,
    /// Python: `permission_type`.
    pub permission_type: AclPermissionType,
}

impl AclBindingFilter {
    /// A filter that matches every binding (`ANY` everywhere, no names).
    pub fn any() -> AclBindingFilter {
        AclBindingFilter {
            restype: ResourceType::Any,
            name: None,
            resource_pattern_type: ResourcePatternType::Any,
            principal: None,
            host: None,
            operation: AclOperation::Any,
            permission_type: AclPermissionType::Any,
        }
    }

    /// Python: `AclBindingFilter(restype, name, resource_pattern_type, principal, host,
    /// operation, permission_type)`.
    pub fn new(
        restype: ResourceType,
        name: Option<&str>,
        resource_pattern_type: ResourcePatternType,
        principal: Option<&str>,
        host: Option<&str>,
        operation: AclOperation,
        permission_type: AclPermissionType,
    ) -> AclBindingFilter {
        AclBindingFilter {
            restype,
            name: name.map(str::to_string),
            resource_pattern_type,
            principal: principal.map(str::to_string),
            host: host.map(str::to_string),
            operation,
            permission_type,
        }
    }

    fn to_native(&self, op: &str) -> Result<AclBindingHandle> {
        let bad = match () {
            _ if self.restype == ResourceType::Unknown => Some("restype"),
            _ if self.resource_pattern_type == ResourcePatternType::Unknown => {
                Some("resource_pattern_type")
            }
            _ if self.operation == AclOperation::Unknown => Some("operation"),
            _ if self.permission_type == AclPermissionType::Unknown => Some("permission_type"),
            _ => None,
        };
        if let Some(what) = bad {
            return Err(invalid(op, format!("{self}: {what} must not be UNKNOWN")));
        }
        native(
            op,
            true,
            self.restype,
            self.name.as_deref(),
            self.resource_pattern_type,
            self.principal.as_deref(),
            self.host.as_deref(),
            self.operation,
            self.permission_type,
        )
    }
}

impl fmt::Display for AclBindingFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = |v: &Option<String>| v.clone().unwrap_or_else(|| "None".into());
        write!(
            f,
            "AclBindingFilter({},{},{},{},{},{},{})",
            self.restype,
            s(&self.name),
            self.resource_pattern_type,
            s(&self.principal),
            s(&self.host),
            self.operation,
            self.permission_type
        )
    }
}

/// Builds a native binding or filter (the same C type).
#[allow(clippy::too_many_arguments)]
fn native(
    op: &str,
    filter: bool,
    restype: ResourceType,
    name: Option<&str>,
    pattern: ResourcePatternType,
    principal: Option<&str>,
    host: Option<&str>,
    operation: AclOperation,
    permission: AclPermissionType,
) -> Result<AclBindingHandle> {
    let c = |what: &str, v: Option<&str>| -> Result<Option<CString>> {
        match v {
            None => Ok(None),
            Some("") if !filter => {
                Err(invalid(op, format!("ACL binding {what} must not be empty")))
            }
            Some(s) => cstring(what, s).map(Some).map_err(|e| invalid(op, e.str())),
        }
    };
    let (name, principal, host) = (
        c("name", name)?,
        c("principal", principal)?,
        c("host", host)?,
    );
    let p = |v: &Option<CString>| v.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
    let mut errbuf = [0 as c_char; 512];
    let new = if filter {
        ffi::acl_binding_filter_new
    } else {
        ffi::acl_binding_new
    };
    // SAFETY: the strings are null (filters only) or NUL-terminated and copied; the enum
    // values are valid; errbuf is writable for its length.
    let raw = unsafe {
        new(
            restype.raw(),
            p(&name),
            pattern.raw(),
            p(&principal),
            p(&host),
            operation.raw(),
            permission.raw(),
            errbuf.as_mut_ptr(),
            errbuf.len(),
        )
    };
    // SAFETY: null or a new object we own.
    unsafe { AclBindingHandle::from_raw(raw) }.ok_or_else(|| invalid_from_errbuf(op, &errbuf))
}

/// Copies an array of bindings.
///
/// # Safety
/// `p` must be null or point to `n` valid bindings for the call.
unsafe fn bindings(p: *const *const sys::rd_kafka_AclBinding_t, n: usize) -> Vec<AclBinding> {
    // SAFETY: caller contract.
    unsafe { c_array(p, n) }
        .iter()
        // SAFETY: each element is valid (caller contract).
        .map(|&a| unsafe { AclBinding::from_raw(a) })
        .collect()
}

const CREATE_ACLS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_CREATEACLS,
    event: consts::RD_KAFKA_EVENT_CREATEACLS_RESULT,
    name: "create_acls",
};
const DESCRIBE_ACLS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBEACLS,
    event: consts::RD_KAFKA_EVENT_DESCRIBEACLS_RESULT,
    name: "describe_acls",
};
const DELETE_ACLS: Op = Op {
    api: sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DELETEACLS,
    event: consts::RD_KAFKA_EVENT_DELETEACLS_RESULT,
    name: "delete_acls",
};

impl AdminClient {
    /// Python: `create_acls(acls, request_timeout)`: one result per binding.
    ///
    /// Refused before sending: no bindings, a duplicate ("duplicate ACL bindings not
    /// allowed" in Python), an empty name/principal/host, a filter-only value (`ANY`,
    /// `MATCH`, `UNKNOWN`).
    ///
    /// Caution: librdkafka 2.12.1 aborts the whole process (`Assertion 'rko_result' failed`
    /// in `rd_kafka_admin_response_parse`) when a broker's CreateAcls response is truncated,
    /// as tansu's is; rkafka cannot intercept that.
    pub fn create_acls(
        &self,
        acls: &[AclBinding],
        options: &AdminOptions,
    ) -> Result<BTreeMap<AclBinding, Result<()>>> {
        let op = CREATE_ACLS.name;
        require_some(op, acls, "AclBinding")?;
        require_unique(op, "ACL binding", acls.iter())?;
        let handles = acls
            .iter()
            .map(|a| a.to_native(op))
            .collect::<Result<Vec<_>>>()?;
        let mut raw: Vec<_> = handles.iter().map(AclBindingHandle::ptr).collect();
        let event = self.request(CREATE_ACLS, options, |rk, o, q| {
            // SAFETY: rk, o and q are live; raw holds live bindings (copied).
            unsafe { sys::rd_kafka_CreateAcls(rk, raw.as_mut_ptr(), raw.len(), o, q) }
        })?;
        let mut n = 0;
        // SAFETY: a live CreateAcls result; results are in request order and live as long as
        // the event; errors are copied.
        let got = unsafe {
            let res = sys::rd_kafka_event_CreateAcls_result(event.ptr());
            c_array(sys::rd_kafka_CreateAcls_result_acls(res, &mut n), n)
                .iter()
                .zip(acls)
                .map(|(&r, a)| {
                    let result = match borrowed_error(sys::rd_kafka_acl_result_error(r)) {
                        None => Ok(()),
                        Some(e) => Err(e),
                    };
                    (a.clone(), result)
                })
                .collect()
        };
        Ok(collect(op, acls.iter().cloned(), got))
    }

    /// Python: `describe_acls(acl_binding_filter, request_timeout)`: the matching bindings.
    pub fn describe_acls(
        &self,
        filter: &AclBindingFilter,
        options: &AdminOptions,
    ) -> Result<Vec<AclBinding>> {
        let handle = filter.to_native(DESCRIBE_ACLS.name)?;
        let event = self.request(DESCRIBE_ACLS, options, |rk, o, q| {
            // SAFETY: rk, o, q and the filter are live; the filter is copied.
            unsafe { sys::rd_kafka_DescribeAcls(rk, handle.ptr(), o, q) }
        })?;
        let mut n = 0;
        // SAFETY: a live DescribeAcls result; bindings are copied.
        Ok(unsafe {
            let res = sys::rd_kafka_event_DescribeAcls_result(event.ptr());
            bindings(sys::rd_kafka_DescribeAcls_result_acls(res, &mut n), n)
        })
    }

    /// Python: `delete_acls(acl_binding_filters, request_timeout)`: for each filter, the
    /// bindings it deleted. Refused before sending: no filters, a duplicate, an `UNKNOWN`
    /// value.
    pub fn delete_acls(
        &self,
        filters: &[AclBindingFilter],
        options: &AdminOptions,
    ) -> Result<BTreeMap<AclBindingFilter, Result<Vec<AclBinding>>>> {
        let op = DELETE_ACLS.name;
        require_some(op, filters, "AclBindingFilter")?;
        require_unique(op, "ACL binding filter", filters.iter())?;
        let handles = filters
            .iter()
            .map(|f| f.to_native(op))
            .collect::<Result<Vec<_>>>()?;
        let mut raw: Vec<_> = handles.iter().map(AclBindingHandle::ptr).collect();
        let event = self.request(DELETE_ACLS, options, |rk, o, q| {
            // SAFETY: rk, o and q are live; raw holds live filters (copied).
            unsafe { sys::rd_kafka_DeleteAcls(rk, raw.as_mut_ptr(), raw.len(), o, q) }
        })?;
        let mut n = 0;
        // SAFETY: a live DeleteAcls result; responses are in request order; everything is
        // copied.
        let got = unsafe {
            let res = sys::rd_kafka_event_DeleteAcls_result(event.ptr());
            c_array(sys::rd_kafka_DeleteAcls_result_responses(res, &mut n), n)
                .iter()
                .zip(filters)
                .map(|(&r, f)| {
                    let result =
                        match borrowed_error(sys::rd_kafka_DeleteAcls_result_response_error(r)) {
                            Some(e) => Err(e),
                            None => {
                                let mut m = 0;
                                let p = sys::rd_kafka_DeleteAcls_result_response_matching_acls(
                                    r, &mut m,
                                );
                                Ok(bindings(p, m))
                            }
                        };
                    (f.clone(), result)
                })
                .collect()
        };
        Ok(collect(op, filters.iter().cloned(), got))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding() -> AclBinding {
        AclBinding::new(
            ResourceType::Topic,
            "t",
            ResourcePatternType::Literal,
            "User:alice",
            "*",
            AclOperation::Read,
            AclPermissionType::Allow,
        )
    }

    #[test]
    fn binding_validation() {
        assert!(binding().to_native("create_acls").is_ok());
        let mut b = binding();
        b.operation = AclOperation::Any;
        let e = b.to_native("create_acls").err().unwrap();
        assert!(
            e.str()
                .contains("operation ANY is only allowed in an AclBindingFilter"),
            "{e}"
        );
        let mut b = binding();
        b.principal.clear();
        assert!(b.to_native("create_acls").is_err());
        assert!(AclBindingFilter::any().to_native("describe_acls").is_ok());
        let mut f = AclBindingFilter::any();
        f.operation = AclOperation::Unknown;
        assert!(f.to_native("describe_acls").is_err());
        assert_eq!(
            binding().to_string(),
            "AclBinding(TOPIC,t,LITERAL,User:alice,*,READ,ALLOW)"
        );
    }
}
