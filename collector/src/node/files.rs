//! Files copied from the node (syslog, kern.log, static-pod manifests, os-release, the
//! kubelet config), size-capped with the newest part kept.
//!
//! A file larger than the cap is not read from its start: the copy seeks to the last `cap`
//! bytes, skips the partial line there (and any tail of a PEM block cut by the seek, which
//! the line redactor could no longer recognise), and reads only up to the size the file had
//! when opened, so a log being written meanwhile cannot keep the copy going.

use super::host::HostRoot;
use crate::bundle::{Bundle, Scrubbed};
use kbundle_format::layout;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};

/// One copied file.
pub(crate) struct Copied {
    /// The member, redacted.
    pub member: Scrubbed,
    /// Older content was left out to honour the cap.
    pub truncated: bool,
}

/// Why a file was not copied.
#[derive(Debug)]
pub(crate) enum CopyError {
    /// Not there (or not a regular file): nothing to collect, not a failure.
    Absent(String),
    /// There but unreadable.
    Failed(String),
}

/// The host paths an entry of [`kbundle_format::commands::NODE_FILES`] stands for: itself,
/// or for `dir/*` the regular files of `dir` in name order. `Err` when the file or
/// directory is absent.
pub(crate) fn expand(host: &HostRoot, entry: &str) -> Result<Vec<String>, CopyError> {
    let Some(dir) = entry.strip_suffix("/*") else {
        return Ok(vec![entry.to_string()]);
    };
    let local = host
        .resolve(dir)
        .map_err(|_| CopyError::Absent(format!("no directory {dir}")))?;
    let entries = std::fs::read_dir(&local).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => {
            CopyError::Absent(format!("no directory {dir}"))
        }
        _ => CopyError::Failed(format!("{dir}: {e}")),
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .map(|n| format!("{dir}/{n}"))
        .filter(|p| host.resolve(p).is_ok_and(|l| l.is_file()))
        .collect();
    names.sort();
    Ok(names)
}

/// Copies one host file into a member under `node`'s `files/`, keeping its newest `cap`
/// bytes.
pub(crate) fn copy(
    host: &HostRoot,
    bundle: &Bundle,
    node: &str,
    host_path: &str,
    cap: u64,
) -> Result<Copied, CopyError> {
    let failed = |e: io::Error| CopyError::Failed(format!("{host_path}: {e}"));
    let local = host
        .resolve(host_path)
        .map_err(|_| CopyError::Absent(format!("no file {host_path}")))?;
    let mut file = match std::fs::File::open(&local) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(CopyError::Absent(format!("no file {host_path}")))
        }
        Err(e) => return Err(failed(e)),
    };
    let meta = file.metadata().map_err(failed)?;
    if !meta.is_file() {
        return Err(CopyError::Absent(format!(
            "{host_path} is not a regular file"
        )));
    }
    let size = meta.len();
    let mut truncated = false;
    let mut remaining = size;
    if size > cap {
        file.seek(SeekFrom::Start(size - cap)).map_err(failed)?;
        remaining = cap;
        truncated = true;
    }
    let mut reader = BufReader::with_capacity(64 * 1024, file.take(remaining));
    if truncated {
        skip_cut_lines(&mut reader).map_err(failed)?;
    }
    let path = layout::node_file_path(node, host_path);
    let member = bundle.scrub(path, &mut reader, cap).map_err(failed)?;
    truncated |= member.content.truncated();
    Ok(Copied { member, truncated })
}

/// After a seek: drops the partial first line, then lines that can only be the cut-off rest
/// of a PEM block (base64 lines, the END marker).
fn skip_cut_lines(reader: &mut dyn BufRead) -> io::Result<()> {
    let mut line = Vec::new();
    read_capped_line(reader, &mut line)?;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        let end = memchr::memchr(b'\n', buf).unwrap_or(buf.len());
        let text = buf[..end].trim_ascii();
        let base64 = !text.is_empty()
            && text.len() <= 80
            && text
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
        let pem_end = text.starts_with(b"-----END ");
        if !(base64 || pem_end) {
            return Ok(());
        }
        read_capped_line(reader, &mut line)?;
    }
}

fn read_capped_line(reader: &mut dyn BufRead, line: &mut Vec<u8>) -> io::Result<()> {
    line.clear();
    reader
        .take(crate::bundle::MAX_LINE as u64)
        .read_until(b'\n', line)
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{BundleWriter, Format};
    use crate::redact::Redactor;

    fn text(c: &Copied) -> String {
        let mut s = String::new();
        c.member.content.reader().read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn big_files_keep_their_newest_whole_lines_and_never_a_cut_key() {
        let root = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("var/log")).unwrap();
        let mut body = String::new();
        for i in 0..2000 {
            body.push_str(&format!("line {i:04} kubelet says hello\n"));
        }
        body.push_str("-----BEGIN RSA PRIVATE KEY-----\n");
        for _ in 0..40 {
            body.push_str("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2\n");
        }
        body.push_str("-----END RSA PRIVATE KEY-----\ntail line\n");
        std::fs::write(root.path().join("var/log/syslog"), &body).unwrap();
        let w = BundleWriter::create(
            &out.path().join("b.tar.gz"),
            Format::TarGz,
            "b",
            jiff::Timestamp::now(),
        )
        .unwrap();
        let bundle = Bundle::new(w, Redactor::builtin(), None);
        let host = HostRoot::new(root.path());
        let small = copy(&host, &bundle, "n1", "/var/log/syslog", 1000).unwrap();
        assert!(small.truncated);
        assert_eq!(text(&small), "tail line\n");
        let whole = copy(&host, &bundle, "n1", "/var/log/syslog", 1 << 20).unwrap();
        assert!(!whole.truncated);
        let t = text(&whole);
        assert!(
            t.starts_with("line 0000") && !t.contains("QUJD"),
            "{}",
            &t[t.len() - 200..]
        );
        assert_eq!(
            whole.member.path.as_str(),
            "host-collectors/n1/files/var/log/syslog"
        );
        assert!(matches!(
            copy(&host, &bundle, "n1", "/var/log/none", 10),
            Err(CopyError::Absent(_))
        ));
    }

    #[test]
    fn a_glob_lists_regular_files_in_order() {
        let root = tempfile::tempdir().unwrap();
        let m = root.path().join("etc/kubernetes/manifests");
        std::fs::create_dir_all(m.join("sub")).unwrap();
        std::fs::write(m.join("kube-apiserver.yaml"), "a").unwrap();
        std::fs::write(m.join("etcd.yaml"), "b").unwrap();
        let host = HostRoot::new(root.path());
        let files = expand(&host, "/etc/kubernetes/manifests/*").unwrap();
        assert_eq!(
            files,
            [
                "/etc/kubernetes/manifests/etcd.yaml",
                "/etc/kubernetes/manifests/kube-apiserver.yaml"
            ]
        );
        assert!(matches!(
            expand(&host, "/etc/nothing/*"),
            Err(CopyError::Absent(_))
        ));
    }
}
