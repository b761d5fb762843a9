//! The server's integration tests, in one binary: each test binary links the whole
//! application, and linking it once per file cost minutes on 2 cores. Each former test
//! file is a module here; `common` holds what they share.

mod common;

mod admin;
mod admin_site;
mod audit;
mod auth;
mod commands;
mod doctors;
mod embedded_restart;
mod fhir;
mod http;
mod isolation;
mod mappings;
mod patients;
mod resilience;
