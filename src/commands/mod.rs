//! Subcommand handlers that live in their own files (the rest are still with the
//! modules they drive: headless, track, app).
pub mod probe;
