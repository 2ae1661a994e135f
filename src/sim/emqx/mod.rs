//! The EMQX model (placeholder doc, completed below).
pub mod ctl;
pub mod erl;
pub mod line;
pub mod pretty;
pub mod version;
