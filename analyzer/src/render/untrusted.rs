//! Every string from a bundle is untrusted. These make such strings safe for the place they
//! are shown: a terminal (no escape sequences, no bidi tricks) or Markdown (no links, HTML or
//! code-span break-outs).

pub use kbundle_format::untrusted::terminal;

/// Text safe inside Markdown prose: Markdown and HTML specials are escaped, so a pod name
/// cannot become a link, an image or a tag.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in terminal(s).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '!' | '|'
            | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A Markdown code span holding `s` verbatim: the fence is longer than any run of
/// backticks inside, so the text cannot close it.
pub fn markdown_code(s: &str) -> String {
    let text = terminal(s).replace(['\n', '\r'], " ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    format!("{fence} {text} {fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_cannot_act() {
        assert_eq!(
            markdown("[click](javascript:x)"),
            "\\[click\\]\\(javascript:x\\)"
        );
        assert_eq!(markdown("<img onerror=x>"), "&lt;img onerror=x&gt;");
        assert_eq!(markdown_code("a ``b`` c"), "``` a ``b`` c ```");
    }
}
