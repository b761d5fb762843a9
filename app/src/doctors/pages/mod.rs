//! The doctors' pages: the directory, the add and edit form, a doctor, and the delete
//! confirmation.

mod detail;
mod form;
mod list;

pub use detail::{DeleteDoctorPage, DoctorPage};
pub use form::{DoctorForm, EditDoctorPage, NewDoctorPage};
pub use list::DoctorsPage;
