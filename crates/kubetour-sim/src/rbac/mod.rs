//! RBAC as the real authorizer evaluates it: ClusterRoleBindings, then the RoleBindings
//! of the request's namespace, each granting the rules of its Role or ClusterRole to its
//! subjects (users, groups, service accounts). Read from the store on every request, so
//! a Role applied a moment ago counts at once — as on a real cluster.
//!
//! - `attributes`: what a request asks (user, verb, group, resource, namespace, name).
//! - `rules`: whether one PolicyRule covers a request.
//! - `authorizer`: the decision and its reason text.
//! - `forbidden`: the 403 Status the real server answers.
//! - `bootstrap`: the default ClusterRoles and bindings every cluster has.
//! - `tokens`: service-account tokens and the identities they stand for.
//! - `review`: (Self)SubjectAccessReviews, JSON and kubectl's protobuf.
//! - `rules_review`: SelfSubjectRulesReview, the rules bound to a user in a namespace.
pub mod attributes;
pub mod authorizer;
pub mod bootstrap;
pub mod forbidden;
pub mod review;
pub mod rules;
pub mod rules_review;
pub mod tokens;

pub use attributes::{Attributes, UserInfo};
pub use authorizer::authorize;
