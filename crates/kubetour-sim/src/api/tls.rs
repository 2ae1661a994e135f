//! HTTPS on loopback: a CA and a serving certificate for 127.0.0.1/localhost generated
//! at start (kubectl sends credentials only over https), served with rustls on the ring
//! provider (the same one kube uses; see NOTES.md).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::cluster::Served;

/// A CA certificate (PEM) and the serving certificate chain and key it signed.
pub struct Certs {
    pub ca_pem: String,
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

pub fn generate() -> anyhow::Result<Certs> {
    let ca_key = KeyPair::generate().context("generating the CA key")?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).context("CA parameters")?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "kubetour-sim-ca");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .context("self-signing the CA")?;
    let issuer = Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate().context("generating the serving key")?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()])
        .context("serving certificate parameters")?;
    params
        .distinguished_name
        .push(DnType::CommonName, "kube-apiserver");
    for ip in [
        std::net::IpAddr::from([127, 0, 0, 1]),
        std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
    ] {
        params.subject_alt_names.push(SanType::IpAddress(ip));
    }
    let cert = params
        .signed_by(&key, &issuer)
        .context("signing the serving certificate")?;
    Ok(Certs {
        ca_pem: ca_cert.pem(),
        chain: vec![cert.der().clone(), ca_cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

fn server_config(certs: &Certs) -> anyhow::Result<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs.chain.clone(), certs.key.clone_key())
        .context("TLS serving certificate")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Refuses anything but a loopback address: the sim must never be reachable from outside.
pub fn check_loopback(addr: SocketAddr) -> anyhow::Result<()> {
    if !addr.ip().is_loopback() {
        anyhow::bail!(
            "refusing to listen on {addr}: the simulated cluster serves only on a loopback address (use 127.0.0.1:PORT)"
        );
    }
    Ok(())
}

/// Binds `addr` (loopback only) and serves `router` over HTTPS on the current runtime.
pub fn serve(router: Router, addr: SocketAddr) -> anyhow::Result<Served> {
    serve_with(router, addr, &generate()?)
}

/// As `serve`, with certificates given (a restarted `sim serve --state` keeps its CA, so
/// clients that trusted it before still do).
pub fn serve_with(router: Router, addr: SocketAddr, certs: &Certs) -> anyhow::Result<Served> {
    check_loopback(addr)?;
    let config = RustlsConfig::from_config(Arc::new(server_config(certs)?));
    let listener = std::net::TcpListener::bind(addr).with_context(|| format!("binding {addr}"))?;
    listener
        .set_nonblocking(true)
        .context("setting the listener non-blocking")?;
    let local = listener.local_addr().context("reading the bound address")?;
    let handle = axum_server::Handle::new();
    let server = axum_server::tls_rustls::from_tcp_rustls(listener, config)
        .context("starting the TLS server")?
        .handle(handle.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = server.serve(router.into_make_service()).await {
            tracing::error!("the simulated API server stopped: {e}");
        }
    });
    Ok(Served {
        addr: local,
        ca_pem: certs.ca_pem.clone(),
        handle,
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_are_accepted() {
        assert!(check_loopback("127.0.0.1:0".parse().unwrap()).is_ok());
        let err = check_loopback("0.0.0.0:6443".parse().unwrap()).unwrap_err();
        assert!(err.to_string().contains("loopback"), "{err}");
    }

    #[test]
    fn the_generated_ca_is_pem() {
        let certs = generate().unwrap();
        assert!(certs.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(certs.chain.len(), 2);
    }
}
