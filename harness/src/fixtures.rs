//! Fixtures from the file system: find the files, read them, and let core parse them.
//!
//! Core parses every format from bytes (so that the browser build can load fixtures
//! too); this module only walks. A path is one of:
//! - a directory: every file and directory below it is read (directories too, so that
//!   empty mailboxes survive), and core detects the format from the paths — a top-level
//!   `.toml`/`.json` file, a Maildir (`cur/`, `new/`), `.mbox` files or `.eml` files;
//! - a declarative file (`.toml`, `.json`): it and the message files it names by `path`;
//! - an mbox file or a single `.eml` file, which loads into one user
//!   ([`LoadOptions::user`], by default `alice`).
//!
//! Hidden files and directories (`.git`, `.DS_Store`) are skipped, except Maildir++
//! folders (`.Sent`), which are how Maildir++ names subfolders.

use std::path::{Path, PathBuf};

use ephemail_core::fixtures::{
    self, FixtureError, FixtureFile, FixtureFormat, FixtureSet, LoadOptions,
};

/// Why fixtures could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixturesError {
    /// A file or directory could not be read.
    #[error("reading fixtures {}: {source}", path.display())]
    Io {
        /// What.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The fixture is malformed; the error names the file and the line or field.
    #[error("in {}: {error}", root.display())]
    Fixture {
        /// The directory the file paths in `error` are relative to.
        root: PathBuf,
        /// What is wrong.
        error: FixtureError,
    },
}

/// Reads and parses the fixtures at `path`, without touching any store.
pub fn read_fixtures(path: &Path, options: &LoadOptions) -> Result<FixtureSet, FixturesError> {
    let io = |source| FixturesError::Io {
        path: path.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(io)?;
    // Core names files relative to the directory loaded, or by name for a single file:
    // the error shows that directory first.
    let root = if metadata.is_dir() {
        path
    } else {
        path.parent().unwrap_or(Path::new("."))
    };
    let fixture = |error| FixturesError::Fixture {
        root: root.to_owned(),
        error,
    };
    if metadata.is_dir() {
        let files = walk(path)?;
        return fixtures::load(&files, options).map_err(fixture);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = std::fs::read(path).map_err(io)?;
    if FixtureFormat::of_file(&name) != Some(FixtureFormat::Declarative) {
        // An mbox or .eml file; core refuses a name that says no format.
        return fixtures::load_file(&name, &bytes, options).map_err(fixture);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let referenced = fixtures::declarative::referenced_files(&name, &bytes).map_err(fixture)?;
    let mut files = vec![FixtureFile::new(name.clone(), bytes)];
    for relative in referenced {
        let full = dir.join(&relative);
        match std::fs::read(&full) {
            Ok(bytes) => files.push(FixtureFile::new(relative, bytes)),
            // Core reports the missing file with the field that names it.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(FixturesError::Io { path: full, source }),
        }
    }
    fixtures::load_as(FixtureFormat::Declarative, &files, options).map_err(fixture)
}

/// Every file and directory below `root`, as core wants them: relative paths with `/`,
/// directories ending in `/`, sorted.
fn walk(root: &Path) -> Result<Vec<FixtureFile>, FixturesError> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        let io = |source| FixturesError::Io {
            path: dir.clone(),
            source,
        };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(io)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort();
        for entry in entries {
            let Ok(relative) = entry.strip_prefix(root) else {
                continue;
            };
            let relative: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let name = relative.last().cloned().unwrap_or_default();
            let relative = relative.join("/");
            // Symbolic links to files are read; links to directories are not followed,
            // so that a link loop cannot make the walk endless.
            let linked = entry
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink());
            let is_dir = entry.is_dir();
            if linked && is_dir {
                continue;
            }
            if name.starts_with('.') && !(is_dir && is_maildir_folder(&entry)) {
                continue;
            }
            if is_dir {
                out.push(FixtureFile::directory(relative));
                pending.push(entry);
            } else {
                let bytes = std::fs::read(&entry).map_err(|source| FixturesError::Io {
                    path: entry.clone(),
                    source,
                })?;
                out.push(FixtureFile::new(relative, bytes));
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Whether a dot-directory is a Maildir++ folder (it holds `cur/` or `new/`).
fn is_maildir_folder(dir: &Path) -> bool {
    dir.join("cur").is_dir() || dir.join("new").is_dir()
}

/// The demo mail set (`fixtures/demo/demo.toml`), built into the binary so that
/// `ephemail serve` has realistic mail wherever it runs: users `alice` and `bob`,
/// password `password`.
pub const DEMO_TOML: &[u8] = include_bytes!("../../fixtures/demo/demo.toml");

/// The demo mail set, parsed.
pub fn demo_set() -> Result<FixtureSet, FixturesError> {
    fixtures::load_file("demo.toml", DEMO_TOML, &LoadOptions::default()).map_err(|error| {
        FixturesError::Fixture {
            root: PathBuf::from("fixtures/demo/demo.toml"),
            error,
        }
    })
}

/// Writes exported fixture files (from `ephemail_core::fixtures::{declarative, eml,
/// mbox, maildir}::export`) below `root`, creating directories as needed, so that a test
/// can snapshot a store to disk and diff it against a golden copy.
///
/// Paths that would leave `root` (absolute, or with `..`) are refused.
pub fn write_files(root: &Path, files: &[FixtureFile]) -> Result<(), FixturesError> {
    for file in files {
        let relative = Path::new(&file.path);
        let safe = relative
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        let target = root.join(relative);
        let io = |source| FixturesError::Io {
            path: target.clone(),
            source,
        };
        if !safe {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "path leaves the fixture directory",
            )));
        }
        if file.is_directory() {
            std::fs::create_dir_all(&target).map_err(io)?;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&target, &file.bytes).map_err(io)?;
    }
    Ok(())
}
