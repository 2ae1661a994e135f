//! Field tables of core/v1 messages (see schema.rs).

use super::schema::{LABEL_SELECTOR, LOCAL_OBJECT_REFERENCE, OBJECT_META, OBJECT_REFERENCE};
use super::schema::{Msg, Ty, f, p, r};
use Ty::{Bool, Inline, Int, Int64, IntOrString, MapBytes, MapQuantity, MapStr, Quantity, Str};

// core/v1
pub(super) static NAMESPACE: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "spec", Ty::Msg(&NAMESPACE_SPEC)),
    ],
};
pub(super) static NAMESPACE_SPEC: Msg = Msg {
    fields: &[r(1, "finalizers", Str)],
};
pub(super) static CONFIG_MAP: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "data", MapStr),
        f(3, "binaryData", MapBytes),
        p(4, "immutable", Bool),
    ],
};
pub(super) static SECRET: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "data", MapBytes),
        f(3, "type", Str),
        f(4, "stringData", MapStr),
        p(5, "immutable", Bool),
    ],
};
pub(super) static SERVICE_ACCOUNT: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        r(2, "secrets", Ty::Msg(&OBJECT_REFERENCE)),
        r(3, "imagePullSecrets", Ty::Msg(&LOCAL_OBJECT_REFERENCE)),
        p(4, "automountServiceAccountToken", Bool),
    ],
};
pub(super) static SERVICE: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "spec", Ty::Msg(&SERVICE_SPEC)),
    ],
};
pub(super) static SERVICE_SPEC: Msg = Msg {
    fields: &[
        r(1, "ports", Ty::Msg(&SERVICE_PORT)),
        f(2, "selector", MapStr),
        f(3, "clusterIP", Str),
        f(4, "type", Str),
        r(5, "externalIPs", Str),
        f(7, "sessionAffinity", Str),
        f(8, "loadBalancerIP", Str),
        r(9, "loadBalancerSourceRanges", Str),
        f(10, "externalName", Str),
        f(11, "externalTrafficPolicy", Str),
        f(12, "healthCheckNodePort", Int),
        f(13, "publishNotReadyAddresses", Bool),
        p(17, "ipFamilyPolicy", Str),
        r(18, "clusterIPs", Str),
        r(19, "ipFamilies", Str),
        p(20, "allocateLoadBalancerNodePorts", Bool),
        p(21, "loadBalancerClass", Str),
        p(22, "internalTrafficPolicy", Str),
    ],
};
pub(super) static SERVICE_PORT: Msg = Msg {
    fields: &[
        f(1, "name", Str),
        f(2, "protocol", Str),
        f(3, "port", Int),
        f(4, "targetPort", IntOrString),
        f(5, "nodePort", Int),
        p(6, "appProtocol", Str),
    ],
};
pub(super) static POD: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "spec", Ty::Msg(&POD_SPEC)),
    ],
};
pub(super) static POD_TEMPLATE_SPEC: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "spec", Ty::Msg(&POD_SPEC)),
    ],
};
pub(super) static POD_SPEC: Msg = Msg {
    fields: &[
        r(1, "volumes", Ty::Msg(&VOLUME)),
        r(2, "containers", Ty::Msg(&CONTAINER)),
        f(3, "restartPolicy", Str),
        p(4, "terminationGracePeriodSeconds", Int64),
        p(5, "activeDeadlineSeconds", Int64),
        f(6, "dnsPolicy", Str),
        f(7, "nodeSelector", MapStr),
        f(8, "serviceAccountName", Str),
        f(9, "serviceAccount", Str),
        f(10, "nodeName", Str),
        f(11, "hostNetwork", Bool),
        f(14, "securityContext", Ty::Msg(&POD_SECURITY_CONTEXT)),
        r(15, "imagePullSecrets", Ty::Msg(&LOCAL_OBJECT_REFERENCE)),
        f(16, "hostname", Str),
        f(17, "subdomain", Str),
        f(19, "schedulerName", Str),
        r(20, "initContainers", Ty::Msg(&CONTAINER)),
        p(21, "automountServiceAccountToken", Bool),
        r(22, "tolerations", Ty::Msg(&TOLERATION)),
        f(24, "priorityClassName", Str),
        p(25, "priority", Int),
        p(30, "enableServiceLinks", Bool),
        p(31, "preemptionPolicy", Str),
    ],
};
pub(super) static POD_SECURITY_CONTEXT: Msg = Msg {
    fields: &[
        p(2, "runAsUser", Int64),
        p(3, "runAsNonRoot", Bool),
        p(5, "fsGroup", Int64),
        p(6, "runAsGroup", Int64),
    ],
};
pub(super) static TOLERATION: Msg = Msg {
    fields: &[
        f(1, "key", Str),
        f(2, "operator", Str),
        f(3, "value", Str),
        f(4, "effect", Str),
        p(5, "tolerationSeconds", Int64),
    ],
};
pub(super) static CONTAINER: Msg = Msg {
    fields: &[
        f(1, "name", Str),
        f(2, "image", Str),
        r(3, "command", Str),
        r(4, "args", Str),
        f(5, "workingDir", Str),
        r(6, "ports", Ty::Msg(&CONTAINER_PORT)),
        r(7, "env", Ty::Msg(&ENV_VAR)),
        p(8, "resources", Ty::Msg(&RESOURCES)),
        r(9, "volumeMounts", Ty::Msg(&VOLUME_MOUNT)),
        f(10, "livenessProbe", Ty::Msg(&PROBE)),
        f(11, "readinessProbe", Ty::Msg(&PROBE)),
        f(13, "terminationMessagePath", Str),
        f(14, "imagePullPolicy", Str),
        f(16, "stdin", Bool),
        f(17, "stdinOnce", Bool),
        f(18, "tty", Bool),
        r(19, "envFrom", Ty::Msg(&ENV_FROM_SOURCE)),
        f(20, "terminationMessagePolicy", Str),
        f(22, "startupProbe", Ty::Msg(&PROBE)),
    ],
};
pub(super) static CONTAINER_PORT: Msg = Msg {
    fields: &[
        f(1, "name", Str),
        f(2, "hostPort", Int),
        f(3, "containerPort", Int),
        f(4, "protocol", Str),
        f(5, "hostIP", Str),
    ],
};
pub(super) static ENV_VAR: Msg = Msg {
    fields: &[
        f(1, "name", Str),
        f(2, "value", Str),
        f(3, "valueFrom", Ty::Msg(&ENV_VAR_SOURCE)),
    ],
};
pub(super) static ENV_VAR_SOURCE: Msg = Msg {
    fields: &[
        f(1, "fieldRef", Ty::Msg(&OBJECT_FIELD_SELECTOR)),
        f(3, "configMapKeyRef", Ty::Msg(&KEY_SELECTOR)),
        f(4, "secretKeyRef", Ty::Msg(&KEY_SELECTOR)),
    ],
};
pub(super) static OBJECT_FIELD_SELECTOR: Msg = Msg {
    fields: &[f(1, "apiVersion", Str), f(2, "fieldPath", Str)],
};
pub(super) static KEY_SELECTOR: Msg = Msg {
    fields: &[
        f(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE)),
        f(2, "key", Str),
        p(3, "optional", Bool),
    ],
};
pub(super) static ENV_FROM_SOURCE: Msg = Msg {
    fields: &[
        f(1, "prefix", Str),
        f(2, "configMapRef", Ty::Msg(&ENV_SOURCE)),
        f(3, "secretRef", Ty::Msg(&ENV_SOURCE)),
    ],
};
pub(super) static ENV_SOURCE: Msg = Msg {
    fields: &[
        f(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE)),
        p(2, "optional", Bool),
    ],
};
pub(super) static RESOURCES: Msg = Msg {
    fields: &[f(1, "limits", MapQuantity), f(2, "requests", MapQuantity)],
};
pub(super) static VOLUME_MOUNT: Msg = Msg {
    fields: &[
        f(1, "name", Str),
        f(2, "readOnly", Bool),
        f(3, "mountPath", Str),
        f(4, "subPath", Str),
    ],
};
pub(super) static PROBE: Msg = Msg {
    fields: &[
        f(1, "handler", Inline(&PROBE_HANDLER)),
        f(2, "initialDelaySeconds", Int),
        f(3, "timeoutSeconds", Int),
        f(4, "periodSeconds", Int),
        f(5, "successThreshold", Int),
        f(6, "failureThreshold", Int),
    ],
};
pub(super) static PROBE_HANDLER: Msg = Msg {
    fields: &[
        f(1, "exec", Ty::Msg(&EXEC_ACTION)),
        f(2, "httpGet", Ty::Msg(&HTTP_GET_ACTION)),
        f(3, "tcpSocket", Ty::Msg(&TCP_SOCKET_ACTION)),
    ],
};
pub(super) static EXEC_ACTION: Msg = Msg {
    fields: &[r(1, "command", Str)],
};
pub(super) static HTTP_GET_ACTION: Msg = Msg {
    fields: &[
        f(1, "path", Str),
        f(2, "port", IntOrString),
        f(3, "host", Str),
        f(4, "scheme", Str),
    ],
};
pub(super) static TCP_SOCKET_ACTION: Msg = Msg {
    fields: &[f(1, "port", IntOrString), f(2, "host", Str)],
};
pub(super) static VOLUME: Msg = Msg {
    fields: &[
        f(1, "name", Str),
        f(2, "volumeSource", Inline(&VOLUME_SOURCE)),
    ],
};
pub(super) static VOLUME_SOURCE: Msg = Msg {
    fields: &[
        p(2, "emptyDir", Ty::Msg(&EMPTY_DIR)),
        f(6, "secret", Ty::Msg(&SECRET_VOLUME)),
        f(10, "persistentVolumeClaim", Ty::Msg(&PVC_VOLUME)),
        f(19, "configMap", Ty::Msg(&CONFIG_MAP_VOLUME)),
    ],
};
pub(super) static EMPTY_DIR: Msg = Msg {
    fields: &[f(1, "medium", Str), p(2, "sizeLimit", Quantity)],
};
pub(super) static SECRET_VOLUME: Msg = Msg {
    fields: &[
        f(1, "secretName", Str),
        p(3, "defaultMode", Int),
        p(4, "optional", Bool),
    ],
};
pub(super) static PVC_VOLUME: Msg = Msg {
    fields: &[f(1, "claimName", Str), f(2, "readOnly", Bool)],
};
pub(super) static CONFIG_MAP_VOLUME: Msg = Msg {
    fields: &[
        f(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE)),
        p(3, "defaultMode", Int),
        p(4, "optional", Bool),
    ],
};
pub(super) static PVC: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "spec", Ty::Msg(&PVC_SPEC)),
    ],
};
pub(super) static PVC_SPEC: Msg = Msg {
    fields: &[
        r(1, "accessModes", Str),
        f(2, "resources", Ty::Msg(&RESOURCES)),
        f(3, "volumeName", Str),
        f(4, "selector", Ty::Msg(&LABEL_SELECTOR)),
        p(5, "storageClassName", Str),
        p(6, "volumeMode", Str),
    ],
};
