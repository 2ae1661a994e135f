//! kube errors in words a person can act on. kube's own Display for an API error ends in
//! a Debug dump of the Status; people need the code, the reason and the message. A
//! request that did not get through carries its route (`reach::Unreached`), whose
//! sentence names server, context and kubeconfig; other transport errors are told by
//! their root cause rather than "ServiceError: client error (Connect)".

use super::reach;

/// "500 InternalError: Internal error occurred: ..." for API errors; the sentence of an
/// unreached server; else the error text down to its root cause.
pub fn explain(e: &kube::Error) -> String {
    if let Some(u) = reach::unreached(e) {
        return u.to_string();
    }
    match e {
        kube::Error::Api(s) => {
            let reason = if s.reason.is_empty() {
                "Failure"
            } else {
                s.reason.as_str()
            };
            format!("{} {reason}: {}", s.code, s.message)
        }
        other => with_root(other),
    }
}

/// The error's text, plus its deepest source when that says something the text does not
/// (kube's "ServiceError: client error (Connect)" hides "connection refused" there).
fn with_root(e: &(dyn std::error::Error + 'static)) -> String {
    let text = e.to_string();
    let mut root = e;
    while let Some(next) = root.source() {
        root = next;
    }
    let root_text = root.to_string();
    if std::ptr::addr_eq(root, e) || text.contains(&root_text) {
        text
    } else {
        format!("{text}: {root_text}")
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

    #[test]
    fn an_unreached_server_reads_as_its_sentence_alone() {
        let u = reach::Unreached {
            route: reach::Route {
                server: "https://127.0.0.1:1/".into(),
                context: "c".into(),
                cluster: "k".into(),
                user: None,
                kubeconfig: "/x/y".into(),
            },
            cause: reach::Cause::Refused,
            detail: "connection refused".into(),
        };
        let e = kube::Error::Service(Box::new(u.clone()));
        assert_eq!(explain(&e), u.to_string());
        assert!(!explain(&e).contains("ServiceError"));
        assert!(!crate::cluster::retry::is_transient(&kube::Error::Service(
            Box::new(reach::Unreached {
                cause: reach::Cause::UnknownCa,
                ..u
            })
        )));
    }
}
