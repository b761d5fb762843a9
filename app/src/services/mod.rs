//! The service layer: the only place that decides what a user may see or change.
//! REST handlers and server functions are thin doors onto these functions.

pub mod auth;
pub mod doctors;
pub mod health;
pub mod listing;
pub mod mappings;
pub mod patients;
