//! Frame-level tests.
