//! Certificates for one run: a CA made at start, a leaf it signs, and the rustls configs.
//!
//! The hazard is making a certificate that real clients accept *with verification on*:
//! - a self-signed leaf with `CA:TRUE` is rejected by rustls/webpki ("CaUsedAsEndEntity"),
//!   so the run has a real CA (`CA:TRUE`, `keyCertSign`) and a separate leaf (`CA:FALSE`,
//!   `digitalSignature`, extended key usage `serverAuth`) signed by it;
//! - clients check the name they dialled against the leaf's subjectAltName, and some
//!   cannot match IP addresses, so the leaf names `localhost` as well as `127.0.0.1` and
//!   `::1`, plus any extra names the user configures.
//!
//! The crypto provider is ring, passed explicitly: rustls panics in `builder()` when it
//! cannot pick a single process-wide provider.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// Why TLS material could not be made or loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// rcgen refused to generate a certificate.
    #[error("generating a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// A PEM file could not be read or parsed.
    #[error("reading {what}: {reason}")]
    Pem {
        /// Which file or item.
        what: String,
        /// What went wrong.
        reason: String,
    },
    /// rustls refused the certificate or key.
    #[error("building the TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The names every generated leaf certificate carries.
pub const DEFAULT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Where the server's certificate comes from.
#[derive(Debug, Clone)]
pub enum CertificateSource {
    /// Generate a CA and a leaf for this run, with these names beyond [`DEFAULT_NAMES`].
    Generated {
        /// Extra DNS names or IP addresses for the leaf's subjectAltName.
        extra_names: Vec<String>,
    },
    /// Use the user's certificate chain and private key, both PEM.
    Pem {
        /// The certificate chain, leaf first.
        cert_chain: String,
        /// The private key (PKCS#8, PKCS#1 or SEC1).
        key: String,
    },
}

/// The TLS identity of a running server.
#[derive(Clone)]
pub struct TlsIdentity {
    /// PEM of the certificate clients should trust: the run's CA, or the first
    /// certificate of a user-supplied chain (its last element when it has several).
    trust_anchor_pem: String,
    trust_anchor_der: CertificateDer<'static>,
    server_config: Arc<ServerConfig>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity").finish_non_exhaustive()
    }
}

impl TlsIdentity {
    /// Makes or loads the identity described by `source`.
    pub fn new(source: &CertificateSource) -> Result<Self, TlsError> {
        match source {
            CertificateSource::Generated { extra_names } => Self::generate(extra_names),
            CertificateSource::Pem { cert_chain, key } => Self::from_pem(cert_chain, key),
        }
    }

    /// A fresh CA for this run and a leaf signed by it.
    pub fn generate(extra_names: &[String]) -> Result<Self, TlsError> {
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let mut ca_name = DistinguishedName::new();
        // A name of its own per run: a client that trusts another run's CA then fails
        // with "unknown issuer" rather than a confusing bad-signature error.
        let run_id: String = ca_key.public_key_raw()[1..7]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        ca_name.push(
            DnType::CommonName,
            format!("ephemail test CA {run_id} (this run only)"),
        );
        ca_name.push(DnType::OrganizationName, "ephemail");
        ca_params.distinguished_name = ca_name;
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let mut names: Vec<String> = DEFAULT_NAMES.iter().map(|n| (*n).to_owned()).collect();
        for name in extra_names {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        let leaf_key = KeyPair::generate()?;
        let mut leaf_params = CertificateParams::new(names)?;
        leaf_params.is_ca = IsCa::ExplicitNoCa;
        leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf_params.use_authority_key_identifier_extension = true;
        let mut leaf_name = DistinguishedName::new();
        leaf_name.push(DnType::CommonName, "localhost");
        leaf_params.distinguished_name = leaf_name;
        let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer)?;

        let chain = vec![leaf_cert.der().clone(), ca_cert.der().clone()];
        let key = PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
        Ok(TlsIdentity {
            trust_anchor_pem: ca_cert.pem(),
            trust_anchor_der: ca_cert.der().clone(),
            server_config: server_config(chain, key)?,
        })
    }

    /// The user's certificate chain and key. Clients are told to trust the chain's last
    /// certificate (the root, or the leaf itself when it is self-signed).
    pub fn from_pem(cert_chain: &str, key: &str) -> Result<Self, TlsError> {
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(cert_chain.as_bytes())
                .collect::<Result<_, _>>()
                .map_err(|e| TlsError::Pem {
                    what: "certificate chain".into(),
                    reason: e.to_string(),
                })?;
        let anchor = chain.last().cloned().ok_or_else(|| TlsError::Pem {
            what: "certificate chain".into(),
            reason: "no CERTIFICATE block found".into(),
        })?;
        let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).map_err(|e| TlsError::Pem {
            what: "private key".into(),
            reason: e.to_string(),
        })?;
        Ok(TlsIdentity {
            trust_anchor_pem: pem_encode(&anchor),
            trust_anchor_der: anchor,
            server_config: server_config(chain, key)?,
        })
    }

    /// The certificate clients should trust, as PEM.
    pub fn ca_pem(&self) -> &str {
        &self.trust_anchor_pem
    }

    /// The certificate clients should trust, as DER.
    pub fn ca_der(&self) -> &CertificateDer<'static> {
        &self.trust_anchor_der
    }

    /// The rustls server configuration (ring provider, TLS 1.2 and 1.3).
    pub fn server_config(&self) -> Arc<ServerConfig> {
        self.server_config.clone()
    }

    /// A rustls client configuration that trusts exactly this server's CA, ready for
    /// `tokio_rustls::TlsConnector::from`.
    pub fn client_config(&self) -> Arc<ClientConfig> {
        let mut roots = RootCertStore::empty();
        roots
            .add(self.trust_anchor_der.clone())
            .expect("a certificate we made or loaded parses");
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    }
}

/// The crypto provider used everywhere: ring.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}

fn pem_encode(der: &CertificateDer<'_>) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_identity_round_trips_through_pem() {
        let identity = TlsIdentity::generate(&["mail.test".into()]).unwrap();
        assert!(identity.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        let again: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(identity.ca_pem().as_bytes())
                .collect::<Result<_, _>>()
                .unwrap();
        assert_eq!(again, vec![identity.ca_der().clone()]);
        assert_eq!(pem_encode(identity.ca_der()), identity.ca_pem());
    }

    #[test]
    fn bad_pem_is_a_clear_error() {
        let err = TlsIdentity::from_pem("not a cert", "not a key").unwrap_err();
        assert!(err.to_string().contains("no CERTIFICATE block"), "{err}");
    }
}
