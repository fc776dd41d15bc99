//! The catalog of cause links: YAML in `analyzer/causes/`, compiled into the binary and
//! validated as a whole when loaded, like the log rules, so that a bad link is an error
//! naming it and never a silent miss. docs/causes.md describes the schema.

use super::examples::Example;
use crate::logscan::template;
use jiff::SignedDuration;
use kbundle_format::analysis::{Category, Finding, Severity, SubjectKind};
use regex::Regex;
use serde::Deserialize;
use std::collections::HashSet;

/// The link files shipped in the binary, in the order their links are tried.
const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "workloads.yaml",
        include_str!("../../causes/workloads.yaml"),
    ),
    ("runtime.yaml", include_str!("../../causes/runtime.yaml")),
    ("storage.yaml", include_str!("../../causes/storage.yaml")),
    ("memory.yaml", include_str!("../../causes/memory.yaml")),
    (
        "certificates.yaml",
        include_str!("../../causes/certificates.yaml"),
    ),
    (
        "control-plane.yaml",
        include_str!("../../causes/control-plane.yaml"),
    ),
    ("kernel.yaml", include_str!("../../causes/kernel.yaml")),
    ("network.yaml", include_str!("../../causes/network.yaml")),
    (
        "scheduling.yaml",
        include_str!("../../causes/scheduling.yaml"),
    ),
];

/// Placeholders a `because` may use.
pub(crate) const BECAUSE_PLACEHOLDERS: [&str; 4] = ["node", "cause", "effect", "value"];

/// How a cause and an effect must be related in the bundle's own facts for a link to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Join {
    /// Both are on the same node (a node itself, a thing on a node, a pod scheduled there).
    SameNode,
    /// Both are about the same object (a pod and its containers are one).
    SameSubject,
    /// The cause is a pod that the effect, a workload, owns.
    PodOfWorkload,
    /// The effect is a workload with a pod that is not ready on the cause's node.
    WorkloadOnNode,
    /// Both are pods of the same workload.
    SameWorkload,
    /// The effect's text names the cause's subject (a node by name or address, a pod by
    /// name or UID, a workload as `name.namespace`).
    EffectNamesCause,
    /// The cause's text names the effect's subject.
    CauseNamesEffect,
    /// No relation of objects: the text conditions alone carry the link (a scheduling
    /// message naming a taint, a certificate's expiry time in an x509 error).
    Anywhere,
}

/// When the effect must have started, relative to the cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// Not before the cause started (less a few minutes of clock slack); unknown times pass.
    #[default]
    CauseFirst,
    /// Like `cause-first`, but both times must be known.
    CauseFirstKnown,
    /// Either order: the finding's times say little (a state seen at collection).
    Any,
}

/// Which findings may be one side of a link.
#[derive(Debug, Clone)]
pub struct Side {
    /// Categories, at least one.
    pub categories: Vec<Category>,
    /// Rule ids; empty means any rule of the categories.
    pub rules: Vec<String>,
    /// Subject kinds; empty means any.
    pub kinds: Vec<SubjectKind>,
    /// A pattern the subject's name must match.
    pub name: Option<Regex>,
    /// The least severity.
    pub min_severity: Option<Severity>,
    /// A pattern the finding's text (title, message, evidence) must match.
    pub mentions: Option<Regex>,
}

impl Side {
    /// Whether `f` may be this side (the text condition apart: see [`Side::mentions`]).
    pub fn admits(&self, f: &Finding) -> bool {
        self.categories.contains(&f.category)
            && (self.rules.is_empty() || self.rules.contains(&f.rule))
            && (self.kinds.is_empty() || self.kinds.contains(&f.subject.kind))
            && self
                .name
                .as_ref()
                .is_none_or(|re| re.is_match(&f.subject.name))
            && self.min_severity.is_none_or(|s| f.severity >= s)
    }
}

/// Text both sides must share: the first capture group of `cause` over the cause's text and
/// of `effect` over the effect's must have a value in common (an expiry time, an image).
#[derive(Debug, Clone)]
pub struct SameValue {
    /// Applied to the cause's text.
    pub cause: Regex,
    /// Applied to the effect's text.
    pub effect: Regex,
}

/// One piece of knowledge: a finding like `cause` explains a finding like `effect` when the
/// bundle relates them as `join` says, in time and in text.
#[derive(Debug, Clone)]
pub struct Link {
    /// Stable id, `cause.effect` words (e.g. `runtime-down.pleg`).
    pub id: String,
    /// Which findings may explain.
    pub cause: Side,
    /// Which findings may be explained.
    pub effect: Side,
    /// How they must be related.
    pub join: Join,
    /// Which comes first.
    pub order: Order,
    /// When set, the effect must start at most this long after the cause was last seen.
    pub within: Option<SignedDuration>,
    /// A value both texts must share.
    pub same_value: Option<SameValue>,
    /// The one line written as the effect's `because`; placeholders `{node}`, `{cause}`,
    /// `{effect}` (subjects) and `{value}` (the shared value).
    pub because: String,
    /// Pairs that must link and pairs that must not, run by the test suite.
    pub examples: Examples,
    /// The file it came from.
    pub file: &'static str,
}

/// A link's own test cases.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Pairs the link must join.
    #[serde(rename = "link")]
    pub must_link: Vec<Example>,
    /// Look-alike pairs it must leave apart.
    #[serde(rename = "no_link")]
    pub must_not_link: Vec<Example>,
}

/// Every link, in the order they are tried.
#[derive(Debug, Clone)]
pub struct CauseCatalog {
    /// The links.
    pub links: Vec<Link>,
}

/// Why the catalog could not be loaded, as one line: `causes/<file>: link <id>: <problem>`.
#[derive(Debug, thiserror::Error)]
#[error("causes/{file}: {}{problem}", link.as_ref().map(|l| format!("link {l}: ")).unwrap_or_default())]
pub struct CauseCatalogError {
    /// The file.
    pub file: String,
    /// The link's id, when the problem is in one link.
    pub link: Option<String>,
    /// What is wrong.
    pub problem: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    links: Vec<RawLink>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    id: String,
    cause: RawSide,
    effect: RawSide,
    join: Join,
    #[serde(default)]
    order: Order,
    #[serde(default)]
    within: Option<String>,
    #[serde(default)]
    same_value: Option<RawSameValue>,
    because: String,
    examples: Examples,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSide {
    category: OneOrMany,
    #[serde(default)]
    rule: Option<OneOrMany>,
    #[serde(default)]
    kind: Option<OneOrMany>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    min_severity: Option<Severity>,
    #[serde(default)]
    mentions: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSameValue {
    cause: String,
    effect: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

impl CauseCatalog {
    /// The links compiled into the binary.
    pub fn builtin() -> Result<Self, CauseCatalogError> {
        Self::from_files(BUILTIN_FILES)
    }

    /// Loads and validates link files given as (name, YAML text).
    pub fn from_files(files: &[(&'static str, &str)]) -> Result<Self, CauseCatalogError> {
        let mut links = Vec::new();
        let mut ids = HashSet::new();
        for (file, text) in files {
            let raw: RawFile = serde_yaml_ng::from_str(text).map_err(|e| CauseCatalogError {
                file: file.to_string(),
                link: None,
                problem: one_line(&e.to_string()),
            })?;
            for r in raw.links {
                let id = r.id.clone();
                let err = |problem: String| CauseCatalogError {
                    file: file.to_string(),
                    link: Some(id.clone()),
                    problem,
                };
                if !ids.insert(id.clone()) {
                    return Err(err("duplicate id".into()));
                }
                links.push(compile(r, file).map_err(err)?);
            }
        }
        Ok(CauseCatalog { links })
    }
}

fn compile(r: RawLink, file: &'static str) -> Result<Link, String> {
    if r.id.is_empty()
        || !r
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        return Err("an id is lowercase words, digits, '-' and '.'".into());
    }
    let names = template::placeholders(&r.because).map_err(|e| e.to_string())?;
    if let Some(bad) = names.iter().find(|n| !BECAUSE_PLACEHOLDERS.contains(n)) {
        return Err(format!("unknown placeholder {{{bad}}} in because"));
    }
    if names.contains(&"value") && r.same_value.is_none() {
        return Err("{value} needs same_value".into());
    }
    if r.examples.must_link.is_empty() || r.examples.must_not_link.is_empty() {
        return Err("needs at least one link and one no_link example".into());
    }
    let within = match r.within {
        None => None,
        Some(s) => match s.parse::<SignedDuration>() {
            Ok(d) if d.is_positive() => Some(d),
            _ => return Err(format!("within: {s:?} is not a positive duration")),
        },
    };
    let same_value = match r.same_value {
        None => None,
        Some(v) => Some(SameValue {
            cause: one_capture("same_value.cause", &v.cause)?,
            effect: one_capture("same_value.effect", &v.effect)?,
        }),
    };
    Ok(Link {
        cause: side("cause", r.cause)?,
        effect: side("effect", r.effect)?,
        join: r.join,
        order: r.order,
        within,
        same_value,
        because: r.because,
        examples: r.examples,
        file,
        id: r.id,
    })
}

fn side(which: &str, raw: RawSide) -> Result<Side, String> {
    let categories = raw
        .category
        .into_vec()
        .into_iter()
        .map(|c| Category::from_name(&c).ok_or_else(|| format!("{which}: unknown category {c:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    if categories.is_empty() {
        return Err(format!("{which}: no category"));
    }
    let kinds = raw
        .kind
        .map(OneOrMany::into_vec)
        .unwrap_or_default()
        .into_iter()
        .map(|k| kind_named(&k).ok_or_else(|| format!("{which}: unknown subject kind {k:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    let regex = |what: &str, p: Option<String>| -> Result<Option<Regex>, String> {
        p.map(|p| {
            Regex::new(&p).map_err(|e| format!("{which}.{what}: {}", one_line(&e.to_string())))
        })
        .transpose()
    };
    Ok(Side {
        categories,
        rules: raw.rule.map(OneOrMany::into_vec).unwrap_or_default(),
        kinds,
        name: regex("name", raw.name)?,
        min_severity: raw.min_severity,
        mentions: regex("mentions", raw.mentions)?,
    })
}

fn one_capture(what: &str, pattern: &str) -> Result<Regex, String> {
    let re = Regex::new(pattern).map_err(|e| format!("{what}: {}", one_line(&e.to_string())))?;
    if re.captures_len() != 2 {
        return Err(format!("{what}: needs exactly one capture group"));
    }
    Ok(re)
}

/// The subject kind of the JSON name (`Node`, `Pod`, ...).
pub(crate) fn kind_named(name: &str) -> Option<SubjectKind> {
    use SubjectKind as K;
    Some(match name {
        "Cluster" => K::Cluster,
        "Node" => K::Node,
        "Namespace" => K::Namespace,
        "Pod" => K::Pod,
        "Container" => K::Container,
        "Workload" => K::Workload,
        "Volume" => K::Volume,
        "Interface" => K::Interface,
        "Filesystem" => K::Filesystem,
        "Certificate" => K::Certificate,
        _ => return None,
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
links:
  - id: a.b
    cause: {category: runtime-down}
    effect: {category: [kubelet-error, node-not-ready], mentions: 'runtime'}
    join: same-node
    because: 'the runtime on {node} is down'
    examples:
      link:
        - cause: {category: runtime-down, subject: Node w1}
          effect: {category: kubelet-error, subject: Node w1, text: runtime is down}
      no_link:
        - cause: {category: runtime-down, subject: Node w1}
          effect: {category: kubelet-error, subject: Node w2, text: runtime is down}
"#;

    fn load(text: &str) -> Result<CauseCatalog, CauseCatalogError> {
        let text: &'static str = Box::leak(text.to_string().into_boxed_str());
        CauseCatalog::from_files(&[("t.yaml", text)])
    }

    #[test]
    fn the_builtin_catalog_loads() {
        let c = CauseCatalog::builtin().unwrap_or_else(|e| panic!("{e}"));
        assert!(c.links.len() >= 20, "{}", c.links.len());
    }

    #[test]
    fn bad_links_are_refused_with_their_file_and_id() {
        assert!(load(GOOD).is_ok());
        let cases = [
            (
                GOOD.replace("runtime-down}", "runtime-dwn}"),
                "unknown category",
            ),
            (GOOD.replace("{node}", "{nod}"), "unknown placeholder"),
            (GOOD.replace("same-node", "same-rack"), "unknown variant"),
            (
                GOOD.replace("mentions: 'runtime'", "mentions: '('"),
                "effect.mentions",
            ),
            (GOOD.replace("join:", "joins:"), "unknown field"),
            (format!("{GOOD}{}", &GOOD[7..]), "duplicate id"),
        ];
        for (text, want) in cases {
            let e = load(&text).expect_err(want).to_string();
            assert!(e.starts_with("causes/t.yaml: "), "{e}");
            assert!(e.contains(want), "{want}: {e}");
        }
    }
}
