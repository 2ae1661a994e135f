//! The simulator's one use of YAML: request bodies sent as YAML (`kubectl apply
//! --server-side` sends `application/apply-patch+yaml`) and the kubeconfig it writes.
//!
//! serde_yaml is archived upstream (RUSTSEC-2024-0449) but works; every use in this crate
//! is here, so replacing it is a one-file change.

use serde::Serialize;

/// Parses one YAML document into a JSON value (the form the Kubernetes API speaks); the
/// error says where (line and column) and what is wrong.
pub fn to_json(text: &str) -> Result<serde_json::Value, String> {
    serde_yaml::from_str(text).map_err(|e| describe(&e))
}

/// Serializes a value as YAML.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, String> {
    serde_yaml::to_string(value).map_err(|e| describe(&e))
}

fn describe(err: &serde_yaml::Error) -> String {
    let message = err.to_string();
    // serde_yaml appends " at line L column C"; put the place first, as the API does.
    let message = match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    match err.location() {
        Some(l) => format!("line {}, column {}: {message}", l.line(), l.column()),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yaml_error_names_its_line_and_column() {
        let err = to_json("a: 1\nb: [\n").unwrap_err();
        assert!(err.starts_with("line "), "{err}");
    }

    #[test]
    fn yaml_reads_into_json() {
        assert_eq!(to_json("a: 1").unwrap(), serde_json::json!({"a": 1}));
    }
}
