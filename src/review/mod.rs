//! The terminal app: Model, Action, pure update, effects, keymap, views and the loop.

pub mod action;
pub mod editor;
pub mod effect;
pub mod keymap;
pub mod layout;
pub mod markdown;
pub mod model;
pub mod run;
pub mod scroll;
pub mod text;
pub mod update;
pub mod view;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod update_tests;
#[cfg(test)]
mod view_tests;
