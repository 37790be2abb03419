//! group-writeback: read, explain and set the writeback configuration of
//! Microsoft Entra ID groups. The rules live in [`domain`]; the C ABI in
//! [`ffi`] and the Windows DPAPI calls in [`token_cache`] are the only
//! places with `unsafe`.
#![deny(unsafe_op_in_unsafe_fn)]

pub mod domain;
pub mod ffi;
pub mod report;
pub mod input;
pub mod secret;
pub mod auth;
pub mod token_cache;
pub mod retry;
pub mod graph;
pub mod listing;
pub mod bulk;
mod panics;

/// The library's version (the crate version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
