//! One module per subcommand, each with a `run` taking its parsed
//! arguments and returning the exit code.

pub(crate) mod capacity;
pub(crate) mod catalog;
pub(crate) mod docs;
pub(crate) mod draw;
pub(crate) mod explain;
pub(crate) mod merge;
pub(crate) mod run;
pub(crate) mod sensitivity;
mod shared;
pub(crate) mod sweep;
pub(crate) mod validate;
