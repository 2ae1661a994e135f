//! Why a request did not reach the cluster, in words that name the server, context,
//! cluster, user and kubeconfig involved. Without this a refused connection reads
//! "ServiceError: client error (Connect)" and an expired token "401 Unauthorized:
//! Unauthorized" — true, but neither says where to look.
//!
//! The client built by `connect` carries a [`Route`] in a tower layer that turns a
//! failed connection (refused, DNS, timeout, TLS) and a 401 answer into an [`Unreached`]
//! error; kube passes it on as `kube::Error::Service`, and `errors::explain` prints its
//! sentence. Every request of that client — preflight, status, watches, exec — gets it.

use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response, StatusCode};
use tower::{Layer, Service};

/// Where the client's requests go, as the kubeconfig names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub server: String,
    pub context: String,
    pub cluster: String,
    pub user: Option<String>,
    pub kubeconfig: String,
}

/// What stood in the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    Refused,
    NameNotFound,
    TimedOut,
    /// The server's certificate is not signed by the CA the kubeconfig trusts.
    UnknownCa,
    /// Any other refusal of the server's certificate (expired, wrong name, …).
    Certificate,
    /// The TLS handshake failed otherwise (an http server on an https URL, …).
    Tls,
    Unauthorized,
    /// Some other failure to connect (no route to host, …).
    Other,
}

/// A request that did not get through, with where it was going.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreached {
    pub route: Route,
    pub cause: Cause,
    /// The root cause as the OS or TLS library put it.
    pub detail: String,
}

impl Unreached {
    /// Worth trying again: a server restarting or a network hiccup can pass; a wrong CA,
    /// an unknown name or refused credentials will not, and retrying only delays saying so.
    pub fn is_transient(&self) -> bool {
        matches!(self.cause, Cause::Refused | Cause::Other)
    }
}

impl std::fmt::Display for Unreached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = &self.route;
        let at = format!("context `{}`, kubeconfig {}", r.context, r.kubeconfig);
        let d = &self.detail;
        match self.cause {
            Cause::Refused => write!(
                f,
                "cannot reach the API server {} ({at}): connection refused; is the cluster \
                 running, and is this its address?",
                r.server
            ),
            Cause::NameNotFound => write!(
                f,
                "cannot reach the API server {} ({at}): its host name does not resolve ({d}); \
                 check the `server:` of cluster `{}`",
                r.server, r.cluster
            ),
            Cause::TimedOut => write!(
                f,
                "cannot reach the API server {} ({at}): the connection timed out; check the \
                 address, a firewall or VPN, and that the cluster is up",
                r.server
            ),
            Cause::UnknownCa => write!(
                f,
                "the API server's certificate at {} is not signed by the CA in the kubeconfig \
                 (cluster `{}`, {at}): {d}; the kubeconfig may belong to another cluster, or \
                 the cluster's CA changed — get a fresh kubeconfig",
                r.server, r.cluster
            ),
            Cause::Certificate => write!(
                f,
                "the API server's certificate at {} was refused (cluster `{}`, {at}): {d}",
                r.server, r.cluster
            ),
            Cause::Tls => write!(
                f,
                "TLS with the API server {} failed ({at}): {d}; is this an https URL of a \
                 Kubernetes API server?",
                r.server
            ),
            Cause::Unauthorized => write!(
                f,
                "the API server {} refused the credentials of {} (context `{}`, kubeconfig \
                 {}): 401 Unauthorized; the token may have expired — get a fresh kubeconfig",
                r.server,
                r.user
                    .as_deref()
                    .map_or("an anonymous user".to_string(), |u| format!("user `{u}`")),
                r.context,
                r.kubeconfig
            ),
            Cause::Other => write!(f, "cannot reach the API server {} ({at}): {d}", r.server),
        }
    }
}

impl StdError for Unreached {}

/// Finds why a connection failed, walking the source chain to its root. None when the
/// error is not about connecting (it then passes through unchanged).
pub fn classify(err: &(dyn StdError + 'static)) -> Option<(Cause, String)> {
    let mut found: Option<(Cause, String)> = None;
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(from_tls(tls));
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            let detail = plain(&io.to_string());
            let cause = match io.kind() {
                std::io::ErrorKind::ConnectionRefused => Some(Cause::Refused),
                std::io::ErrorKind::TimedOut => Some(Cause::TimedOut),
                _ => None,
            };
            if let Some(cause) = cause {
                return Some((cause, detail));
            }
            if found.is_none() {
                found = Some((Cause::Other, detail));
            }
        }
        let text = e.to_string();
        if text.starts_with("dns error") {
            let root = root_text(e);
            return Some((Cause::NameNotFound, plain(&root)));
        }
        if text.contains("(Connect)") && found.is_none() {
            found = Some((Cause::Other, plain(&root_text(e))));
        }
        current = next(e);
    }
    found
}

/// The next error down. io::Error's source() skips the error it wraps (tokio-rustls and
/// hyper-timeout wrap theirs, sometimes twice), so an io::Error is opened instead.
fn next<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a (dyn StdError + 'static)> {
    match e
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        Some(inner) => Some(inner as &(dyn StdError + 'static)),
        None => e.source(),
    }
}

fn from_tls(e: &rustls::Error) -> (Cause, String) {
    let cause = match e {
        // BadSignature: a CA of the same name signed it, not the one in the kubeconfig
        // (two clusters set up alike, a CA regenerated).
        rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer | rustls::CertificateError::BadSignature,
        ) => Cause::UnknownCa,
        rustls::Error::InvalidCertificate(_) => Cause::Certificate,
        _ => Cause::Tls,
    };
    (cause, e.to_string())
}

fn root_text(e: &(dyn StdError + 'static)) -> String {
    let mut last = e;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// "Connection refused (os error 111)" reads as "connection refused".
fn plain(text: &str) -> String {
    let cut = text.split(" (os error").next().unwrap_or(text);
    let mut chars = cut.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The layer that names the route in every failure to get through.
#[derive(Clone)]
pub struct NameTheRoute(pub Route);

impl<S> Layer<S> for NameTheRoute {
    type Service = Named<S>;
    fn layer(&self, inner: S) -> Named<S> {
        Named {
            inner,
            route: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Named<S> {
    inner: S,
    route: Route,
}

type BoxError = Box<dyn StdError + Send + Sync>;

impl<S, B, RB> Service<Request<B>> for Named<S>
where
    S: Service<Request<B>, Response = Response<RB>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = Response<RB>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<RB>, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let route = self.route.clone();
        let answer = self.inner.call(req);
        Box::pin(async move {
            match answer.await {
                // The Status of a 401 says only "Unauthorized"; this client knows whose
                // credentials were sent.
                Ok(r) if r.status() == StatusCode::UNAUTHORIZED => Err(Box::new(Unreached {
                    route,
                    cause: Cause::Unauthorized,
                    detail: "401 Unauthorized".into(),
                })
                    as BoxError),
                Ok(r) => Ok(r),
                Err(e) => {
                    let e: BoxError = e.into();
                    match classify(e.as_ref()) {
                        Some((cause, detail)) => Err(Box::new(Unreached {
                            route,
                            cause,
                            detail,
                        }) as BoxError),
                        None => Err(e),
                    }
                }
            }
        })
    }
}

/// The [`Unreached`] inside a kube error, if that is what it is.
pub fn unreached(e: &kube::Error) -> Option<&Unreached> {
    match e {
        kube::Error::Service(inner) => inner.downcast_ref::<Unreached>(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route() -> Route {
        Route {
            server: "https://127.0.0.1:1/".into(),
            context: "c".into(),
            cluster: "k".into(),
            user: Some("u".into()),
            kubeconfig: "/x/y".into(),
        }
    }

    #[test]
    fn a_refused_connection_is_found_under_the_wrappers() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let (cause, detail) = classify(&io).unwrap();
        assert_eq!(cause, Cause::Refused);
        assert!(!detail.contains("os error"), "{detail}");
    }

    #[test]
    fn an_unknown_issuer_inside_an_io_error_is_a_wrong_ca() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        assert_eq!(classify(&io).unwrap().0, Cause::UnknownCa);
    }

    #[test]
    fn each_sentence_names_the_server_and_where_it_came_from() {
        let refused = Unreached {
            route: route(),
            cause: Cause::Refused,
            detail: "connection refused".into(),
        };
        assert!(refused.to_string().starts_with(
            "cannot reach the API server https://127.0.0.1:1/ (context `c`, kubeconfig /x/y): \
             connection refused"
        ));
        let denied = Unreached {
            cause: Cause::Unauthorized,
            ..refused.clone()
        };
        assert!(
            denied
                .to_string()
                .contains("credentials of user `u` (context `c`")
        );
        assert!(!denied.is_transient());
    }

    #[test]
    fn an_error_that_is_not_about_connecting_passes_through() {
        let e = std::io::Error::other("something else");
        assert_eq!(classify(&e).map(|c| c.0), Some(Cause::Other));
        let e = std::fmt::Error;
        assert!(classify(&e).is_none());
    }
}
