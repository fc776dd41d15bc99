//! Finding Chromium and chromedriver, or saying plainly that they are missing. The tests
//! install nothing: without a browser they pass with a message, unless
//! `KBUNDLE_REQUIRE_BROWSER=1` (set by CI), where a missing browser fails them.

use super::webdriver::Driver;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Chromium and its driver, found.
pub struct Browser {
    /// The browser binary.
    pub chromium: PathBuf,
    /// The driver binary.
    pub chromedriver: PathBuf,
}

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

fn from_env_or_path(var: &str, names: &[&str]) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(p) => Some(PathBuf::from(p)).filter(|p| p.is_file()),
        None => on_path(names),
    }
}

/// The browser, or `None` after printing why (panics when the browser is required).
pub fn find() -> Option<Browser> {
    let chromium = from_env_or_path(
        "KBUNDLE_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let chromedriver = from_env_or_path("KBUNDLE_CHROMEDRIVER", &["chromedriver"]);
    match (chromium, chromedriver) {
        (Some(chromium), Some(chromedriver)) => Some(Browser {
            chromium,
            chromedriver,
        }),
        (chromium, driver) => {
            let missing = [
                chromium.is_none().then_some("chromium"),
                driver.is_none().then_some("chromedriver"),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" and ");
            let message = format!(
                "browser tests not run: {missing} not found (Debian: apt-get install chromium \
chromium-driver; or set KBUNDLE_CHROMIUM / KBUNDLE_CHROMEDRIVER)"
            );
            if std::env::var("KBUNDLE_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!("{message}, and KBUNDLE_REQUIRE_BROWSER=1 requires them");
            }
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            let _ = writeln!(std::io::stderr(), "{message}");
            None
        }
    }
}

impl Browser {
    /// Starts the driver.
    pub fn driver(&self) -> Driver {
        Driver::start(&self.chromedriver).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The file URL of a page.
    pub fn url(page: &Path) -> String {
        let abs = std::fs::canonicalize(page).expect("the page exists");
        let mut url = String::from("file://");
        for b in abs.to_string_lossy().bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                    url.push(b as char)
                }
                _ => url.push_str(&format!("%{b:02X}")),
            }
        }
        url
    }
}
