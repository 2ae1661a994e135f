//! The EMQX model (placeholder doc, completed below).
pub mod boot;
pub mod ctl;
pub mod discovery;
pub mod erl;
pub mod http;
pub mod http_v4;
pub mod http_v5;
pub mod line;
pub mod logs;
pub mod nodename;
pub mod pretty;
pub mod registry;
pub mod settings;
pub mod settings_v4;
pub mod settings_v5;
pub mod tokens;
pub mod version;
