//! Certificates from the nodes' `certificates.json`: expired, or expiring within 30 days.

use super::{humanize, Context, Rule};
use crate::facts::Facts;
use crate::findings::{rfc3339, Draft, Findings};
use jiff::{SignedDuration, Timestamp};
use kbundle_format::analysis::{Category, Severity, Subject, SubjectKind};

/// A certificate past or near its notAfter.
pub(crate) const EXPIRY: Rule = Rule {
    id: "cert.expiry",
    category: Category::CertExpiry,
    severity: Severity::Warning,
    looks_at: "host-collectors/<node>/certificates.json: not_after",
    remediation: "Renew the certificates (`kubeadm certs renew all` on kubeadm clusters, then \
restart the control-plane static pods) and check the kubelet's rotation.",
};

/// The rules of this file.
pub(crate) const RULES: &[&Rule] = &[&EXPIRY];

/// Runs the certificate rule.
pub(crate) fn check(facts: &Facts, ctx: &Context, out: &mut Findings) {
    let Some(now) = ctx.now else { return };
    for (node, host) in &facts.hosts {
        for cert in &host.certificates {
            let c = &cert.object;
            let Ok(not_after) = c.not_after.parse::<Timestamp>() else {
                continue;
            };
            let left = not_after.duration_since(now);
            let (severity, when) = if left <= SignedDuration::ZERO {
                (
                    Severity::Critical,
                    format!("expired {} ago", humanize(-left)),
                )
            } else if left <= super::thresholds::thresholds().certificate_expiry_warning {
                (Severity::Warning, format!("expires in {}", humanize(left)))
            } else {
                continue;
            };
            let subject = Subject::new(SubjectKind::Certificate, &c.path).on_node(node);
            out.add(
                Draft::new(&EXPIRY, subject)
                    .severity(severity)
                    .title(format!("Certificate {} on {node} {when}", c.path))
                    .message(format!(
                        "{} (subject {}, issuer {}) is valid until {}: it {when}.",
                        c.path,
                        c.subject,
                        c.issuer,
                        rfc3339(not_after)
                    ))
                    .seen_at(Some(not_after))
                    .evidence(&cert.file, cert.line, format!("not_after: {}", c.not_after))
                    .build(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{HostFacts, Sourced};
    use crate::rules::testing::{facts_at_ten, rule_ids};
    use kbundle_format::manifest::CertificateRecord;

    #[test]
    fn expired_and_expiring_but_not_healthy() {
        let mut facts = facts_at_ten();
        let mut host = HostFacts::default();
        for (path, not_after) in [
            ("/etc/kubernetes/pki/apiserver.crt", "2026-11-25T08:14:00Z"),
            (
                "/etc/kubernetes/pki/front-proxy-client.crt",
                "2026-12-10T00:00:00Z",
            ),
            ("/etc/kubernetes/pki/ca.crt", "2035-11-25T08:14:00Z"),
        ] {
            host.certificates.push(Sourced {
                object: CertificateRecord {
                    path: path.into(),
                    not_after: not_after.into(),
                    ..Default::default()
                },
                file: "host-collectors/m1/certificates.json".into(),
                line: Some(2),
            });
        }
        facts.hosts.insert("m1".into(), host);
        let all = crate::rules::testing::evaluate(&facts).into_sorted();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].severity, Severity::Critical);
        assert!(
            all[0].title.contains("expired 2d 1h ago"),
            "{}",
            all[0].title
        );
        assert_eq!(rule_ids(&facts).len(), 2);
    }
}
