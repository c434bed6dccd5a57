//! The workspace member reuses the fixture plugin's source unchanged.
include!("../../../fixture-plugin/src/lib.rs");
