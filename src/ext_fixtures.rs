//! Test support: where the shared third-party captures are (`../shared/fixtures-ext` beside
//! the repository, see its MANIFEST.tsv). Tests that read them skip, with a printed reason,
//! when the directory is absent.

use std::path::PathBuf;

/// The fixtures-ext directory, when present.
pub(crate) fn dir() -> Option<PathBuf> {
    let d = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures-ext"
    ));
    d.join("MANIFEST.tsv").exists().then_some(d)
}
