//! Text to styled lines, for update to measure and view to draw; nothing here draws.

pub mod diff;
pub mod guidelines;
pub mod help;
pub mod judgments;
pub mod markdown;
pub mod message;
pub mod style;
pub mod text;
