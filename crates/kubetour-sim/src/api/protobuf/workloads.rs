//! Field tables of apps/v1, rbac/v1 and authorization/v1 messages (see schema.rs).

use super::core::{POD_TEMPLATE_SPEC, PVC};
use super::schema::{LABEL_SELECTOR, OBJECT_META};
use super::schema::{Msg, Ty, f, p, r};
use Ty::{Bool, Int, IntOrString, Str};

// apps/v1
pub(super) static DEPLOYMENT: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "spec", Ty::Msg(&DEPLOYMENT_SPEC)),
    ],
};
pub(super) static DEPLOYMENT_SPEC: Msg = Msg {
    fields: &[
        p(1, "replicas", Int),
        f(2, "selector", Ty::Msg(&LABEL_SELECTOR)),
        f(3, "template", Ty::Msg(&POD_TEMPLATE_SPEC)),
        f(4, "strategy", Ty::Msg(&DEPLOYMENT_STRATEGY)),
        f(5, "minReadySeconds", Int),
        p(6, "revisionHistoryLimit", Int),
        f(7, "paused", Bool),
        p(9, "progressDeadlineSeconds", Int),
    ],
};
pub(super) static DEPLOYMENT_STRATEGY: Msg = Msg {
    fields: &[
        f(1, "type", Str),
        f(2, "rollingUpdate", Ty::Msg(&ROLLING_UPDATE)),
    ],
};
pub(super) static ROLLING_UPDATE: Msg = Msg {
    fields: &[
        f(1, "maxUnavailable", IntOrString),
        f(2, "maxSurge", IntOrString),
    ],
};
pub(super) static STATEFUL_SET: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "spec", Ty::Msg(&STATEFUL_SET_SPEC)),
    ],
};
pub(super) static STATEFUL_SET_SPEC: Msg = Msg {
    fields: &[
        p(1, "replicas", Int),
        f(2, "selector", Ty::Msg(&LABEL_SELECTOR)),
        f(3, "template", Ty::Msg(&POD_TEMPLATE_SPEC)),
        r(4, "volumeClaimTemplates", Ty::Msg(&PVC)),
        f(5, "serviceName", Str),
        f(6, "podManagementPolicy", Str),
        p(8, "revisionHistoryLimit", Int),
        f(9, "minReadySeconds", Int),
    ],
};

// rbac.authorization.k8s.io/v1
pub(super) static ROLE: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        r(2, "rules", Ty::Msg(&POLICY_RULE)),
    ],
};
pub(super) static POLICY_RULE: Msg = Msg {
    fields: &[
        r(1, "verbs", Str),
        r(2, "apiGroups", Str),
        r(3, "resources", Str),
        r(4, "resourceNames", Str),
        r(5, "nonResourceURLs", Str),
    ],
};
pub(super) static ROLE_BINDING: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        r(2, "subjects", Ty::Msg(&SUBJECT)),
        f(3, "roleRef", Ty::Msg(&ROLE_REF)),
    ],
};
pub(super) static SUBJECT: Msg = Msg {
    fields: &[
        f(1, "kind", Str),
        f(2, "apiGroup", Str),
        f(3, "name", Str),
        f(4, "namespace", Str),
    ],
};
pub(super) static ROLE_REF: Msg = Msg {
    fields: &[f(1, "apiGroup", Str), f(2, "kind", Str), f(3, "name", Str)],
};

// authorization.k8s.io/v1 (kubectl auth can-i)
pub(super) static SELF_SUBJECT_ACCESS_REVIEW: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "spec", Ty::Msg(&SSAR_SPEC)),
    ],
};
pub(super) static SSAR_SPEC: Msg = Msg {
    fields: &[
        f(1, "resourceAttributes", Ty::Msg(&RESOURCE_ATTRIBUTES)),
        f(
            2,
            "nonResourceAttributes",
            Ty::Msg(&NON_RESOURCE_ATTRIBUTES),
        ),
    ],
};
pub(super) static RESOURCE_ATTRIBUTES: Msg = Msg {
    fields: &[
        f(1, "namespace", Str),
        f(2, "verb", Str),
        f(3, "group", Str),
        f(4, "version", Str),
        f(5, "resource", Str),
        f(6, "subresource", Str),
        f(7, "name", Str),
    ],
};
pub(super) static NON_RESOURCE_ATTRIBUTES: Msg = Msg {
    fields: &[f(1, "path", Str), f(2, "verb", Str)],
};

// authorization/v1 SelfSubjectRulesReview and authentication/v1 SelfSubjectReview
// (`auth can-i --list`, `auth whoami`): only the spec is read; status is the answer.
pub(super) static SELF_SUBJECT_RULES_REVIEW: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "spec", Ty::Msg(&SSRR_SPEC)),
    ],
};
pub(super) static SSRR_SPEC: Msg = Msg {
    fields: &[f(1, "namespace", Str)],
};
pub(super) static SELF_SUBJECT_REVIEW: Msg = Msg {
    fields: &[f(1, "metadata", Ty::Msg(&OBJECT_META))],
};
