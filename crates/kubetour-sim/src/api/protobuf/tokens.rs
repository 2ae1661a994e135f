//! Field tables of authentication.k8s.io/v1 TokenRequest, which `kubectl create token`
//! sends as protobuf (see schema.rs).

use super::schema::{Msg, OBJECT_META, Ty, f, p, r};
use Ty::{Int64, Str};

pub(super) static TOKEN_REQUEST: Msg = Msg {
    fields: &[
        f(1, "metadata", Ty::Msg(&OBJECT_META)),
        f(2, "spec", Ty::Msg(&TOKEN_REQUEST_SPEC)),
    ],
};
static TOKEN_REQUEST_SPEC: Msg = Msg {
    fields: &[
        r(1, "audiences", Str),
        p(3, "boundObjectRef", Ty::Msg(&BOUND_OBJECT_REFERENCE)),
        p(4, "expirationSeconds", Int64),
    ],
};
static BOUND_OBJECT_REFERENCE: Msg = Msg {
    fields: &[
        f(1, "kind", Str),
        f(2, "apiVersion", Str),
        f(3, "name", Str),
        f(4, "uid", Str),
    ],
};
