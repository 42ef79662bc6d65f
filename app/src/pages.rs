//! Whole screens.

pub mod login;
pub mod workspace;
