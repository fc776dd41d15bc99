//! Rule packs: log rules a support organisation writes as YAML (the schema of
//! `analyzer/rules/`, docs/rules.md) and ships as files, loaded at run time beside the built-in
//! catalog or instead of it, so a new failure signature reaches every engineer, air-gapped
//! or not, without a new build. A pack rule with a built-in rule's id replaces it; the
//! analysis names every pack and what it replaced.

use super::catalog::{Catalog, CatalogBuilder, CatalogError, Origin, BUILTIN_FILES};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A rule file larger than this is refused: rule files are a few KiB, and a pack is read
/// whole before it is parsed.
pub const MAX_PACK_FILE: u64 = 4 << 20;

/// Where the log rules of an analysis come from.
#[derive(Debug, Clone)]
pub struct RuleSources {
    /// Whether the built-in rules are loaded (`--no-builtin-rules` turns them off).
    pub builtin: bool,
    /// `--rules` paths, in the order given: rule files, or directories whose `*.yaml` and
    /// `*.yml` files are read in name order.
    pub packs: Vec<PathBuf>,
}

impl Default for RuleSources {
    fn default() -> Self {
        RuleSources {
            builtin: true,
            packs: Vec::new(),
        }
    }
}

/// Why the rules could not be loaded: one line naming the file and, for a rule, its id.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// A pack path cannot be read.
    #[error("{path}: {error}")]
    Io {
        /// The file or directory.
        path: String,
        /// What the system said.
        error: std::io::Error,
    },
    /// A pack directory without any rule file.
    #[error("{0}: no *.yaml or *.yml rule file in this directory")]
    EmptyDirectory(String),
    /// A rule file too large to be one.
    #[error("{0}: larger than {MAX_PACK_FILE} bytes, which no rule file is")]
    TooLarge(String),
    /// A rule file that is not UTF-8 text.
    #[error("{0}: not UTF-8 text")]
    NotText(String),
    /// `--no-builtin-rules` and no pack: there would be nothing to look for.
    #[error("--no-builtin-rules needs at least one --rules pack")]
    NoRules,
    /// A rule or a file is invalid.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// One rule file of a pack, read.
#[derive(Debug, Clone)]
pub struct PackFile {
    /// Its path, as shown in errors and in the analysis.
    pub path: String,
    /// Its text.
    pub text: String,
}

impl Catalog {
    /// The catalog of an analysis: the built-in rules unless turned off, then every pack in
    /// order, then the checks that need the whole (suppressions).
    pub fn load(sources: &RuleSources) -> Result<Catalog, PackError> {
        if !sources.builtin && sources.packs.is_empty() {
            return Err(PackError::NoRules);
        }
        let mut builder = CatalogBuilder::default();
        if sources.builtin {
            for (file, text) in BUILTIN_FILES {
                builder.add(&format!("rules/{file}"), file, text, Origin::Builtin)?;
            }
        }
        for path in &sources.packs {
            for file in read_pack(path)? {
                builder.add(&file.path, &file.path, &file.text, Origin::Pack)?;
            }
        }
        Ok(builder.finish()?)
    }
}

/// The rule files of one `--rules` path: the file itself, or a directory's `*.yaml` and
/// `*.yml` files (not its subdirectories) in name order.
pub fn read_pack(path: &Path) -> Result<Vec<PackFile>, PackError> {
    let shown = path.display().to_string();
    let io = |error| PackError::Io {
        path: shown.clone(),
        error,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_dir() {
        return Ok(vec![read_file(path)?]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io)? {
        let entry = entry.map_err(io)?;
        let p = entry.path();
        let rule_file = p.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if rule_file && entry.file_type().map_err(io)?.is_file() {
            files.push(p);
        }
    }
    if files.is_empty() {
        return Err(PackError::EmptyDirectory(shown));
    }
    files.sort();
    files.iter().map(|f| read_file(f)).collect()
}

fn read_file(path: &Path) -> Result<PackFile, PackError> {
    let shown = path.display().to_string();
    let io = |error| PackError::Io {
        path: shown.clone(),
        error,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_PACK_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_PACK_FILE {
        return Err(PackError::TooLarge(shown));
    }
    let text = String::from_utf8(bytes).map_err(|_| PackError::NotText(shown.clone()))?;
    Ok(PackFile { path: shown, text })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACK: &str = r#"
rules:
  - id: vendor.csi-attach-timeout
    category: volume-mount
    severity: warning
    title: "CSI attach timed out on {node}"
    looks_at: [kubelet-journal]
    pattern: 'acme-csi: attach of (?P<vol>pvc-[0-9a-f-]+) timed out'
    message: "{count} attach timeouts; the last for {vol}."
    remediation: "Check the ACME array's controller."
    examples:
      match: ["E1203 acme-csi: attach of pvc-0a1b-22 timed out after 2m"]
      no_match: ["I1203 acme-csi: attach of pvc-0a1b-22 done"]
"#;

    fn pack_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn a_pack_adds_its_rules_and_is_named() {
        let dir = pack_dir(&[("acme.yaml", PACK), ("README.md", "not a rule file")]);
        let sources = RuleSources {
            builtin: true,
            packs: vec![dir.path().to_path_buf()],
        };
        let catalog = Catalog::load(&sources).unwrap();
        let builtin = Catalog::builtin().unwrap().rules().len();
        assert_eq!(catalog.rules().len(), builtin + 1);
        assert!(catalog.find("vendor.csi-attach-timeout").is_some());
        assert_eq!(catalog.packs().len(), 1);
        assert!(catalog.packs()[0].path.ends_with("acme.yaml"));
        assert_eq!(catalog.packs()[0].rules, 1);
        assert!(catalog.check_examples().is_empty());
    }

    #[test]
    fn a_pack_rule_with_a_builtin_id_replaces_it_in_place() {
        let replacing = PACK.replace("vendor.csi-attach-timeout", "kernel.oom-kill");
        let dir = pack_dir(&[("oom.yaml", &replacing)]);
        let sources = RuleSources {
            builtin: true,
            packs: vec![dir.path().join("oom.yaml")],
        };
        let catalog = Catalog::load(&sources).unwrap();
        let builtin = Catalog::builtin().unwrap();
        assert_eq!(catalog.rules().len(), builtin.rules().len());
        let id = catalog.find("kernel.oom-kill").unwrap();
        assert_eq!(id, builtin.find("kernel.oom-kill").unwrap());
        assert!(catalog.rule(id).file.ends_with("oom.yaml"));
        assert_eq!(catalog.packs()[0].replaces, ["kernel.oom-kill"]);
    }

    #[test]
    fn a_pack_alone_and_its_errors() {
        let dir = pack_dir(&[("acme.yaml", PACK)]);
        let alone = RuleSources {
            builtin: false,
            packs: vec![dir.path().to_path_buf()],
        };
        assert_eq!(Catalog::load(&alone).unwrap().rules().len(), 1);
        let nothing = RuleSources {
            builtin: false,
            packs: Vec::new(),
        };
        assert!(matches!(Catalog::load(&nothing), Err(PackError::NoRules)));
        // The same id twice across packs is an error naming both files.
        let twice = pack_dir(&[("a.yaml", PACK), ("b.yml", PACK)]);
        let err = Catalog::load(&RuleSources {
            builtin: true,
            packs: vec![twice.path().to_path_buf()],
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("b.yml: rule vendor.csi-attach-timeout: duplicate id, first defined in"),
            "{err}"
        );
        assert!(err.contains("a.yaml"), "{err}");
        // A bad rule names the file and the rule.
        let bad = pack_dir(&[("bad.yaml", &PACK.replace("volume-mount", "volume-mnt"))]);
        let err = Catalog::load(&RuleSources {
            builtin: true,
            packs: vec![bad.path().to_path_buf()],
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.ends_with(
                "bad.yaml: rule vendor.csi-attach-timeout: unknown category \"volume-mnt\""
            ),
            "{err}"
        );
        // A suppression naming a rule that exists nowhere is a load error.
        let suppress = PACK.replace(
            "    examples:",
            "    suppresses: [vendor.nothing]\n    examples:",
        );
        let s = pack_dir(&[("s.yaml", &suppress)]);
        assert!(Catalog::load(&RuleSources {
            builtin: true,
            packs: vec![s.path().to_path_buf()]
        })
        .unwrap_err()
        .to_string()
        .contains("suppresses unknown or own rule \"vendor.nothing\""));
        let empty = pack_dir(&[("notes.txt", "x")]);
        assert!(matches!(
            read_pack(empty.path()),
            Err(PackError::EmptyDirectory(_))
        ));
        assert!(matches!(
            read_pack(&empty.path().join("missing.yaml")),
            Err(PackError::Io { .. })
        ));
    }
}
