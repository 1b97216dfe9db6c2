//! Generation: counter-based randomness, UUID text, realistic values, and COPY rows
//! written straight from the plan.

pub mod cell;
pub mod chunks;
pub mod rng;
pub mod text_out;
pub mod uuid_text;
pub mod values;
