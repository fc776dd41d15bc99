//! The HTML report: one self-contained page rendered from the same model as the JSON,
//! through the handlebars templates in `templates/` (compiled into the binary).
//!
//! What the page guarantees (docs/html-report.md says more):
//! - one file, no URL to anywhere: the style and script are inline, and a
//!   Content-Security-Policy meta tag forbids every remote source and every script or style
//!   but the report's own, named by their sha256 hashes computed here;
//! - every bundle string is escaped by handlebars' HTML escaping (the templates use no
//!   triple-stash), and the data the script reads sits in a JSON block no string can break
//!   out of ([`data::script_safe_json`]); the script builds the DOM with `textContent`;
//! - big bundles stay small and quick: the page holds the first rows of each table and the
//!   first findings of each group; the script pages, filters and renders the rest from the
//!   compact data block.

mod checklist;
mod data;
pub mod diff;
mod roots;
mod view;

pub use roots::{CHAIN_SHOWN, ROOTS_SHOWN};
pub use view::{FINDINGS_SHOWN, TABLE_PAGE};

use crate::report::Report;
use base64::Engine as _;
use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderErrorReason,
};
use sha2::{Digest, Sha256};
use std::io::{self, Write};

/// The templates, by name: `report` is the page, the others are its partials.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("report", include_str!("../../../../templates/report.hbs")),
    ("header", include_str!("../../../../templates/header.hbs")),
    ("roots", include_str!("../../../../templates/roots.hbs")),
    (
        "checklist",
        include_str!("../../../../templates/checklist.hbs"),
    ),
    (
        "findings",
        include_str!("../../../../templates/findings.hbs"),
    ),
    (
        "timeline",
        include_str!("../../../../templates/timeline.hbs"),
    ),
    ("gaps", include_str!("../../../../templates/gaps.hbs")),
    ("objects", include_str!("../../../../templates/objects.hbs")),
];

/// The page's style sheet, inserted verbatim (it is ours, not the bundle's).
pub const STYLE: &str = include_str!("../../../../templates/report.css");

/// The page's script, inserted verbatim.
pub const SCRIPT: &str = include_str!("../../../../templates/report.js");

/// Writes the report as one HTML page.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let data = data::block(report);
    let mut page = view::page(report);
    page.csp = content_security_policy();
    let registry = registry(&data).map_err(io::Error::other)?;
    registry
        .render_to_write("report", &page, out)
        .map_err(io::Error::other)
}

/// The policy: nothing from anywhere (`default-src 'none'`), but the one inline script and
/// the one inline style sheet whose hashes are given.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; base-uri 'none'; form-action 'none'",
        csp_hash(SCRIPT),
        csp_hash(STYLE)
    )
}

/// A CSP source expression for inline content: `sha256-<base64 of its SHA-256>`.
pub fn csp_hash(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The templates with three helpers that write our own text unescaped: `inline_style`,
/// `inline_script` (the assets above, exactly what was hashed) and `page_data` (the data
/// block, already made safe for a script element). No helper takes an argument, so none
/// can be pointed at bundle data.
fn registry(data: &str) -> Result<Handlebars<'_>, handlebars::TemplateError> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.set_prevent_indent(true);
    for (name, text) in TEMPLATES {
        if *name == "report" {
            hb.register_template_string(name, *text)?;
        } else {
            hb.register_partial(name, *text)?;
        }
    }
    hb.register_helper("inline_style", Box::new(verbatim(STYLE)));
    hb.register_helper("inline_script", Box::new(verbatim(SCRIPT)));
    hb.register_helper("page_data", Box::new(verbatim(data)));
    Ok(hb)
}

/// A helper that writes `text` as is, and refuses arguments.
fn verbatim(
    text: &str,
) -> impl Fn(&Helper, &Handlebars, &Context, &mut RenderContext, &mut dyn Output) -> HelperResult
       + Send
       + Sync
       + '_ {
    move |h, _, _, _, out| {
        if !h.params().is_empty() || !h.hash().is_empty() {
            return Err(RenderErrorReason::Other(format!(
                "the helper {} takes no argument",
                h.name()
            ))
            .into());
        }
        out.write(text)?;
        Ok(())
    }
}
