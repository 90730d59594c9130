//! The look's former home, kept for the commands, tests and benches that name it here.

pub use crate::review::typeset::style::{Glyphs, Look, Theme};
