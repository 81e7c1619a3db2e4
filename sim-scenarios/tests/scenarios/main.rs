//! Integration tests of scenario loading and running.

mod golden;
