//! `{name}` placeholders in rule titles and messages: checked when the catalog loads, filled
//! when a finding is written.

/// Placeholders every template may use, besides the pattern's named captures.
pub(crate) const BUILTIN: [&str; 5] = ["count", "node", "pod", "namespace", "container"];

/// Why a title or message template is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `}` that closes nothing.
    #[error("'}}' without '{{' in {0:?}")]
    StrayClose(String),
    /// A `{` that is never closed.
    #[error("unclosed '{{' in {0:?}")]
    Unclosed(String),
    /// A placeholder name that is empty or not `[A-Za-z0-9_]+`.
    #[error("bad placeholder {{{name}}} in {template:?}")]
    BadName {
        /// The name between the braces.
        name: String,
        /// The whole template.
        template: String,
    },
}

/// The placeholder names of `template`, in order, or why it is malformed.
pub(crate) fn placeholders(template: &str) -> Result<Vec<&str>, TemplateError> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(TemplateError::StrayClose(template.to_string()));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| TemplateError::Unclosed(template.to_string()))?;
        let name = &after[..close];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(TemplateError::BadName {
                name: name.to_string(),
                template: template.to_string(),
            });
        }
        names.push(name);
        rest = &after[close + 1..];
    }
    Ok(names)
}

/// Fills the placeholders of a template that [`placeholders`] accepted; a value `lookup`
/// does not know is written as `?`.
pub(crate) fn render(template: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        out.push_str(&lookup(&after[..close]).unwrap_or_else(|| "?".to_string()));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_fills_placeholders() {
        let t = "{count} kills on {node}; last {comm} (pid {pid})";
        assert_eq!(placeholders(t).unwrap(), ["count", "node", "comm", "pid"]);
        let filled = render(t, |n| match n {
            "count" => Some("3".into()),
            "comm" => Some("java".into()),
            "pid" => Some("4121".into()),
            _ => None,
        });
        assert_eq!(filled, "3 kills on ?; last java (pid 4121)");
    }

    #[test]
    fn refuses_malformed_templates() {
        assert!(placeholders("a {b").is_err());
        assert!(placeholders("a } b").is_err());
        assert!(placeholders("a {} b").is_err());
        assert!(placeholders("a {b c} d").is_err());
        assert_eq!(placeholders("plain").unwrap(), Vec::<&str>::new());
    }
}
