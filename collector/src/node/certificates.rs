//! certificates.json: subject, issuer, validity and DNS names of every certificate under
//! the certificate directories, parsed with a real X.509 parser.
//!
//! Only files named like certificates (`.crt`, `.pem`, `.cert`, `.cer`) are read, only their
//! CERTIFICATE blocks are parsed, and nothing of the files themselves is copied, so a private
//! key stored beside or inside them never reaches the bundle.

use super::host::HostRoot;
use kbundle_format::manifest::CertificateRecord;
use std::io::Read;
use x509_parser::extensions::GeneralName;
use x509_parser::pem::Pem;

const EXTENSIONS: &[&str] = &[".crt", ".pem", ".cert", ".cer"];
const MAX_FILE: u64 = 1 << 20;
const MAX_DEPTH: usize = 4;

/// What a scan of the certificate directories found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// One row per certificate (a chain file gives several rows with one path).
    pub records: Vec<CertificateRecord>,
    /// Files that could not be read or parsed: `path: why`.
    pub failures: Vec<String>,
    /// How many of the directories exist.
    pub dirs_found: usize,
}

/// Describes every certificate under `dirs` (host paths), recursing a few levels.
pub(crate) fn scan(host: &HostRoot, dirs: &[&str]) -> Scan {
    let mut out = Scan::default();
    for dir in dirs {
        let Ok(local) = host.resolve(dir) else {
            continue;
        };
        if !local.is_dir() {
            continue;
        }
        out.dirs_found += 1;
        walk(host, dir, 0, &mut out);
    }
    out
}

fn walk(host: &HostRoot, dir: &str, depth: usize, out: &mut Scan) {
    let Ok(local) = host.resolve(dir) else { return };
    let Ok(entries) = std::fs::read_dir(&local) else {
        out.failures.push(format!("{dir}: cannot list"));
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in names {
        let host_path = format!("{}/{name}", dir.trim_end_matches('/'));
        let Ok(meta) = std::fs::symlink_metadata(local.join(&name)) else {
            continue;
        };
        if meta.is_dir() {
            if depth < MAX_DEPTH {
                walk(host, &host_path, depth + 1, out);
            }
            continue;
        }
        if !EXTENSIONS.iter().any(|e| name.ends_with(e)) {
            continue;
        }
        match read_certificates(host, &host_path) {
            Ok(mut records) => out.records.append(&mut records),
            Err(why) => out.failures.push(format!("{host_path}: {why}")),
        }
    }
}

/// Why a certificate file gave no records; recorded in the bundle beside those that did.
#[derive(Debug, thiserror::Error)]
enum CertificateError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("larger than {MAX_FILE} bytes")]
    TooLarge,
    #[error("bad PEM: {0}")]
    Pem(String),
    #[error("bad certificate: {0}")]
    Certificate(String),
}

fn read_certificates(
    host: &HostRoot,
    host_path: &str,
) -> Result<Vec<CertificateRecord>, CertificateError> {
    let local = host.resolve(host_path)?;
    let file = std::fs::File::open(&local)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(Vec::new()); // a link to a directory or a device: not a certificate
    }
    if meta.len() > MAX_FILE {
        return Err(CertificateError::TooLarge);
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE).read_to_end(&mut bytes)?;
    let mut records = Vec::new();
    for pem in Pem::iter_from_buffer(&bytes) {
        let pem = pem.map_err(|e| CertificateError::Pem(e.to_string()))?;
        if pem.label != "CERTIFICATE" {
            continue;
        }
        let cert = pem
            .parse_x509()
            .map_err(|e| CertificateError::Certificate(e.to_string()))?;
        records.push(record(host_path, &cert));
    }
    Ok(records)
}

fn record(
    host_path: &str,
    cert: &x509_parser::certificate::X509Certificate<'_>,
) -> CertificateRecord {
    let time = |t: &x509_parser::time::ASN1Time| {
        jiff::Timestamp::from_second(t.timestamp())
            .map(crate::bundle::rfc3339)
            .unwrap_or_default()
    };
    let dns_names = match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|n| match n {
                GeneralName::DNSName(d) => Some(d.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    CertificateRecord {
        path: host_path.to_string(),
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: time(&cert.validity().not_before),
        not_after: time(&cert.validity().not_after),
        dns_names,
    }
}

/// The common name of the first certificate in PEM (or DER) bytes.
pub(crate) fn first_common_name(bytes: &[u8]) -> Option<String> {
    let cn = |cert: &x509_parser::certificate::X509Certificate<'_>| {
        cert.subject()
            .iter_common_name()
            .next()
            .and_then(|c| c.as_str().ok())
            .map(str::to_string)
    };
    for pem in Pem::iter_from_buffer(bytes) {
        let Ok(pem) = pem else { break };
        if pem.label == "CERTIFICATE" {
            return pem.parse_x509().ok().and_then(|c| cn(&c));
        }
    }
    x509_parser::parse_x509_certificate(bytes)
        .ok()
        .and_then(|(_, c)| cn(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(cn: &str, sans: &[&str]) -> (String, String) {
        let mut params =
            rcgen::CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        let key = rcgen::KeyPair::generate().unwrap();
        let c = params.self_signed(&key).unwrap();
        (c.pem(), key.serialize_pem())
    }

    #[test]
    fn certificates_are_described_and_keys_ignored() {
        let root = tempfile::tempdir().unwrap();
        let pki = root.path().join("etc/kubernetes/pki/etcd");
        std::fs::create_dir_all(&pki).unwrap();
        let (api, api_key) = cert("kube-apiserver", &["kubernetes", "kubernetes.default"]);
        let (ca, _) = cert("etcd-ca", &[]);
        std::fs::write(pki.join("../apiserver.crt"), &api).unwrap();
        std::fs::write(pki.join("../apiserver.key"), &api_key).unwrap();
        std::fs::write(pki.join("ca.crt"), &ca).unwrap();
        std::fs::write(
            pki.join("bad.crt"),
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let both = format!("{api}{api_key}");
        let kubelet = root.path().join("var/lib/kubelet/pki");
        std::fs::create_dir_all(&kubelet).unwrap();
        std::fs::write(kubelet.join("kubelet-client-2026.pem"), &both).unwrap();
        std::os::unix::fs::symlink(
            "/var/lib/kubelet/pki/kubelet-client-2026.pem",
            kubelet.join("kubelet-client-current.pem"),
        )
        .unwrap();
        let host = HostRoot::new(root.path());
        let scan = scan(
            &host,
            &["/etc/kubernetes/pki", "/var/lib/kubelet/pki", "/nope"],
        );
        assert_eq!(scan.dirs_found, 2);
        let paths: Vec<&str> = scan.records.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/etc/kubernetes/pki/apiserver.crt",
                "/etc/kubernetes/pki/etcd/ca.crt",
                "/var/lib/kubelet/pki/kubelet-client-2026.pem",
                "/var/lib/kubelet/pki/kubelet-client-current.pem",
            ]
        );
        let a = &scan.records[0];
        assert_eq!(a.subject, "CN=kube-apiserver");
        assert_eq!(a.dns_names, ["kubernetes", "kubernetes.default"]);
        assert!(a.not_before.ends_with('Z') && a.not_after > a.not_before);
        assert_eq!(scan.failures.len(), 1, "{:?}", scan.failures);
        assert!(scan.failures[0].starts_with("/etc/kubernetes/pki/etcd/bad.crt"));
        assert_eq!(
            first_common_name(both.as_bytes()).as_deref(),
            Some("kube-apiserver")
        );
    }
}
