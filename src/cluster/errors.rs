//! kube errors in words a person can act on. kube's own Display for an API error ends in
//! a Debug dump of the Status; people need the code, the reason and the message.

/// "500 InternalError: Internal error occurred: ..." for API errors, else the error text.
pub fn explain(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => {
            let reason = if s.reason.is_empty() {
                "Failure"
            } else {
                s.reason.as_str()
            };
            format!("{} {reason}: {}", s.code, s.message)
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_error_reads_as_code_reason_and_message() {
        let e = kube::Error::Api(Box::new(kube::core::Status {
            code: 403,
            reason: "Forbidden".into(),
            message: "endpoints \"x\" is forbidden".into(),
            ..Default::default()
        }));
        assert_eq!(explain(&e), "403 Forbidden: endpoints \"x\" is forbidden");
    }
}
