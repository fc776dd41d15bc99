//! Renderers: siblings fed the same [`Analysis`](kbundle_format::analysis::Analysis), so the
//! terminal, the JSON file and the Markdown note can never disagree.

pub mod json;
pub mod markdown;
pub mod terminal;
pub mod untrusted;
