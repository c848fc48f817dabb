//! Certificates for serving a tree over TLS: a throw-away test CA made with `rcgen`, leaf
//! certificates it signs, and PEM files given on the command line.

use std::path::Path;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::ServeError;

/// A certificate authority made at run time, for tests and the demo. Clients trust it by its
/// PEM ([`TestCa::pem`]; `sync --ca FILE`).
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    /// A fresh CA named "article-sync test CA".
    pub fn new() -> Result<TestCa, ServeError> {
        TestCa::named("article-sync test CA")
    }

    /// A fresh CA with the given common name.
    pub fn named(common_name: &str) -> Result<TestCa, ServeError> {
        let mut params = CertificateParams::default();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, common_name);
        params.distinguished_name = dn;
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate()?)?;
        Ok(TestCa { issuer })
    }

    /// The CA certificate, PEM-encoded.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// The CA certificate, DER-encoded.
    pub fn der(&self) -> CertificateDer<'static> {
        self.issuer.der().clone()
    }

    /// A server certificate for `names` (DNS names or IP addresses), signed by this CA.
    pub fn leaf(&self, names: &[&str]) -> Result<TlsIdentity, ServeError> {
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())?;
        let mut dn = DistinguishedName::new();
        dn.push(
            DnType::CommonName,
            names.first().copied().unwrap_or("localhost"),
        );
        params.distinguished_name = dn;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(TlsIdentity {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// A server's certificate chain (leaf first) and private key, both PEM-encoded.
#[derive(Clone)]
pub struct TlsIdentity {
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity").finish_non_exhaustive()
    }
}

impl TlsIdentity {
    /// A certificate chain and a private key, PEM.
    pub fn from_pem(cert_pem: String, key_pem: String) -> Result<TlsIdentity, ServeError> {
        let identity = TlsIdentity { cert_pem, key_pem };
        identity.server_config()?;
        Ok(identity)
    }

    /// Reads a certificate chain and a private key from PEM files.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<TlsIdentity, ServeError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| ServeError::Read {
                path: path.to_path_buf(),
                source,
            })
        };
        TlsIdentity::from_pem(read(cert)?, read(key)?)
    }

    /// A rustls server configuration (ring provider) offering HTTP/2 and HTTP/1.1 by ALPN.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, ServeError> {
        let pem_error = |what: &str, e: rustls::pki_types::pem::Error| ServeError::Pem {
            what: what.to_string(),
            reason: e.to_string(),
        };
        let chain = CertificateDer::pem_slice_iter(self.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| pem_error("certificate", e))?;
        if chain.is_empty() {
            return Err(ServeError::Pem {
                what: "certificate".into(),
                reason: "no CERTIFICATE block".into(),
            });
        }
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .map_err(|e| pem_error("private key", e))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leaf_signed_by_the_test_ca_makes_a_server_config() {
        let ca = TestCa::new().unwrap();
        assert!(ca.pem().starts_with("-----BEGIN CERTIFICATE-----"));
        let leaf = ca.leaf(&["localhost", "127.0.0.1"]).unwrap();
        let config = leaf.server_config().unwrap();
        assert_eq!(config.alpn_protocols[0], b"h2");
        let broken = TlsIdentity {
            cert_pem: "not a certificate".into(),
            key_pem: leaf.key_pem.clone(),
        };
        assert!(matches!(
            broken.server_config(),
            Err(ServeError::Pem { .. })
        ));
    }
}
