//! Scenario loading errors: each names the file, the JSON path and the fix.

use std::path::PathBuf;

use thiserror::Error;

/// Why a scenario could not be loaded. Every variant names the file; invalid
/// content also names the JSON path (e.g. `nodes.backend.service_ms.mean`)
/// and says what would be valid.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{}: cannot read the scenario: {source}", file.display())]
    Io {
        /// The scenario file.
        file: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not well-formed JSON (malformed or truncated).
    #[error("{}:{line}:{column}: not valid JSON: {message}", file.display())]
    Syntax {
        /// The scenario file.
        file: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// The JSON is well-formed but describes an invalid scenario.
    #[error("{}: {path}: {message}", file.display())]
    Invalid {
        /// The scenario file.
        file: PathBuf,
        /// JSON path of the offending value (`.` for the whole document).
        path: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl ScenarioError {
    /// The JSON path of an [`ScenarioError::Invalid`] error.
    pub fn path(&self) -> Option<&str> {
        match self {
            ScenarioError::Invalid { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// An invalid value found while checking a parsed scenario: a JSON path and
/// a message; the file is attached by the loader.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Invalid {
    pub(crate) path: String,
    pub(crate) message: String,
}

impl Invalid {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid { path: path.into(), message: message.into() }
    }

    pub(crate) fn in_file(self, file: PathBuf) -> ScenarioError {
        ScenarioError::Invalid { file, path: self.path, message: self.message }
    }
}
