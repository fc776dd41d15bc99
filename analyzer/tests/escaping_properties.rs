//! Properties of escaping: no string from a bundle, whatever it holds, produces markup.
//!
//! - The HTML page: the broken-cluster fixture's report, with every finding's title,
//!   message, remediation, cause, subject and evidence, every timeline text and every
//!   collection error replaced by generated strings full of `<`, `>`, `&`, quotes, backticks,
//!   `=`, tags, attribute break-outs, comments, template syntax and line separators, renders
//!   to a page whose elements and attributes are exactly those of the page of the unchanged
//!   report; no generated string that holds a character HTML gives a meaning appears
//!   unescaped in it; and the JSON data block holds no `<` and no line separator and still
//!   parses.
//! - Markdown: [`untrusted::markdown`] leaves no special character unescaped, no line break
//!   and no raw `<`, and unescaping gives back the terminal-safe text; [`untrusted::markdown_code`]
//!   is a code span no backtick run inside can close; the whole Markdown report of the
//!   changed analysis has the same lines, line kinds, links and raw `<` (outside code
//!   spans) as that of the unchanged one.
//!
//! Seeds of failures: `analyzer/proptest-regressions/escaping_properties.txt`.
//! `PROPTEST_CASES` raises the budget (docs/fuzzing.md).

use kbundle_analyzer::render::untrusted;
use kbundle_analyzer::report::Report;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use regex::Regex;
use std::sync::{LazyLock, OnceLock};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/escaping_properties.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// Pieces of hostile strings.
const PIECES: &[&str] = &[
    "<",
    ">",
    "&",
    "\"",
    "'",
    "`",
    "=",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\" onmouseover=\"alert(1)",
    "' onfocus='alert(1)' autofocus='",
    "` onclick=`alert(1)",
    "</div>",
    "</script>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "{{constructor}}",
    "{{{x}}}",
    "&amp;",
    "&#60;",
    "&lt;",
    "javascript:alert(1)",
    "\u{2028}",
    "\u{2029}",
    "[a](javascript:x)",
    "![i](http://x/)",
    "<http://x>",
    "*",
    "_",
    "#",
    "|",
    "\\",
    "~",
    "\n",
    "\r\n",
    "\t",
    "\u{1b}[31m",
    "\u{202e}",
    "\0",
    " ",
];

/// A hostile string: pieces and random text after a marker the page never holds, so that
/// finding the string in the page means finding it, not a coincidence; never empty (some
/// templates test emptiness).
fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(PIECES).prop_map(str::to_string),
            1 => "\\PC{1,6}",
            1 => any::<char>().prop_map(String::from),
        ],
        1..8,
    )
    .prop_map(|p| format!("{MARKER}{}", p.concat()))
}

fn base() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| {
        let path = kbundle_testkit::fixture("broken-cluster.tar.gz");
        kbundle_analyzer::analyze_paths(&[path]).unwrap_or_else(|e| panic!("{e:#}"))
    })
}

/// `report` with its bundle strings replaced, in turn, by `strings`; a string that was
/// empty or absent stays so (the page shows some parts only for non-empty strings).
fn hostile_report(strings: &[String]) -> Report {
    let mut report = base().clone();
    let mut next = strings.iter().cycle();
    let mut set = |s: &mut String| {
        if !s.is_empty() {
            *s = next.next().expect("cycle").clone();
        }
    };
    for f in &mut report.analysis.findings {
        set(&mut f.title);
        set(&mut f.message);
        set(&mut f.remediation);
        if let Some(b) = f.because.as_mut() {
            set(b);
        }
        set(&mut f.subject.name);
        for e in &mut f.evidence {
            set(&mut e.text);
            set(&mut e.file);
        }
    }
    for t in &mut report.analysis.timeline {
        set(&mut t.text);
    }
    for c in &mut report.analysis.collection {
        if let Some(e) = c.error.as_mut() {
            set(e);
        }
    }
    report
}

fn page(report: &Report) -> String {
    let mut out = Vec::new();
    kbundle_analyzer::render::html::write(report, &mut out).expect("the page renders");
    String::from_utf8(out).expect("the page is UTF-8")
}

const DATA_OPEN: &str = r#"<script type="application/json" id="kbundle-data">"#;

/// The page split into (everything but the data block's content, the data block's content).
fn split_data(page: &str) -> (String, &str) {
    let start = page.find(DATA_OPEN).expect("the data block") + DATA_OPEN.len();
    let end = start + page[start..].find("</script>").expect("its end");
    (
        format!("{}{}", &page[..start], &page[end..]),
        &page[start..end],
    )
}

/// `markup` without the content of its `<script>` and `<style>` elements (the report's own
/// script and style sheet: code, not text, where `<` is a comparison).
fn without_code(markup: &str) -> String {
    static CODE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?s)(<script[^>]*>).*?(</script>)|(<style[^>]*>).*?(</style>)").expect("regex")
    });
    CODE.replace_all(markup, "$1$2$3$4").into_owned()
}

/// The page's elements in order, each with its attribute names: what a string could add if
/// it escaped its text or attribute. Every `<` must start one of them (to a browser, a `<`
/// before a letter, `/` or `!` in text starts a tag). Scanned by hand: a regex in a debug
/// build took longer than rendering the page.
fn skeleton(markup: &str) -> Vec<(String, Vec<String>)> {
    let b = without_code(markup).into_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    let name_end = |from: usize| {
        (from..b.len())
            .find(|&j| b[j].is_ascii_whitespace() || matches!(b[j], b'>' | b'/' | b'='))
            .unwrap_or(b.len())
    };
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let end = name_end(start + 1).max(start + 1).min(b.len());
        let name = String::from_utf8_lossy(&b[start..end]).into_owned();
        let mut attrs = Vec::new();
        let mut j = end;
        loop {
            while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                j += 1;
            }
            if j >= b.len() || b[j] == b'>' {
                break;
            }
            let attr_end = name_end(j).max(j + 1);
            attrs.push(String::from_utf8_lossy(&b[j..attr_end]).into_owned());
            j = attr_end;
            if b.get(j) == Some(&b'=') {
                j += 1;
                match b.get(j) {
                    Some(&q @ (b'"' | b'\'')) => {
                        j = b[j + 1..]
                            .iter()
                            .position(|&c| c == q)
                            .map_or(b.len(), |k| j + 1 + k + 1);
                    }
                    _ => {
                        while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                            j += 1;
                        }
                    }
                }
            }
        }
        tags.push((name, attrs));
        i = j + 1;
    }
    tags
}

/// Characters HTML (or an attribute without quotes) gives a meaning.
fn has_html_special(s: &str) -> bool {
    s.contains(['<', '>', '&', '"', '\'', '`', '='])
}

/// Handlebars' escaping, which the page uses for every bundle string.
fn html_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#x27;"),
            '`' => out.push_str("&#x60;"),
            '=' => out.push_str("&#x3D;"),
            c => out.push(c),
        }
    }
    out
}

/// What every generated string starts with.
const MARKER: char = '\u{24c0}';

/// Splits a Markdown line into (text outside code spans, number of code spans), by
/// CommonMark's rule: a run of n backticks opens a span that the next run of exactly n closes.
fn outside_code(line: &str) -> String {
    let b = line.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'`' {
            let n = b[i..].iter().take_while(|&&c| c == b'`').count();
            let mut j = i + n;
            let mut closed = None;
            while j < b.len() {
                if b[j] == b'`' {
                    let m = b[j..].iter().take_while(|&&c| c == b'`').count();
                    if m == n {
                        closed = Some(j + m);
                        break;
                    }
                    j += m;
                } else {
                    j += 1;
                }
            }
            match closed {
                Some(end) => {
                    out.push_str("<code>");
                    i = end;
                }
                None => {
                    out.push_str(&line[i..i + n]);
                    i += n;
                }
            }
        } else {
            let ch = line[i..].chars().next().expect("a char");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// What a Markdown report's structure is: its lines' kinds, and outside code spans its raw
/// `<`, links and images.
fn markdown_shape(doc: &str) -> Vec<(String, usize, usize, usize)> {
    doc.lines()
        .map(|line| {
            let kind: String = line
                .trim_start()
                .chars()
                .take_while(|c| matches!(c, '#' | '-' | '*' | '|' | '>' | '+'))
                .collect();
            let outside = outside_code(line).replace("<code>", "");
            (
                format!("{}{kind}", line.len() - line.trim_start().len()),
                outside.matches('<').count(),
                outside.matches("](").count(),
                outside.matches("![").count(),
            )
        })
        .collect()
}

fn markdown_doc(report: &Report) -> String {
    let mut out = Vec::new();
    kbundle_analyzer::render::markdown::write(&report.analysis, &mut out).expect("Markdown");
    String::from_utf8(out).expect("UTF-8")
}

/// Characters `untrusted::markdown` escapes with a backslash.
const MD_SPECIAL: &str = "\\`*_{}[]()#+!|~";

proptest! {
    // A page of the fixture renders in ~0.1 s in a debug build (its analysis, done once,
    // takes ~2.5 s).
    #![proptest_config(config(16))]

    #[test]
    fn no_bundle_string_produces_markup_in_the_html_page(
        strings in prop::collection::vec(hostile(), 1..24),
    ) {
        static BASE: OnceLock<Vec<(String, Vec<String>)>> = OnceLock::new();
        let base_skeleton = BASE.get_or_init(|| skeleton(&split_data(&page(base())).0));
        let page = page(&hostile_report(&strings));
        let (markup, data) = split_data(&page);
        let got = skeleton(&markup);
        if got != *base_skeleton {
            let at = got.iter().zip(base_skeleton.iter()).position(|(a, b)| a != b);
            prop_assert!(false, "the elements differ at {:?}: {:?}", at,
                at.map(|i| (&got[i], &base_skeleton[i])));
        }
        // Every generated string in the page is there escaped: with each escaped form taken
        // out (longest first, as one may hold another), no marker is left.
        let mut escaped: Vec<String> = strings.iter().map(|s| html_escape(s)).collect();
        escaped.sort_by_key(|e| std::cmp::Reverse(e.len()));
        let mut rest = markup.clone();
        for e in &escaped {
            rest = rest.replace(e.as_str(), "");
        }
        if let Some(at) = rest.find(MARKER) {
            let end = (at + 80).min(rest.len());
            let end = (end..=rest.len()).find(|&i| rest.is_char_boundary(i)).unwrap_or(rest.len());
            prop_assert!(false, "a string appears unescaped: {:?}", &rest[at..end]);
        }
        for s in strings.iter().filter(|s| has_html_special(s)) {
            prop_assert!(!rest.contains(s.as_str()), "{:?} appears unescaped", s);
        }
        prop_assert!(!data.contains(['<', '\u{2028}', '\u{2029}']), "the data block holds < or a line separator");
        prop_assert!(serde_json::from_str::<serde_json::Value>(data).is_ok(), "the data block is not JSON");
    }

    #[test]
    fn no_bundle_string_produces_markup_in_the_markdown_report(
        strings in prop::collection::vec(hostile(), 1..24),
    ) {
        static BASE: OnceLock<Vec<(String, usize, usize, usize)>> = OnceLock::new();
        let base_shape = BASE.get_or_init(|| markdown_shape(&markdown_doc(base())));
        let doc = markdown_doc(&hostile_report(&strings));
        prop_assert_eq!(&markdown_shape(&doc), base_shape);
    }
}

proptest! {
    #![proptest_config(config(2048))]

    #[test]
    fn markdown_text_leaves_nothing_special_unescaped(s in prop_oneof![hostile(), any::<String>()]) {
        let out = untrusted::markdown(&s);
        prop_assert!(!out.contains(['<', '>', '\n', '\r']), "{:?}", out);
        // Read back: a backslash escapes the next character, `&...;` is one of three
        // entities; nothing else special is left.
        let mut back = String::new();
        let mut chars = out.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    let next = chars.next();
                    prop_assert!(next.is_some_and(|n| MD_SPECIAL.contains(n)), "{:?}", out);
                    back.extend(next);
                }
                '&' => {
                    let entity: String = chars.by_ref().take_while(|&c| c != ';').collect();
                    back.push(match entity.as_str() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        other => return Err(TestCaseError::fail(format!("entity {other:?} in {out:?}"))),
                    });
                }
                c if MD_SPECIAL.contains(c) => {
                    return Err(TestCaseError::fail(format!("unescaped {c:?} in {out:?}")));
                }
                c => back.push(c),
            }
        }
        prop_assert_eq!(back, untrusted::terminal(&s).replace(['\n', '\r'], " "));
    }

    #[test]
    fn a_markdown_code_span_cannot_be_closed_from_inside(s in prop_oneof![hostile(), any::<String>()]) {
        let out = untrusted::markdown_code(&s);
        prop_assert!(!out.contains(['\n', '\r']));
        let fence = out.chars().take_while(|&c| c == '`').count();
        prop_assert!(fence >= 1);
        let inner = &out[fence..out.len() - fence];
        prop_assert!(out.ends_with(&"`".repeat(fence)));
        prop_assert!(inner.starts_with(' ') && inner.ends_with(' '));
        let longest = inner.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        prop_assert!(longest < fence, "{:?}", out);
        // The whole output is one code span and nothing outside it.
        prop_assert_eq!(outside_code(&out), "<code>");
    }
}
