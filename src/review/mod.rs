//! The terminal app: Model, Action, pure update, effects, keymap, typesetting, views and the loop.

pub mod action;
pub mod batch;
pub mod bulk;
pub mod bulk_effect;
pub mod editor;
pub mod effect;
pub mod found;
pub mod guidelines;
pub mod keymap;
pub mod layout;
pub mod model;
pub mod order;
pub mod palette;
pub mod risk;
pub mod run;
pub mod sample;
pub mod scroll;
pub mod stats;
pub mod typeset;
pub mod update;
pub mod view;

// Their homes before typeset: the benches name them here.
pub use typeset::{markdown, text};

#[cfg(test)]
mod bulk_view_tests;
#[cfg(test)]
mod correct_view_tests;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
pub(crate) mod order_view_tests;
#[cfg(test)]
mod palette_view_tests;
#[cfg(test)]
mod stats_view_tests;
#[cfg(test)]
mod tags_view_tests;
#[cfg(test)]
mod view_tests;
#[cfg(test)]
mod view_tests_window;
