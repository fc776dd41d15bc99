//! Renderers: siblings fed the same [`Analysis`](kbundle_format::analysis::Analysis), so the
//! terminal, the JSON file, the Markdown note and the HTML page can never disagree (the page
//! also shows the report's object tables and checklist).

pub mod chains;
pub mod diff;
pub mod html;
pub mod json;
pub mod markdown;
pub mod terminal;
pub mod untrusted;
