//! `--redact-rules FILE`: rules a customer adds for their own secret formats.
//!
//! The file is YAML:
//!
//! ```yaml
//! rules:
//!   - name: ticket-token                 # counted under this name in redaction-report.json
//!     pattern: 'TCK-[0-9a-f]{32}'        # the whole match is replaced...
//!     must_redact: ["ref TCK-0123456789abcdef0123456789abcdef"]
//!     must_keep: ["TCK-none"]
//!   - name: partner-api-secret
//!     pattern: 'partner_secret=(?P<secret>\S+)'   # ...or only the group named `secret`
//!   - name: vendor-fields
//!     pattern: '"(?P<key>[^"]+)"\s*=>\s*"(?P<secret>[^"]*)"'
//!     secret_key: true                   # only when `key` looks like a secret's name
//! ```
//!
//! Each rule's examples are checked when the file is loaded: a rule that does not redact its
//! `must_redact` lines, or changes its `must_keep` lines, is refused before anything runs.

use super::{Redactor, Rule};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    rules: Vec<RuleEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    name: String,
    pattern: String,
    #[serde(default)]
    secret_key: bool,
    #[serde(default)]
    must_redact: Vec<String>,
    #[serde(default)]
    must_keep: Vec<String>,
}

/// Why a rules file was refused; the message names the file and the rule.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {why}")]
pub struct RulesFileError {
    path: String,
    why: RulesError,
}

/// What is wrong inside a rules file.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The file cannot be read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Not YAML of the documented shape.
    #[error("{0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    /// A rule without a usable name.
    #[error("rule {0:?}: a name is required")]
    NoName(String),
    /// A rule whose pattern does not compile.
    #[error("rule {rule}: bad pattern: {why}")]
    BadPattern {
        /// The rule's name.
        rule: String,
        /// The regex compiler's words.
        why: String,
    },
    /// A `must_redact` example the rule leaves as it is.
    #[error("rule {rule}: must_redact example {example:?} is not redacted")]
    NotRedacted {
        /// The rule's name.
        rule: String,
        /// The example.
        example: String,
    },
    /// A `must_keep` example the rule changes.
    #[error("rule {rule}: must_keep example {example:?} became {became:?}")]
    NotKept {
        /// The rule's name.
        rule: String,
        /// The example.
        example: String,
        /// What the rule made of it.
        became: String,
    },
}

/// Reads and checks a rules file.
pub fn load(path: &Path) -> Result<Vec<Rule>, RulesFileError> {
    let fail = |why: RulesError| RulesFileError {
        path: path.display().to_string(),
        why,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.into()))?;
    parse(&text).map_err(fail)
}

/// Parses and checks the text of a rules file.
pub fn parse(text: &str) -> Result<Vec<Rule>, RulesError> {
    let file: RulesFile = serde_yaml_ng::from_str(text)?;
    let mut out = Vec::new();
    for entry in file.rules {
        let name = entry.name.trim();
        if name.is_empty() || name.chars().any(|c| c.is_control()) {
            return Err(RulesError::NoName(entry.name));
        }
        let bad_pattern = |why: String| RulesError::BadPattern {
            rule: name.to_string(),
            why,
        };
        let rule = Rule::new(name, &entry.pattern, entry.secret_key)
            .map_err(|e| bad_pattern(e.to_string()))?;
        let alone = Redactor::from_specs(&[], vec![rule.clone()])
            .map_err(|e| bad_pattern(e.to_string()))?;
        for example in &entry.must_redact {
            let out = alone.stream().text(example);
            if out == *example {
                return Err(RulesError::NotRedacted {
                    rule: name.to_string(),
                    example: example.clone(),
                });
            }
        }
        for example in &entry.must_keep {
            let out = alone.stream().text(example);
            if out != *example {
                return Err(RulesError::NotKept {
                    rule: name.to_string(),
                    example: example.clone(),
                    became: out,
                });
            }
        }
        out.push(rule);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_loads_and_works() {
        let text = r#"
rules:
  - name: ticket-token
    pattern: 'TCK-[0-9a-f]{32}'
    must_redact: ["ref TCK-0123456789abcdef0123456789abcdef"]
    must_keep: ["TCK-none"]
  - name: partner-api-secret
    pattern: 'partner_secret=(?P<secret>\S+)'
"#;
        let rules = parse(text).unwrap();
        assert_eq!(rules.len(), 2);
        let r = Redactor::with_extra(rules);
        let mut s = r.stream();
        let out = s.text("x partner_secret=abc y\n");
        assert_eq!(out, "x partner_secret=***REDACTED*** y\n");
        assert!(s.counts().contains(&("partner-api-secret", 1)));
    }

    #[test]
    fn bad_rules_are_refused_with_their_name() {
        let bad_pattern = "rules:\n  - name: x\n    pattern: '('\n";
        assert!(parse(bad_pattern)
            .unwrap_err()
            .to_string()
            .contains("rule x: bad pattern"));
        let lazy = "rules:\n  - name: y\n    pattern: 'abc'\n    must_redact: ['xyz']\n";
        assert!(matches!(
            parse(lazy).unwrap_err(),
            RulesError::NotRedacted { rule, .. } if rule == "y"
        ));
        let greedy = "rules:\n  - name: z\n    pattern: 'a'\n    must_keep: ['cat']\n";
        assert!(matches!(
            parse(greedy).unwrap_err(),
            RulesError::NotKept { rule, .. } if rule == "z"
        ));
        assert!(parse("rules: [{name: q, pattern: a, typo: 1}]").is_err());
    }
}
