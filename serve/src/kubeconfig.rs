//! The kubeconfig that points kubectl at the served bundle: plain http on 127.0.0.1, no
//! credentials, namespace `default`.

use anyhow::{Context as _, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The kubeconfig text for a server URL.
pub fn render(server_url: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kbundle\n  cluster:\n    server: {server_url}\ncontexts:\n- name: kbundle\n  context:\n    cluster: kbundle\n    user: kbundle\n    namespace: default\ncurrent-context: kbundle\nusers:\n- name: kbundle\n  user: {{}}\npreferences: {{}}\n"
    )
}

/// Where the kubeconfig was written; a temporary one is removed when this is dropped.
pub enum Kubeconfig {
    /// A file the user chose with `--kubeconfig`: left in place.
    Chosen(PathBuf),
    /// A temporary file.
    Temporary(tempfile::TempPath),
}

impl Kubeconfig {
    /// Writes the kubeconfig to `chosen`, or to a new temporary file.
    pub fn write(server_url: &str, chosen: Option<&Path>) -> Result<Kubeconfig> {
        let text = render(server_url);
        match chosen {
            Some(path) => {
                std::fs::write(path, text)
                    .with_context(|| format!("{}: cannot write the kubeconfig", path.display()))?;
                Ok(Kubeconfig::Chosen(path.to_path_buf()))
            }
            None => {
                let mut file = tempfile::Builder::new()
                    .prefix("kbundle-serve-")
                    .suffix(".kubeconfig")
                    .tempfile()
                    .context("cannot create a temporary kubeconfig")?;
                file.write_all(text.as_bytes())
                    .context("cannot write the temporary kubeconfig")?;
                Ok(Kubeconfig::Temporary(file.into_temp_path()))
            }
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        match self {
            Kubeconfig::Chosen(p) => p,
            Kubeconfig::Temporary(p) => p,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_as_yaml_and_cleans_up() {
        let v: serde_json::Value =
            serde_yaml_ng::from_str(&render("http://127.0.0.1:1234")).unwrap();
        assert_eq!(
            v["clusters"][0]["cluster"]["server"],
            "http://127.0.0.1:1234"
        );
        assert_eq!(v["current-context"], "kbundle");
        let k = Kubeconfig::write("http://127.0.0.1:1", None).unwrap();
        let path = k.path().to_path_buf();
        assert!(path.exists());
        drop(k);
        assert!(!path.exists());
    }
}
