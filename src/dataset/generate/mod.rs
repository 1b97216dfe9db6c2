//! Generation: counter-based randomness, UUID text, realistic values, values from the
//! edges of each type's domain, and COPY rows
//! written straight from the plan.

pub mod cell;
pub mod chunks;
pub mod edge;
pub mod rng;
pub mod text_out;
pub mod uuid_text;
pub mod values;
