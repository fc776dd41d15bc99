//! The catalog of log rules: YAML in `analyzer/rules/`, compiled into the binary, validated
//! as a whole when loaded so that a bad rule is an error naming it, never a silent miss.

use super::literals::{required_literals, LiteralError};
use super::template::{self, TemplateError};
use super::{LogFileRef, LogKind, RuleHits};
use jiff::SignedDuration;
use kbundle_format::analysis::{Category, RulePack, Severity};
use serde::Deserialize;
use std::collections::HashMap;

/// The built-in rule files, `(name, text)`, in name order: every `analyzer/rules/*.yaml`,
/// found by `build.rs`.
pub(crate) const BUILTIN_FILES: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// A rule's position in its [`Catalog`]: small, copyable, and the key of [`RuleHits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub(crate) usize);

impl RuleId {
    /// The position in [`Catalog::rules`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// Lines a rule must and must not match, kept with the rule and checked by the test suite.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RuleExamples {
    /// Lines the rule must match, with every capture its title and message use.
    #[serde(rename = "match")]
    pub must_match: Vec<String>,
    /// Lines that look alike but must stay quiet.
    pub no_match: Vec<String>,
}

/// One log rule: what to look for, where, and what to say when it is found.
#[derive(Debug, Clone)]
pub struct LogRule {
    /// Stable id, `area.name` (e.g. `kernel.oom-kill`): the `rule` of findings.
    pub id: String,
    /// The finding category, from the fixed list of the analysis format.
    pub category: Category,
    /// How bad a finding from this rule is.
    pub severity: Severity,
    /// One line for the list view; may hold placeholders like the message.
    pub title: String,
    /// The kinds of log the rule reads.
    pub looks_at: Vec<LogKind>,
    /// For container logs: only pods whose name matches.
    pub pods: Option<regex::Regex>,
    /// For container logs: only containers whose name matches.
    pub containers: Option<regex::Regex>,
    /// What a matching line looks like; named captures feed the message.
    pub pattern: regex::bytes::Regex,
    /// What was seen: `{count}`, `{node}`, `{pod}`, `{namespace}`, `{container}` and the
    /// pattern's named captures (of the last hit).
    pub message: String,
    /// What to do about it.
    pub remediation: String,
    /// Fewer hits than this in a file are not a finding.
    pub min_count: u64,
    /// When set, hits must keep coming for at least this long (one unbroken run, see
    /// `max_gap`) before they are a finding: start-up transients stay quiet.
    pub min_span: Option<SignedDuration>,
    /// The longest silence that still counts as one run (default: half of `min_span`).
    pub max_gap: SignedDuration,
    /// Ids of vaguer rules this one replaces when both fire for the same subject.
    pub suppresses: Vec<String>,
    /// The rule's own test lines.
    pub examples: RuleExamples,
    /// The catalog file the rule came from.
    pub file: String,
    /// Literals every match contains: the scanner's prefilter.
    pub(crate) literals: Vec<Vec<u8>>,
}

impl LogRule {
    /// True when the rule reads this file: its kind is looked at and, for container logs,
    /// the pod and container names pass the rule's filters. Filters never pass a file
    /// without a pod.
    pub fn applies_to(&self, file: &LogFileRef) -> bool {
        if !self.looks_at.contains(&file.kind) {
            return false;
        }
        let name_ok = |filter: &Option<regex::Regex>, name: Option<&str>| match filter {
            None => true,
            Some(re) => name.is_some_and(|n| re.is_match(n)),
        };
        name_ok(&self.pods, file.pod.as_ref().map(|p| p.pod.as_str()))
            && name_ok(
                &self.containers,
                file.pod.as_ref().map(|p| p.container.as_str()),
            )
    }

    /// True when the hits are enough for a finding: at least `min_count`, and for rules
    /// with `min_span`, a run of hits at least that long. Hits whose times are unknown
    /// cannot show a run, so such rules stay quiet on them.
    pub fn is_met(&self, hits: &RuleHits) -> bool {
        hits.count >= self.min_count
            && match self.min_span {
                None => true,
                Some(span) => hits.longest_run.is_some_and(|run| run >= span),
            }
    }

    /// The title with its placeholders filled from the hits and the file.
    pub fn title_for(&self, hits: &RuleHits, file: &LogFileRef) -> String {
        template::render(&self.title, |name| placeholder(name, hits, file))
    }

    /// The message with its placeholders filled from the hits and the file.
    pub fn message_for(&self, hits: &RuleHits, file: &LogFileRef) -> String {
        template::render(&self.message, |name| placeholder(name, hits, file))
    }

    fn check_examples(&self, problems: &mut Vec<String>) {
        let needed: Vec<&str> = template::placeholders(&self.title)
            .into_iter()
            .chain(template::placeholders(&self.message))
            .flatten()
            .filter(|n| !template::BUILTIN.contains(n))
            .collect();
        for line in &self.examples.must_match {
            let bytes = line.as_bytes();
            let Some(caps) = self.pattern.captures(bytes) else {
                problems.push(format!("{}: does not match {line:?}", self.id));
                continue;
            };
            if !self
                .literals
                .iter()
                .any(|l| memchr::memmem::find(bytes, l).is_some())
            {
                problems.push(format!("{}: the prefilter literals miss {line:?}", self.id));
            }
            for name in &needed {
                if caps.name(name).is_none() {
                    problems.push(format!(
                        "{}: capture {{{name}}} is empty for {line:?}",
                        self.id
                    ));
                }
            }
        }
        for line in &self.examples.no_match {
            if self.pattern.is_match(line.as_bytes()) {
                problems.push(format!("{}: must not match {line:?}", self.id));
            }
        }
    }
}

fn placeholder(name: &str, hits: &RuleHits, file: &LogFileRef) -> Option<String> {
    let pod = file.pod.as_ref();
    match name {
        "count" => Some(hits.count.to_string()),
        "node" => file.node.clone(),
        "pod" => pod.map(|p| p.pod.clone()),
        "namespace" => pod.map(|p| p.namespace.clone()),
        "container" => pod.map(|p| p.container.clone()),
        _ => hits
            .captures
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone()),
    }
}

/// Why the catalog could not be loaded: the file, the rule when there is one, the problem.
/// One line, `rules/<file>: rule <id>: <problem>`.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {}{problem}", rule.as_ref().map(|r| format!("rule {r}: ")).unwrap_or_default())]
pub struct CatalogError {
    /// The rule file (`*` for a problem of the whole catalog).
    pub file: String,
    /// The rule's id (or `#n` when it has none), when the problem is in one rule.
    pub rule: Option<String>,
    /// What is wrong.
    pub problem: RuleProblem,
}

/// What is wrong with a rule file, a rule, or the catalog compiled as a whole. The inner
/// errors are shown, not chained, so the message stays one line.
#[derive(Debug, thiserror::Error)]
pub enum RuleProblem {
    /// The YAML does not parse or does not fit the schema (unknown or missing fields).
    #[error("{0}")]
    Schema(serde_yaml_ng::Error),
    /// The id is not `area.name`.
    #[error("id must look like `area.name` (lowercase letters, digits, '-')")]
    BadId,
    /// A category outside the analysis format's fixed list.
    #[error("unknown category {0:?}")]
    UnknownCategory(String),
    /// A severity other than critical, warning, info.
    #[error("unknown severity {0:?}")]
    UnknownSeverity(String),
    /// `looks_at` names no log kind.
    #[error("looks_at is empty")]
    NoLogKind,
    /// `looks_at` names a kind that does not exist.
    #[error("unknown log kind {0:?} in looks_at")]
    UnknownLogKind(String),
    /// A `pods` or `containers` filter is not a valid regex.
    #[error("bad {what} regex: {error}")]
    BadNameFilter {
        /// `pods` or `containers`.
        what: &'static str,
        /// The regex error.
        error: regex::Error,
    },
    /// Name filters on a rule that reads more than container logs.
    #[error("pods/containers filters need looks_at: [container-log]")]
    FilterNeedsContainerLog,
    /// The pattern is not a valid regex.
    #[error("bad pattern: {0}")]
    BadPattern(regex::Error),
    /// The pattern has no literal the prefilter could search for.
    #[error("pattern: {0}")]
    NoLiteral(LiteralError),
    /// The title or message template is malformed.
    #[error("{what}: {error}")]
    BadTemplate {
        /// `title` or `message`.
        what: &'static str,
        /// What is malformed.
        error: TemplateError,
    },
    /// A placeholder that is neither built in nor a named capture of the pattern.
    #[error("{what} uses {{{name}}}, which is neither built in nor a named capture")]
    UnknownPlaceholder {
        /// `title` or `message`.
        what: &'static str,
        /// The placeholder.
        name: String,
    },
    /// `min_count: 0`.
    #[error("min_count must be at least 1")]
    ZeroMinCount,
    /// `min_span` or `max_gap` is not a positive duration.
    #[error("{what} {value:?} is not a positive duration like 10m")]
    BadDuration {
        /// `min_span` or `max_gap`.
        what: &'static str,
        /// As written.
        value: String,
    },
    /// `max_gap` without `min_span`.
    #[error("max_gap needs min_span")]
    GapWithoutSpan,
    /// No `match` or no `no_match` example.
    #[error("examples need at least one `match` and one `no_match` line")]
    MissingExamples,
    /// A required text field is blank.
    #[error("{0} is empty")]
    Empty(&'static str),
    /// The id is already taken.
    #[error("duplicate id, first defined in {0}")]
    DuplicateId(String),
    /// `suppresses` names an unknown rule or the rule itself.
    #[error("suppresses unknown or own rule {0:?}")]
    BadSuppression(String),
    /// The patterns of one log kind do not compile together.
    #[error("{}: {error}", kind.as_str())]
    KindPatterns {
        /// The log kind.
        kind: LogKind,
        /// The regex error.
        error: regex::Error,
    },
    /// The literal searcher of one log kind cannot be built.
    #[error("{}: {error}", kind.as_str())]
    KindPrefilter {
        /// The log kind.
        kind: LogKind,
        /// The searcher's error.
        error: aho_corasick::BuildError,
    },
    /// The built-in crash-cause patterns do not compile.
    #[error("crash-cause pattern: {0}")]
    CausePattern(regex::Error),
}

/// Every log rule, validated, in file order.
#[derive(Debug, Clone)]
pub struct Catalog {
    rules: Vec<LogRule>,
    by_id: HashMap<String, RuleId>,
    packs: Vec<RulePack>,
}

/// Where a rule file comes from: a pack's rule may replace a built-in rule of the same id; two
/// built-in rules, or two pack rules, may not share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Compiled into the binary.
    Builtin,
    /// A pack given with `--rules`.
    Pack,
}

/// Builds a catalog file by file, then checks it as a whole.
#[derive(Default)]
pub(crate) struct CatalogBuilder {
    rules: Vec<LogRule>,
    origins: Vec<Origin>,
    by_id: HashMap<String, RuleId>,
    packs: Vec<RulePack>,
}

impl CatalogBuilder {
    /// Adds the rules of one file. `label` names the file in errors (`rules/kernel.yaml`, a
    /// pack's path); `file` is what each rule records as its source.
    pub(crate) fn add(
        &mut self,
        label: &str,
        file: &str,
        text: &str,
        origin: Origin,
    ) -> Result<(), CatalogError> {
        let raw: RawFile = serde_yaml_ng::from_str(text).map_err(|e| CatalogError {
            file: label.to_string(),
            rule: None,
            problem: RuleProblem::Schema(e),
        })?;
        let mut pack = RulePack {
            path: file.to_string(),
            rules: 0,
            replaces: Vec::new(),
        };
        for (n, value) in raw.rules.into_iter().enumerate() {
            let id_label = value
                .get("id")
                .and_then(|v| v.as_str())
                .map_or_else(|| format!("#{}", n + 1), str::to_string);
            let err = |problem: RuleProblem| CatalogError {
                file: label.to_string(),
                rule: Some(id_label.clone()),
                problem,
            };
            let raw: RawRule =
                serde_yaml_ng::from_value(value).map_err(|e| err(RuleProblem::Schema(e)))?;
            let rule = compile(raw, file).map_err(err)?;
            pack.rules += 1;
            match self.by_id.get(&rule.id).copied() {
                Some(first)
                    if origin == Origin::Pack && self.origins[first.0] == Origin::Builtin =>
                {
                    pack.replaces.push(rule.id.clone());
                    self.origins[first.0] = Origin::Pack;
                    self.rules[first.0] = rule;
                }
                Some(first) => return Err(err(RuleProblem::DuplicateId(self.label(first)))),
                None => {
                    self.by_id.insert(rule.id.clone(), RuleId(self.rules.len()));
                    self.rules.push(rule);
                    self.origins.push(origin);
                }
            }
        }
        if origin == Origin::Pack {
            self.packs.push(pack);
        }
        Ok(())
    }

    /// The file a rule came from, as errors name it.
    fn label(&self, id: RuleId) -> String {
        let file = &self.rules[id.0].file;
        match self.origins[id.0] {
            Origin::Builtin => format!("rules/{file}"),
            Origin::Pack => file.clone(),
        }
    }

    /// Checks what needs the whole catalog (suppressed ids exist) and returns it.
    pub(crate) fn finish(self) -> Result<Catalog, CatalogError> {
        for (n, rule) in self.rules.iter().enumerate() {
            for other in &rule.suppresses {
                if other == &rule.id || !self.by_id.contains_key(other) {
                    return Err(CatalogError {
                        file: self.label(RuleId(n)),
                        rule: Some(rule.id.clone()),
                        problem: RuleProblem::BadSuppression(other.clone()),
                    });
                }
            }
        }
        Ok(Catalog {
            rules: self.rules,
            by_id: self.by_id,
            packs: self.packs,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    rules: Vec<serde_yaml_ng::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    category: String,
    severity: String,
    title: String,
    looks_at: Vec<String>,
    #[serde(default)]
    pods: Option<String>,
    #[serde(default)]
    containers: Option<String>,
    pattern: String,
    message: String,
    remediation: String,
    #[serde(default)]
    min_count: Option<u64>,
    #[serde(default)]
    min_span: Option<String>,
    #[serde(default)]
    max_gap: Option<String>,
    #[serde(default)]
    suppresses: Vec<String>,
    examples: RuleExamples,
}

impl Catalog {
    /// The catalog compiled into the binary. An error here is a bug in `analyzer/rules/`,
    /// which the test suite catches before release.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        Catalog::from_files(BUILTIN_FILES)
    }

    /// Builds a catalog from `(file name, YAML text)` pairs, checking every rule and that ids
    /// are unique and suppressed ids exist.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Catalog, CatalogError> {
        let mut builder = CatalogBuilder::default();
        for (file, text) in files {
            builder.add(&format!("rules/{file}"), file, text, Origin::Builtin)?;
        }
        builder.finish()
    }

    /// [`Catalog::check_examples`] for the rules that came from packs, each line
    /// `file: rule id: problem`, for `kbundle rules check`.
    pub fn check_pack_examples(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for pack in &self.packs {
            for rule in self.rules.iter().filter(|r| r.file == pack.path) {
                let mut mine = Vec::new();
                rule.check_examples(&mut mine);
                problems.extend(mine.into_iter().map(|p| format!("{}: rule {p}", pack.path)));
            }
        }
        problems
    }

    /// The rule packs loaded into this catalog (`--rules`), for the analysis to name.
    pub fn packs(&self) -> &[RulePack] {
        &self.packs
    }

    /// All rules; a [`RuleId`] indexes this slice.
    pub fn rules(&self) -> &[LogRule] {
        &self.rules
    }

    /// The rule behind an id from a scan of this catalog.
    ///
    /// # Panics
    /// Only when given a [`RuleId`] from another, larger catalog.
    pub fn rule(&self, id: RuleId) -> &LogRule {
        &self.rules[id.0]
    }

    /// Looks a rule up by its string id.
    pub fn find(&self, id: &str) -> Option<RuleId> {
        self.by_id.get(id).copied()
    }

    /// Checks every rule's examples: must-match lines match (and the prefilter finds them,
    /// and every capture the title and message use is set), must-not-match lines do not.
    /// Returns one line per problem; empty when all is well.
    pub fn check_examples(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for rule in &self.rules {
            rule.check_examples(&mut problems);
        }
        problems
    }
}

fn compile(raw: RawRule, file: &str) -> Result<LogRule, RuleProblem> {
    if !valid_id(&raw.id) {
        return Err(RuleProblem::BadId);
    }
    let category = Category::from_name(&raw.category)
        .ok_or_else(|| RuleProblem::UnknownCategory(raw.category.clone()))?;
    let severity = match raw.severity.as_str() {
        "critical" => Severity::Critical,
        "warning" => Severity::Warning,
        "info" => Severity::Info,
        other => return Err(RuleProblem::UnknownSeverity(other.to_string())),
    };
    if raw.looks_at.is_empty() {
        return Err(RuleProblem::NoLogKind);
    }
    let looks_at = raw
        .looks_at
        .iter()
        .map(|k| LogKind::from_name(k).ok_or_else(|| RuleProblem::UnknownLogKind(k.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let name_filter = |what: &'static str, p: &Option<String>| {
        p.as_deref()
            .map(|p| {
                regex::Regex::new(p).map_err(|error| RuleProblem::BadNameFilter { what, error })
            })
            .transpose()
    };
    let pods = name_filter("pods", &raw.pods)?;
    let containers = name_filter("containers", &raw.containers)?;
    if (pods.is_some() || containers.is_some()) && looks_at != [LogKind::ContainerLog] {
        return Err(RuleProblem::FilterNeedsContainerLog);
    }
    let pattern = regex::bytes::Regex::new(&raw.pattern).map_err(RuleProblem::BadPattern)?;
    let literals = required_literals(&raw.pattern).map_err(RuleProblem::NoLiteral)?;
    let captures: Vec<&str> = pattern.capture_names().flatten().collect();
    for (what, text) in [("title", &raw.title), ("message", &raw.message)] {
        let names = template::placeholders(text)
            .map_err(|error| RuleProblem::BadTemplate { what, error })?;
        for name in names {
            if !template::BUILTIN.contains(&name) && !captures.contains(&name) {
                return Err(RuleProblem::UnknownPlaceholder {
                    what,
                    name: name.to_string(),
                });
            }
        }
    }
    let min_count = raw.min_count.unwrap_or(1);
    if min_count == 0 {
        return Err(RuleProblem::ZeroMinCount);
    }
    let duration = |what: &'static str, s: &Option<String>| match s {
        None => Ok(None),
        Some(s) => match s.parse::<SignedDuration>() {
            Ok(d) if d.is_positive() => Ok(Some(d)),
            _ => Err(RuleProblem::BadDuration {
                what,
                value: s.clone(),
            }),
        },
    };
    let min_span = duration("min_span", &raw.min_span)?;
    let max_gap = match (duration("max_gap", &raw.max_gap)?, min_span) {
        (Some(gap), Some(_)) => gap,
        (Some(_), None) => return Err(RuleProblem::GapWithoutSpan),
        (None, Some(span)) => span / 2,
        (None, None) => SignedDuration::ZERO,
    };
    if raw.examples.must_match.is_empty() || raw.examples.no_match.is_empty() {
        return Err(RuleProblem::MissingExamples);
    }
    for (what, text) in [("title", &raw.title), ("remediation", &raw.remediation)] {
        if text.trim().is_empty() {
            return Err(RuleProblem::Empty(what));
        }
    }
    Ok(LogRule {
        id: raw.id,
        category,
        severity,
        title: raw.title,
        looks_at,
        pods,
        containers,
        pattern,
        message: raw.message,
        remediation: raw.remediation,
        min_count,
        min_span,
        max_gap,
        suppresses: raw.suppresses,
        examples: raw.examples,
        file: file.to_string(),
        literals,
    })
}

fn valid_id(id: &str) -> bool {
    let mut parts = id.split('.');
    let ok = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    parts.next().is_some_and(ok) && {
        let rest: Vec<&str> = parts.collect();
        !rest.is_empty() && rest.into_iter().all(ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_loads_and_every_example_holds() {
        let catalog = Catalog::builtin().unwrap_or_else(|e| panic!("{e}"));
        assert!(catalog.rules().len() >= 40, "{}", catalog.rules().len());
        let problems = catalog.check_examples();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        for category in [
            Category::KernelOom,
            Category::KernelHang,
            Category::DiskIoError,
            Category::ConntrackFull,
            Category::InterfaceDown,
            Category::KubeletError,
            Category::RuntimeDown,
            Category::CertExpiry,
            Category::EtcdProblem,
            Category::DnsFailure,
            Category::CniFailure,
            Category::CrashLoop,
            Category::ProbeFailure,
            Category::SandboxFailure,
            Category::VolumeMount,
            Category::ImagePull,
            Category::PodEvicted,
            Category::KubeletDown,
        ] {
            assert!(
                catalog.rules().iter().any(|r| r.category == category),
                "no rule for {category}"
            );
        }
    }

    const GOOD: &str = r#"
rules:
  - id: kernel.oom-kill
    category: kernel-oom
    severity: critical
    title: Kernel OOM killer ran on {node}
    looks_at: [kernel, syslog]
    pattern: 'Out of memory: Killed process (?P<pid>\d+) \((?P<comm>[^)]+)\)'
    message: '{count} kills; the last was {comm} (pid {pid}).'
    remediation: Find what grew.
    examples:
      match: ['Out of memory: Killed process 4121 (java) total-vm:1kB']
      no_match: ['oom_score_adj changed']
"#;

    fn load(text: &str) -> Result<Catalog, CatalogError> {
        Catalog::from_files(&[("t.yaml", text)])
    }

    fn problem(text: &str) -> String {
        load(text).unwrap_err().to_string()
    }

    #[test]
    fn a_good_file_loads() {
        let c = load(GOOD).unwrap();
        let id = c.find("kernel.oom-kill").unwrap();
        assert_eq!(c.rule(id).category, Category::KernelOom);
        assert_eq!(c.rule(id).min_count, 1);
        assert!(c.check_examples().is_empty());
    }

    #[test]
    fn bad_rules_are_named_in_the_error() {
        let e = problem(&GOOD.replace("kernel-oom", "kernel-om"));
        assert_eq!(
            e,
            "rules/t.yaml: rule kernel.oom-kill: unknown category \"kernel-om\""
        );
        let e = problem(&GOOD.replace(r"(?P<pid>\d+)", r"(?P<pid>\d+"));
        assert!(
            e.starts_with("rules/t.yaml: rule kernel.oom-kill: bad pattern"),
            "{e}"
        );
        let e = problem(&GOOD.replace("{comm}", "{command}"));
        assert!(e.contains("{command}"), "{e}");
        let e = problem(&GOOD.replace("[kernel, syslog]", "[kernal]"));
        assert!(e.contains("unknown log kind \"kernal\""), "{e}");
        let e = problem(&GOOD.replace("severity: critical", "severity: high"));
        assert!(e.contains("unknown severity"), "{e}");
        let e = problem(&GOOD.replace("remediation:", "remedy:"));
        assert!(e.contains("kernel.oom-kill") && e.contains("remedy"), "{e}");
        let e = problem(
            &GOOD
                .replace("'Out of memory", r"'\d+ Out of memory")
                .replace("Out of memory: Killed process (?P", r"\w+ (?P"),
        );
        assert!(e.contains("no literal text"), "{e}");
    }

    #[test]
    fn duplicate_ids_and_unknown_suppressions_are_refused() {
        let e = Catalog::from_files(&[("a.yaml", GOOD), ("b.yaml", GOOD)]).unwrap_err();
        assert_eq!(e.file, "rules/b.yaml");
        assert!(
            matches!(&e.problem, RuleProblem::DuplicateId(first) if first == "rules/a.yaml"),
            "{e}"
        );
        let e = problem(&GOOD.replace(
            "    examples:",
            "    suppresses: [kernel.nope]\n    examples:",
        ));
        assert!(e.contains("kernel.nope"), "{e}");
    }

    #[test]
    fn failing_examples_are_reported() {
        let c = load(&GOOD.replace(
            "'oom_score_adj changed'",
            "'Out of memory: Killed process 1 (x)'",
        ))
        .unwrap();
        assert_eq!(c.check_examples().len(), 1);
        let c = load(&GOOD.replace("(java) total-vm:1kB", "java")).unwrap();
        assert_eq!(c.check_examples().len(), 1);
    }

    #[test]
    fn spans_parse_and_default_the_gap() {
        let c = load(&GOOD.replace("    examples:", "    min_span: 10m\n    examples:")).unwrap();
        let rule = &c.rules()[0];
        assert_eq!(rule.min_span, Some(SignedDuration::from_mins(10)));
        assert_eq!(rule.max_gap, SignedDuration::from_mins(5));
        let e = problem(&GOOD.replace("    examples:", "    min_span: soon\n    examples:"));
        assert!(e.contains("min_span"), "{e}");
    }
}
