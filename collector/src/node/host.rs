//! The node's filesystem as seen from the collector: everything is read under `--host-root`
//! (default `/`), so the same binary works in a DaemonSet pod with the host mounted at
//! `/host`. Symbolic links are resolved inside the host root (an absolute link target
//! means the host's `/`, not the pod's), and never lead out of it.

use std::ffi::OsStr;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

/// Directories searched for programs on the host when it is not our own root (the
/// collector's PATH means nothing there).
pub(crate) const HOST_PATH: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// The root directory the node's files are read under.
#[derive(Debug, Clone)]
pub(crate) struct HostRoot {
    root: PathBuf,
}

impl HostRoot {
    /// A host root at `root` (`/` for this machine).
    pub(crate) fn new(root: &Path) -> Self {
        HostRoot {
            root: root.to_path_buf(),
        }
    }

    /// The directory itself.
    pub(crate) fn path(&self) -> &Path {
        &self.root
    }

    /// True when the host root is this machine's `/`: programs run directly.
    pub(crate) fn is_own_root(&self) -> bool {
        self.root == Path::new("/")
    }

    /// The local path of the host's absolute `host_path`, symbolic links resolved inside
    /// the host root. Fails like `open` would (not found, too many links).
    pub(crate) fn resolve(&self, host_path: &str) -> io::Result<PathBuf> {
        if self.is_own_root() {
            return Ok(PathBuf::from(host_path));
        }
        let mut pending: Vec<PathBuf> = Vec::new(); // components still to walk, reversed
        push_components(&mut pending, Path::new(host_path));
        let mut resolved: Vec<PathBuf> = Vec::new(); // components below the root
        let mut links = 0;
        while let Some(part) = pending.pop() {
            if part.as_os_str() == ".." {
                resolved.pop();
                continue;
            }
            let candidate = self.local(&resolved).join(&part);
            match std::fs::symlink_metadata(&candidate) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    links += 1;
                    if links > 40 {
                        return Err(io::Error::other(format!(
                            "{host_path}: too many levels of symbolic links"
                        )));
                    }
                    let target = std::fs::read_link(&candidate)?;
                    if target.is_absolute() {
                        resolved.clear();
                    }
                    push_components(&mut pending, &target);
                }
                Ok(_) => resolved.push(part),
                Err(e) if e.kind() == io::ErrorKind::NotFound && pending.is_empty() => {
                    return Err(e)
                }
                Err(e) => return Err(e),
            }
        }
        Ok(self.local(&resolved))
    }

    fn local(&self, parts: &[PathBuf]) -> PathBuf {
        let mut p = self.root.clone();
        for part in parts {
            p.push(part);
        }
        p
    }

    /// True when the host path exists (after resolving links).
    pub(crate) fn exists(&self, host_path: &str) -> bool {
        self.resolve(host_path).is_ok_and(|p| p.exists())
    }

    /// The host path of an executable `program`: searched in `path_env` (the collector's
    /// PATH) on our own root, in [`HOST_PATH`] under another root.
    pub(crate) fn find_program(&self, program: &str, path_env: Option<&OsStr>) -> Option<String> {
        if program.contains('/') {
            return self.is_executable(program).then(|| program.to_string());
        }
        if self.is_own_root() {
            let path_env = path_env?;
            std::env::split_paths(path_env)
                .map(|dir| dir.join(program))
                .find(|p| p.to_str().is_some_and(|s| self.is_executable(s)))
                .and_then(|p| p.to_str().map(str::to_string))
        } else {
            HOST_PATH
                .iter()
                .map(|dir| format!("{dir}/{program}"))
                .find(|p| self.is_executable(p))
        }
    }

    fn is_executable(&self, host_path: &str) -> bool {
        self.resolve(host_path)
            .and_then(std::fs::metadata)
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
}

fn push_components(pending: &mut Vec<PathBuf>, path: &Path) {
    let parts: Vec<PathBuf> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(PathBuf::from(n)),
            Component::ParentDir => Some(PathBuf::from("..")),
            _ => None,
        })
        .collect();
    pending.extend(parts.into_iter().rev());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_resolve_inside_the_host_root() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("usr/lib")).unwrap();
        std::fs::create_dir_all(r.join("etc")).unwrap();
        std::fs::write(r.join("usr/lib/os-release"), "ID=test\n").unwrap();
        symlink("../usr/lib/os-release", r.join("etc/os-release")).unwrap();
        symlink("/usr/lib/os-release", r.join("etc/abs")).unwrap();
        symlink("/../../../../etc/passwd", r.join("etc/escape")).unwrap();
        symlink("loop", r.join("etc/loop")).unwrap();
        let host = HostRoot::new(r);
        let want = r.join("usr/lib/os-release");
        assert_eq!(host.resolve("/etc/os-release").unwrap(), want);
        assert_eq!(host.resolve("/etc/abs").unwrap(), want);
        let escaped = host.resolve("/etc/escape");
        assert!(escaped.is_err() || escaped.unwrap().starts_with(r));
        assert!(host.resolve("/etc/loop").is_err());
        assert!(host.resolve("/nope").is_err());
        assert!(!host.is_own_root());
    }

    #[test]
    fn programs_are_found_on_the_host_path_under_another_root() {
        let root = tempfile::tempdir().unwrap();
        let bin = root.path().join("usr/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("df"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(bin.join("df"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(bin.join("plain"), "").unwrap();
        let host = HostRoot::new(root.path());
        assert_eq!(
            host.find_program("df", None).as_deref(),
            Some("/usr/bin/df")
        );
        assert_eq!(host.find_program("plain", None), None);
        assert_eq!(host.find_program("missing", None), None);
        let own = HostRoot::new(Path::new("/"));
        assert!(own
            .find_program("sh", std::env::var_os("PATH").as_deref())
            .is_some());
    }
}
