//! Crash causes: the last error-level lines of a container log, so that a crash-loop finding
//! can say why the container died, even when a long usage text follows the error.

use regex::bytes::Regex;

/// Recognises the error-level lines of the log formats containers write.
#[derive(Debug, Clone)]
pub(crate) struct CauseMatcher {
    re: Regex,
}

/// An optional CRI (`<RFC 3339> stdout F `) or `kubectl logs --timestamps` prefix, then one of:
/// a klog `E`/`F` header; `panic:`, `fatal error:`, `Error:` and friends at the start; a
/// logrus `level=error|fatal|panic`; a JSON `"level":"error"` (zap, logr); zap's console
/// `\tERROR\t`; or a bracketed or spaced `ERROR`/`FATAL` level word.
const CAUSE_PATTERN: &str = r#"(?x)
    ^(?:\d{4}-\d\d-\d\dT\S+\x20(?:(?:stdout|stderr)\x20[FP]\x20)?)?
    (?:
        [EF]\d{4}\x20\d\d:\d\d:\d\d
      | (?:panic|fatal\x20error|Error|error|ERROR|FATAL|Fatal|fatal):\x20
      | .*?(?:
            \blevel=(?:fatal|error|panic|FATAL|ERROR|PANIC)\b
          | "(?:level|severity)":\s*"(?:error|fatal|panic|dpanic|ERROR|FATAL|PANIC|CRITICAL)"
          | \t(?:ERROR|DPANIC|PANIC|FATAL)\t
          | \[(?:ERROR|FATAL|PANIC)\]
          | \x20(?:ERROR|FATAL|CRITICAL)\x20
        )
    )"#;

impl CauseMatcher {
    pub(crate) fn new() -> Result<CauseMatcher, regex::Error> {
        Ok(CauseMatcher {
            re: Regex::new(CAUSE_PATTERN)?,
        })
    }

    /// True for a line (without its terminator) that reports an error, fatal or panic.
    pub(crate) fn is_cause(&self, line: &[u8]) -> bool {
        self.re.is_match(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_levels_of_common_formats() {
        let m = CauseMatcher::new().unwrap();
        for line in [
            r#"Error: unable to load configmap based request-header-client-ca-file: Get "https://10.43.0.1:443/api": dial tcp 10.43.0.1:443: i/o timeout"#,
            r#"time="2022-12-21T09:43:10Z" level=fatal msg="Error starting daemon: x""#,
            "2021-09-14T14:16:52.033835072Z 2021-09-14T14:16:52.033Z\tERROR\toperator.main\tcobra/command.go:854\terror starting",
            "E1221 09:43:10.853025       1 reflector.go:138] Failed to watch *v1.Service",
            "2026-11-27T09:12:03.123456789Z stderr F F1127 09:12:03.1 1 main.go:1] fatal",
            r#"{"level":"error","ts":1631692800.1,"msg":"Reconciler error"}"#,
            "panic: runtime error: invalid memory address or nil pointer dereference",
            "fatal error: concurrent map writes",
            "[ERROR] plugin/errors: 2 example.org. A: read udp 10.42.0.5:40000->1.1.1.1:53: i/o timeout",
            "2021-09-14 14:31:03,123 ERROR app: boom",
        ] {
            assert!(m.is_cause(line.as_bytes()), "{line}");
        }
    }

    #[test]
    fn ordinary_lines_are_not_causes() {
        let m = CauseMatcher::new().unwrap();
        for line in [
            "      --logtostderr                      log to standard error instead of files (default true)",
            r#"time="2022-12-21T09:42:40Z" level=info msg="Configuration loaded from flags.""#,
            "I1221 09:43:10.853006       1 trace.go:205] Trace[1874576772]: Reflector ListAndWatch",
            "2021-09-14T14:16:32.721434818Z 2021-09-14T14:16:32.721Z\tINFO\toperator.main\tstart.go:63\tusing operator namespace",
            "[WARNING] No files matching import glob pattern: /etc/coredns/custom/*.server",
            r#"{"level":"info","msg":"errors: none"}"#,
        ] {
            assert!(!m.is_cause(line.as_bytes()), "{line}");
        }
    }
}
