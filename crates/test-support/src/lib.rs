//! Test helpers shared by the simpleim crates: access to the external conformance corpus,
//! fixtures, and proptest strategies. Not published.
#![forbid(unsafe_code)]
