//! The tokio runtime the cluster commands (`tour`, `run`, `status`, `teardown`) run on.

use anyhow::Context;

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}
