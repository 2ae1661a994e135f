//! kubetour as a library: the modules the binary is built from, public so that the
//! end-to-end and contract tests under tests/ drive the same code the binary runs.
//! The map of the modules is the crate doc of src/main.rs.
// `deny`, not `forbid`: one function, `cluster::heap::give_back_freed`, calls into the C
// allocator (glibc keeps freed memory otherwise) and allows it there alone.
#![deny(unsafe_code)]

pub mod app;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod delivery;
pub mod emqx;
pub mod engine;
#[doc(hidden)]
pub mod fuzzing;
pub mod track;
pub mod ui;
pub mod view;
pub mod yaml;
