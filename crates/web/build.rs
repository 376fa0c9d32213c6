//! Fetches the pinned browser libraries (htmx, SortableJS) from npm into a
//! git-ignored folder and hands them to the crate through OUT_DIR, so they are
//! embedded in the binary but never committed. Without npm or the registry
//! the build still succeeds: the pages work as plain HTML forms, and a
//! warning says what is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

const FILES: [(&str, &str); 2] = [
    ("node_modules/htmx.org/dist/htmx.min.js", "htmx.min.js"),
    ("node_modules/sortablejs/Sortable.min.js", "Sortable.min.js"),
];

fn main() {
    let vendor = PathBuf::from("assets/vendor");
    println!("cargo:rerun-if-changed=assets/vendor/package-lock.json");
    println!("cargo:rerun-if-changed=assets/vendor/package.json");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    if FILES.iter().any(|(src, _)| !vendor.join(src).exists()) {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&vendor)
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            println!(
                "cargo:warning=npm could not fetch htmx and SortableJS ({status:?}); the UI will work without its scripts"
            );
        }
    }
    for (src, name) in FILES {
        copy_or_empty(&vendor.join(src), &out.join(name));
    }
}

fn copy_or_empty(src: &Path, dst: &Path) {
    let body = std::fs::read(src).unwrap_or_default();
    if let Err(e) = std::fs::write(dst, body) {
        println!("cargo:warning=cannot write {}: {e}", dst.display());
    }
}
