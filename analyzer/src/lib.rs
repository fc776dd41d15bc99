//! The analysis behind `kbundle`: reads Kubernetes support bundles offline and says what is
//! broken, where, since when, and why we think so.
//!
//! The modules follow the data, one way: the bundle's members (from `kbundle-read`) go
//! through `ingest` into [`facts`] (node outputs parsed by `facts::host`, logs through
//! [`logscan`]); [`rules`] turn facts into findings; [`causes`] links the findings that
//! explain each other and puts the root causes first; [`report`] assembles findings,
//! timeline and gaps into the analysis model; [`render`] writes that model as JSON, Markdown, terminal
//! text or HTML.

pub mod causes;
pub mod diff;
pub(crate) mod facts;
pub(crate) mod findings;
mod ingest;
pub mod logscan;
pub mod render;
pub mod report;
pub mod rules;
pub(crate) mod timeline;
mod yearless;

use std::path::PathBuf;

/// Why an analysis could not be made. Its message is one line naming the file and the
/// problem, which is what `kbundle` prints before exiting with status 2.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// A bundle could not be read: missing, not a bundle, damaged or unsafe.
    #[error(transparent)]
    Read(#[from] kbundle_read::ReadError),
    /// The log rules do not compile together (a bug in the built-in rules, which the test
    /// suite catches before release, or in a pack).
    #[error(transparent)]
    Catalog(#[from] logscan::CatalogError),
    /// A rule pack (`--rules`) cannot be read or holds an invalid rule.
    #[error(transparent)]
    Pack(#[from] logscan::PackError),
    /// The cause-link catalog compiled into the binary is invalid (a bug the test suite
    /// catches before release).
    #[error(transparent)]
    Causes(#[from] causes::CauseCatalogError),
    /// The input was read but holds no file of any flavor the analyzer knows: analyzing it
    /// would report "no problem found" about data that was never understood.
    #[error(
        "{}: not a bundle of any known flavor: found none of the files of {}",
        kbundle_format::untrusted::terminal(&.path.display().to_string()),
        kbundle_format::flavors::looked_for()
    )]
    Unrecognised {
        /// The input as given.
        path: PathBuf,
    },
}

/// Reads every bundle, merges their facts by node name, and analyzes the whole with the
/// built-in rules.
pub fn analyze_paths(paths: &[PathBuf]) -> Result<report::Report, AnalyzeError> {
    analyze_with_rules(paths, &logscan::RuleSources::default())
}

/// [`analyze_paths`] with the log rules of `rules`: packs beside or instead of the built-in
/// ones.
pub fn analyze_with_rules(
    paths: &[PathBuf],
    rules: &logscan::RuleSources,
) -> Result<report::Report, AnalyzeError> {
    let scanner = logscan::LogScanner::new(&logscan::Catalog::load(rules)?)?;
    let causes = causes::CauseCatalog::builtin()?;
    let mut facts = facts::Facts::default();
    for path in paths {
        facts.merge(ingest::read_bundle(path, &scanner)?);
    }
    facts.align_host_names();
    Ok(report::build(&facts, scanner.catalog(), &causes))
}
