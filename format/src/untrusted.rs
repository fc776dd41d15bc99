//! Every string from a bundle is untrusted. Both binaries print such strings on a terminal
//! (error messages name bundle files, serve and collect echo object names); this makes them
//! unable to act there.

/// Characters that reorder text on screen (Trojan Source) or are invisible.
fn is_deceptive(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}' | '\u{FEFF}')
}

/// Text safe to print on a terminal: control characters (ESC, CR, BEL, ...) and bidi
/// overrides are shown as `\u{..}` instead of acting.
pub fn terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if (c.is_control() && c != '\t') || is_deceptive(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_cannot_act() {
        assert_eq!(terminal("a\x1b[31mred\x07"), "a\\u{1b}[31mred\\u{7}");
        assert_eq!(terminal("x\u{202E}y"), "x\\u{202e}y");
    }
}
