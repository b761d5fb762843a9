//! The patients' pages: the list, the add and edit form, a patient with their doctors, and
//! the delete confirmation.

mod delete;
mod detail;
mod form;
mod list;

pub use delete::DeletePatientPage;
pub use detail::PatientPage;
pub use form::{EditPatientPage, NewPatientPage, PatientForm};
pub use list::PatientsPage;

use super::BLOOD_GROUPS;

/// The blood groups as menu choices, after `empty` for "none chosen".
fn blood_group_options(empty: &str) -> Vec<(String, String)> {
    std::iter::once((String::new(), empty.to_owned()))
        .chain(BLOOD_GROUPS.iter().map(|g| (g.to_string(), g.to_string())))
        .collect()
}
