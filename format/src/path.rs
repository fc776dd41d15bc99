//! Paths inside a bundle, validated once so that neither side can be tricked into writing or
//! reading outside the bundle.

use std::fmt;

/// A relative, `/`-separated path inside a bundle (below its top directory), checked so that
/// joining it under any root stays under that root: no absolute path, no `..`, no `.`, no
/// empty component, no NUL or backslash, at most 4096 bytes.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BundlePath(String);

/// Why a path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Nothing at all.
    #[error("empty path")]
    Empty,
    /// Starts at `/`: would escape the bundle.
    #[error("absolute path {0:?}")]
    Absolute(String),
    /// Climbs out with `..`.
    #[error("path {0:?} has a '..' component")]
    ParentComponent(String),
    /// `a//b` or `a/./b`: ambiguous.
    #[error("path {0:?} has an empty or '.' component")]
    EmptyComponent(String),
    /// A character that means something else to a shell, a terminal or another OS.
    #[error("path {0:?} holds a NUL, backslash or control character")]
    BadCharacter(String),
    /// Over PATH_MAX.
    #[error("path is longer than 4096 bytes")]
    TooLong,
}

impl BundlePath {
    /// Checks `raw` and keeps it. A trailing `/` (how archives mark directories) is dropped.
    pub fn new(raw: &str) -> Result<Self, PathError> {
        let trimmed = raw.strip_suffix('/').unwrap_or(raw);
        if trimmed.is_empty() {
            return Err(PathError::Empty);
        }
        if trimmed.len() > 4096 {
            return Err(PathError::TooLong);
        }
        if trimmed.starts_with('/') || has_windows_drive(trimmed) {
            return Err(PathError::Absolute(trimmed.to_string()));
        }
        if trimmed
            .chars()
            .any(|c| c == '\0' || c == '\\' || c.is_control())
        {
            return Err(PathError::BadCharacter(trimmed.to_string()));
        }
        for component in trimmed.split('/') {
            match component {
                ".." => return Err(PathError::ParentComponent(trimmed.to_string())),
                "" | "." => return Err(PathError::EmptyComponent(trimmed.to_string())),
                _ => {}
            }
        }
        Ok(BundlePath(trimmed.to_string()))
    }

    /// Builds a path from components that each come from untrusted data (pod, node or
    /// container names), making every component safe with [`safe_component`].
    pub fn from_components<I, S>(parts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let joined: Vec<String> = parts
            .into_iter()
            .map(|p| safe_component(p.as_ref()))
            .collect();
        let mut path = joined.join("/");
        if has_windows_drive(&path) {
            // `C:` first would read as a drive on Windows; the name stays recognisable.
            path.replace_range(1..2, "_");
        }
        BundlePath(path)
    }

    /// The path as written in archives and JSON.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `/`-separated components.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// The last component.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// This path under `dir` (itself a bundle path).
    pub fn join(&self, child: &BundlePath) -> BundlePath {
        BundlePath(format!("{}/{}", self.0, child.0))
    }
}

fn has_windows_drive(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic()
}

/// Turns one untrusted name into a single safe path component: `/`, `\`, NUL and control
/// characters become `_`, `.` and `..` become `_` and `__`, empty becomes `_`, and the result
/// is cut to 200 bytes on a character boundary.
pub fn safe_component(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c == '\0' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if out.is_empty() || out == "." || out == ".." {
        out = "_".repeat(out.len().max(1));
    }
    if out.len() > 200 {
        let mut cut = 200;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

impl fmt::Display for BundlePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for BundlePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl AsRef<str> for BundlePath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_paths() {
        let p = BundlePath::new("cluster-resources/pods/default.json").unwrap();
        assert_eq!(p.file_name(), "default.json");
        assert_eq!(p.components().count(), 3);
        assert_eq!(BundlePath::new("a/b/").unwrap().as_str(), "a/b");
    }

    #[test]
    fn refuses_escapes() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a/./b",
            "C:/x",
            "a\\..\\b",
            "a\0b",
            "a\nb",
        ] {
            assert!(BundlePath::new(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn safe_components_cannot_escape() {
        assert_eq!(safe_component(".."), "__");
        assert_eq!(safe_component("."), "_");
        assert_eq!(safe_component(""), "_");
        assert_eq!(safe_component("a/b\\c\0"), "a_b_c_");
        let p = BundlePath::from_components(["pods", "..", "../etc"]);
        assert!(BundlePath::new(p.as_str()).is_ok());
        assert_eq!(safe_component(&"é".repeat(150)).len(), 200);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use proptest::test_runner::FileFailurePersistence;

        /// Names as hostile archives and API objects hold them: separators, dots, control
        /// characters, drive letters, long runs of multi-byte characters.
        fn hostile() -> impl Strategy<Value = String> {
            prop::collection::vec(
                prop_oneof![
                    Just("/".to_string()),
                    Just("\\".to_string()),
                    Just("..".to_string()),
                    Just(".".to_string()),
                    Just("C:".to_string()),
                    Just("\0".to_string()),
                    Just("\n".to_string()),
                    "[a-z0-9._-]{1,8}",
                    "\\PC{1,4}",
                ],
                0..12,
            )
            .prop_map(|parts| parts.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: 512,
                failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
                    "proptest-regressions/path.txt",
                ))),
                ..ProptestConfig::default()
            })]

            #[test]
            fn an_accepted_path_cannot_escape(raw in hostile()) {
                if let Ok(p) = BundlePath::new(&raw) {
                    let s = p.as_str();
                    prop_assert!(!s.is_empty() && !s.starts_with('/'));
                    prop_assert!(!has_windows_drive(s));
                    prop_assert!(p.components().all(|c| !c.is_empty() && c != "." && c != ".."));
                    prop_assert!(!s.chars().any(|c| c == '\\' || c.is_control()));
                }
            }

            #[test]
            fn safe_components_always_make_a_valid_path(parts in prop::collection::vec(hostile(), 1..5)) {
                let p = BundlePath::from_components(&parts);
                prop_assert_eq!(p.components().count(), parts.len());
                prop_assert!(BundlePath::new(p.as_str()).is_ok(), "{:?}", p);
            }
        }
    }
}
