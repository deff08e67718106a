//! Certificates are verified: a server on 127.0.0.1 with a self-signed certificate is
//! refused (and `https` really speaks TLS).
#![allow(clippy::unwrap_used)]

use canary_judge::Config;
use canary_sources::http::HttpOptions;
use canary_sources::{Cause, Scopes, SourceSettings, Window, build_source, fetch_all};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

#[tokio::test]
async fn a_self_signed_certificate_is_refused() {
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = served.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                // A handshake that completed would reach this answer.
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let mut buf = [0u8; 4096];
                    let _ = tls.read(&mut buf).await;
                    let body = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(reply.as_bytes()).await;
                }
            });
        }
    });
    let source = build_source(
        "prometheus",
        SourceSettings {
            url: Some(format!("https://127.0.0.1:{port}")),
            http: HttpOptions {
                timeout: Duration::from_secs(2),
                retries: 0,
                ..HttpOptions::default()
            },
            ..SourceSettings::default()
        },
    )
    .unwrap();
    let config =
        Config::from_yaml_str("version: 1\nmetrics:\n  - {name: m, query: {prometheus: up}}\n")
            .unwrap();
    let scopes = Scopes {
        baseline: "a".into(),
        canary: "b".into(),
    };
    let window = Window::new(0, 60, 60).unwrap();
    let fetched = fetch_all(source.as_ref(), &config, window, &scopes, &BTreeMap::new()).await;
    let e = &fetched.failures["m"];
    assert!(matches!(e.cause, Cause::Connect(_)), "{e}");
    let text = e.to_string().to_lowercase();
    assert!(
        text.contains("certificate") && text.contains("unknownissuer"),
        "{e}"
    );
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 0);
}
