//! What the commands write: text tables on stdout, SVG charts into results
//! directories, progress on stderr.

pub(crate) mod charts;
pub(crate) mod colour;
pub(crate) mod pictures;
pub(crate) mod progress;
pub(crate) mod table;
pub(crate) mod topology;
