//! Field tables of the protobuf messages the simulator decodes, numbered as in the
//! upstream generated.proto files (k8s.io/api and apimachinery). Only the fields that
//! clients send are listed; unknown numbers are skipped by the decoder.

pub enum Ty {
    Str,
    Bytes,
    Int,
    Int64,
    Bool,
    Msg(&'static Msg),
    /// An embedded Go struct whose fields appear in the parent's JSON.
    Inline(&'static Msg),
    Quantity,
    Time,
    IntOrString,
    MapStr,
    MapBytes,
    MapQuantity,
}

pub struct Field {
    pub num: u32,
    pub name: &'static str,
    pub ty: Ty,
    pub repeated: bool,
    /// A Go pointer (or otherwise meaningful when zero): kept even when empty.
    pub keep: bool,
}

pub struct Msg {
    pub fields: &'static [Field],
}

pub(super) const fn f(num: u32, name: &'static str, ty: Ty) -> Field {
    Field {
        num,
        name,
        ty,
        repeated: false,
        keep: false,
    }
}
pub(super) const fn r(num: u32, name: &'static str, ty: Ty) -> Field {
    Field {
        num,
        name,
        ty,
        repeated: true,
        keep: false,
    }
}
pub(super) const fn p(num: u32, name: &'static str, ty: Ty) -> Field {
    Field {
        num,
        name,
        ty,
        repeated: false,
        keep: true,
    }
}

use super::{core, workloads};
use Ty::{Bool, Bytes, Int, Int64, MapStr, Quantity, Str, Time};

pub static UNKNOWN: Msg = Msg {
    fields: &[
        f(1, "typeMeta", Ty::Msg(&TYPE_META)),
        f(2, "raw", Bytes),
        f(3, "contentEncoding", Str),
        f(4, "contentType", Str),
    ],
};
pub(super) static TYPE_META: Msg = Msg {
    fields: &[f(1, "apiVersion", Str), f(2, "kind", Str)],
};
pub static QUANTITY: Msg = Msg {
    fields: &[f(1, "string", Str)],
};
pub static TIME: Msg = Msg {
    fields: &[f(1, "seconds", Int64), f(2, "nanos", Int)],
};
pub static INT_OR_STRING: Msg = Msg {
    fields: &[
        f(1, "type", Int64),
        f(2, "intVal", Int),
        f(3, "strVal", Str),
    ],
};
pub static MAP_STR: Msg = Msg {
    fields: &[f(1, "key", Str), f(2, "value", Str)],
};
pub static MAP_BYTES: Msg = Msg {
    fields: &[f(1, "key", Str), f(2, "value", Bytes)],
};
pub static MAP_QUANTITY: Msg = Msg {
    fields: &[f(1, "key", Str), f(2, "value", Quantity)],
};

pub(super) static OBJECT_META: Msg = Msg {
    fields: &[
        f(1, "name", Str),
        f(2, "generateName", Str),
        f(3, "namespace", Str),
        f(5, "uid", Str),
        f(6, "resourceVersion", Str),
        f(7, "generation", Int64),
        f(8, "creationTimestamp", Time),
        f(9, "deletionTimestamp", Time),
        p(10, "deletionGracePeriodSeconds", Int64),
        f(11, "labels", MapStr),
        f(12, "annotations", MapStr),
        r(13, "ownerReferences", Ty::Msg(&OWNER_REFERENCE)),
        r(14, "finalizers", Str),
    ],
};
pub(super) static OWNER_REFERENCE: Msg = Msg {
    fields: &[
        f(1, "kind", Str),
        f(3, "name", Str),
        f(4, "uid", Str),
        f(5, "apiVersion", Str),
        p(6, "controller", Bool),
        p(7, "blockOwnerDeletion", Bool),
    ],
};
pub(super) static LABEL_SELECTOR: Msg = Msg {
    fields: &[
        f(1, "matchLabels", MapStr),
        r(2, "matchExpressions", Ty::Msg(&LABEL_SELECTOR_REQUIREMENT)),
    ],
};
pub(super) static LABEL_SELECTOR_REQUIREMENT: Msg = Msg {
    fields: &[f(1, "key", Str), f(2, "operator", Str), r(3, "values", Str)],
};
pub(super) static LOCAL_OBJECT_REFERENCE: Msg = Msg {
    fields: &[f(1, "name", Str)],
};
pub(super) static OBJECT_REFERENCE: Msg = Msg {
    fields: &[
        f(1, "kind", Str),
        f(2, "namespace", Str),
        f(3, "name", Str),
        f(4, "uid", Str),
        f(5, "apiVersion", Str),
        f(6, "resourceVersion", Str),
        f(7, "fieldPath", Str),
    ],
};

/// The message of a top-level kind.
pub fn message_for(kind: &str) -> Option<&'static Msg> {
    Some(match kind {
        "Namespace" => &core::NAMESPACE,
        "ConfigMap" => &core::CONFIG_MAP,
        "Secret" => &core::SECRET,
        "ServiceAccount" => &core::SERVICE_ACCOUNT,
        "Service" => &core::SERVICE,
        "Pod" => &core::POD,
        "PersistentVolumeClaim" => &core::PVC,
        "Deployment" => &workloads::DEPLOYMENT,
        "StatefulSet" => &workloads::STATEFUL_SET,
        "Role" | "ClusterRole" => &workloads::ROLE,
        "RoleBinding" | "ClusterRoleBinding" => &workloads::ROLE_BINDING,
        "SelfSubjectAccessReview" => &workloads::SELF_SUBJECT_ACCESS_REVIEW,
        "TokenRequest" => &super::tokens::TOKEN_REQUEST,
        "Job" => &super::batch::JOB,
        "CronJob" => &super::batch::CRON_JOB,
        "SelfSubjectRulesReview" => &workloads::SELF_SUBJECT_RULES_REVIEW,
        "SelfSubjectReview" => &workloads::SELF_SUBJECT_REVIEW,
        _ => return None,
    })
}
