//! The contract layer: `specs/` as data.
//!
//! What lives here: the endpoint specs and their field rules ([`spec`]), the JSON body validator
//! compiled once per spec ([`json_body`]), the error catalogue and the one error → response
//! renderer ([`error`]).
//!
//! May import: nothing of this crate outside `contract`. No I/O, no hyper, no store: what is
//! here is a pure function of the embedded specs and the input it is given.

pub mod error;
pub mod json_body;
pub mod spec;
