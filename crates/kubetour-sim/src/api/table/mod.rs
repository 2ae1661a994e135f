//! Table output (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), which
//! `kubectl get` prints: the column definitions and the cells the real server's
//! printers produce for each kind (compare real-apiserver/41..45-*.http).

mod columns;
mod extra;
mod format;
mod printers;

use jiff::Timestamp;
use serde_json::{Value, json};

pub use format::human_duration;

use crate::resources::ResInfo;

/// A column: name, priority (1 = only with `-o wide`), and Go type.
pub struct Column {
    pub name: &'static str,
    pub priority: u8,
    pub kind: &'static str,
}

pub const fn col(name: &'static str, priority: u8) -> Column {
    Column {
        name,
        priority,
        kind: "string",
    }
}

fn definitions(columns: &[Column]) -> Value {
    columns
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "type": c.kind,
                "format": if c.name == "Name" { "name" } else { "" },
                "description": "",
                "priority": c.priority,
            })
        })
        .collect()
}

/// A Table of `objects`; `with_columns` false leaves columnDefinitions null (as watch
/// events after the first one do).
pub fn table(
    info: &ResInfo,
    objects: &[Value],
    now: Timestamp,
    with_columns: bool,
    metadata: Value,
) -> Value {
    let columns = columns::columns(info.res);
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| json!({"cells": printers::cells(info.res, o, now), "object": crate::api::meta::partial(o)}))
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": if with_columns { definitions(&columns) } else { Value::Null },
        "rows": rows,
    })
}

/// Honours `includeObject`: `Object` puts whole objects in rows (kubectl --sort-by needs
/// them), `None` leaves them out, `Metadata` (the default) keeps PartialObjectMetadata.
pub fn include_objects(table: &mut Value, objects: &[Value], mode: Option<&str>) {
    let Some(rows) = table.get_mut("rows").and_then(Value::as_array_mut) else {
        return;
    };
    for (row, object) in rows.iter_mut().zip(objects) {
        match mode {
            Some("Object") => row["object"] = object.clone(),
            Some("None") => row["object"] = Value::Null,
            _ => {}
        }
    }
}
