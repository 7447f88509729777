//! What the reach query found, written for other tools.

pub mod opengraph;
