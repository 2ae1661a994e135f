//! The lesson as data: stage files, templating per EMQX profile, export and lint.
pub mod commands;
