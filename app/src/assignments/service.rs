//! The assignments service. A user sees and changes only the assignments of their own
//! patients; any doctor of the directory may be assigned, once per patient. Patients and
//! doctors are read through their own services.

use super::PatientDoctors;
use super::{AssignedDoctor, DOCTORS_OF_PATIENT_SORTS, MAPPING_SORTS, Mapping, MappingListItem};
use crate::audit::action;
use crate::audit::service::{self as audit, Event};
use crate::auth::{Administrator, CurrentUser};
use crate::db::Db;
use crate::doctors::service as doctors;
use crate::error::{AppError, Constraint, NON_FIELD_ERRORS, OnConstraint};
use crate::input::Input;
use crate::listing::{ListParams, ListQuery, Page, QueryPairs};
use crate::patients::service as patients;
use sqlx::{PgPool, Postgres, QueryBuilder};

/// The longest notes accepted (the OpenAPI document states the same).
pub const NOTES_MAX: usize = 2000;
pub const ALREADY_ASSIGNED: &str = "This doctor is already assigned to this patient.";

const CONSTRAINTS: &[Constraint] = &[
    Constraint {
        name: "mappings_patient_doctor_key",
        field: NON_FIELD_ERRORS,
        message: ALREADY_ASSIGNED,
    },
    // The patient or doctor was deleted between the checks and the insert.
    Constraint {
        name: "mappings_patient_id_fkey",
        field: NON_FIELD_ERRORS,
        message: GONE,
    },
    Constraint {
        name: "mappings_doctor_id_fkey",
        field: NON_FIELD_ERRORS,
        message: GONE,
    },
    Constraint {
        name: "mappings_assigned_by_fkey",
        field: NON_FIELD_ERRORS,
        message: GONE,
    },
];
const GONE: &str = "The patient or the doctor no longer exists.";

/// A page of assignments: search (patient or doctor name), active, patient, doctor,
/// ordering, page.
#[derive(Debug, Clone)]
pub struct MappingQuery {
    pub list: ListParams,
    pub is_active: Option<bool>,
    pub patient: Option<i64>,
    pub doctor: Option<i64>,
}

impl utoipa::IntoParams for MappingQuery {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use crate::listing::openapi::{boolean, id, list, param};
        list(
            &MAPPING_SORTS,
            Some("Text in the patient's or the doctor's name"),
            vec![
                param("is_active", "true or false", boolean()),
                param("patient", "Only this patient's assignments", id()),
                param("doctor", "Only this doctor's assignments", id()),
            ],
        )
    }
}

impl ListQuery for MappingQuery {
    fn parse(pairs: &QueryPairs) -> Result<Self, AppError> {
        let (mut is_active, mut patient, mut doctor) = (None, None, None);
        let given = |key: &str| pairs.get(key).is_some_and(|v| !v.trim().is_empty());
        let list = ListParams::parse(pairs, &MAPPING_SORTS, |input| {
            if given("is_active") {
                is_active = input.boolean("is_active", false);
            }
            if given("patient") {
                patient = input.id("patient", false);
            }
            if given("doctor") {
                doctor = input.id("doctor", false);
            }
        })?;
        Ok(MappingQuery {
            list,
            is_active,
            patient,
            doctor,
        })
    }
}

impl MappingQuery {
    /// The query's conditions, on `patient_doctor_mappings m` joined with `patients p` and
    /// `doctors d` (after a `where`).
    pub(super) fn narrow(&self, builder: &mut QueryBuilder<'_, Postgres>) {
        if let Some(active) = self.is_active {
            builder.push(" and m.is_active = ").push_bind(active);
        }
        if let Some(patient) = self.patient {
            builder.push(" and m.patient_id = ").push_bind(patient);
        }
        if let Some(doctor) = self.doctor {
            builder.push(" and m.doctor_id = ").push_bind(doctor);
        }
        if let Some(pattern) = &self.list.search {
            builder
                .push(" and (p.name ilike ")
                .push_bind(pattern.clone())
                .push(" or d.name ilike ")
                .push_bind(pattern.clone())
                .push(")");
        }
    }
}

/// A page of one patient's doctors: ordering, page.
#[derive(Debug, Clone)]
pub struct DoctorsOfPatientQuery {
    pub list: ListParams,
}

impl DoctorsOfPatientQuery {
    /// The first `page_size` doctors, in the order they were assigned.
    pub fn first(page_size: i64) -> Self {
        DoctorsOfPatientQuery {
            list: ListParams::first(&DOCTORS_OF_PATIENT_SORTS, page_size),
        }
    }
}

impl utoipa::IntoParams for DoctorsOfPatientQuery {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        crate::listing::openapi::list(&DOCTORS_OF_PATIENT_SORTS, None, vec![])
    }
}

impl ListQuery for DoctorsOfPatientQuery {
    fn parse(pairs: &QueryPairs) -> Result<Self, AppError> {
        let list = ListParams::parse(pairs, &DOCTORS_OF_PATIENT_SORTS, |_| {})?;
        Ok(DoctorsOfPatientQuery { list })
    }
}

fn does_not_exist(id: i64) -> String {
    format!("Invalid pk \"{id}\" - object does not exist.")
}

/// Assigns a doctor to one of `user`'s patients.
///
/// Errors: 400 on `patient` when it is not one of the user's patients (worded exactly as
/// for a patient that does not exist), on `doctor` when there is no such doctor, and on
/// `non_field_errors` when the doctor is already assigned to the patient.
#[tracing::instrument(skip(pool, input), fields(user_id = user.id))]
pub async fn create(
    pool: &PgPool,
    user: CurrentUser,
    mut input: Input,
) -> Result<Mapping, AppError> {
    const FAILED: &str = "Failed to assign doctor";
    let patient = input.id("patient", true);
    let doctor = input.id("doctor", true);
    let notes = input.optional_text("notes", NOTES_MAX).unwrap_or_default();
    let is_active = input.boolean("is_active", false).unwrap_or(true);

    let mut tx = pool.begin().await?;
    // Whether the patient is the user's and the doctor exists is for their services to say.
    let mut not_theirs = None;
    if let Some(patient) = patient
        && let Err(AppError::NotFound(_)) = patients::fetch(&mut tx, &user, patient).await
    {
        input.error("patient", does_not_exist(patient));
        not_theirs = Some(patient);
    }
    if let Some(doctor) = doctor
        && let Err(AppError::NotFound(_)) = doctors::fetch(&mut tx, doctor).await
    {
        input.error("doctor", does_not_exist(doctor));
    }
    if let Err(invalid) = input.finish(FAILED) {
        if let Some(patient) = not_theirs {
            drop(tx);
            audit::refused(pool, &user, action::MAPPING_CREATE, "patient", patient).await?;
        }
        return Err(invalid);
    }
    let (Some(patient), Some(doctor)) = (patient, doctor) else {
        return Err(AppError::Internal);
    };
    let id = sqlx::query_scalar!(
        "insert into patient_doctor_mappings (patient_id, doctor_id, assigned_by, notes, is_active)
         values ($1, $2, $3, $4, $5)
         returning id",
        patient,
        doctor,
        user.id,
        notes,
        is_active
    )
    .fetch_one(&mut *tx)
    .await
    .on_constraint(FAILED, CONSTRAINTS)?;
    let mapping = fetch(&mut tx, &user, id).await?;
    audit::record(
        &mut tx,
        (&user).into(),
        Event::new(action::MAPPING_CREATE, "mapping", Some(id))
            .about_patient(patient, Some(user.id))
            .detail(serde_json::json!({ "doctor": doctor })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(mapping_id = id, "doctor assigned");
    Ok(mapping)
}

/// A page of the assignments of `user`'s patients.
///
/// Errors: 404 past the last page.
#[tracing::instrument(level = "debug", skip(db), fields(user_id = user.id))]
pub async fn list(
    db: &Db,
    user: CurrentUser,
    query: &MappingQuery,
) -> Result<Page<MappingListItem>, AppError> {
    let mut builder = QueryBuilder::<Postgres>::new(
        "select m.id, m.patient_id as patient, m.doctor_id as doctor, p.name as patient_name,
                d.name as doctor_name, d.specialization as doctor_specialization,
                m.assigned_date, m.is_active, m.notes, count(*) over () as total
         from patient_doctor_mappings m
         join patients p on p.id = m.patient_id
         join doctors d on d.id = m.doctor_id
         where p.created_by = ",
    );
    builder.push_bind(user.id);
    query.narrow(&mut builder);
    let page: Page<MappingListItem> = query.list.fetch_page(db, builder).await?;
    let ids = page.items.iter().map(|m| m.id).collect();
    audit::listed(
        db,
        &user,
        action::MAPPING_LIST,
        "mapping",
        None,
        &query.list.asked,
        ids,
    )
    .await?;
    Ok(page)
}

/// How many assignments there are, of every owner's patients (the admin site).
pub async fn count_all(db: &Db, _: &Administrator) -> Result<i64, AppError> {
    db.read(async |conn| {
        Ok(
            sqlx::query_scalar!(r#"select count(*) as "count!" from patient_doctor_mappings"#)
                .fetch_one(conn)
                .await?,
        )
    })
    .await
}

/// How many assignments `user`'s patients have.
#[tracing::instrument(level = "debug", skip(db), fields(user_id = user.id))]
pub async fn count(db: &Db, user: CurrentUser) -> Result<i64, AppError> {
    db.read(async |conn| {
        Ok(sqlx::query_scalar!(
            r#"select count(*) as "count!" from patient_doctor_mappings m
               join patients p on p.id = m.patient_id where p.created_by = $1"#,
            user.id
        )
        .fetch_one(conn)
        .await?)
    })
    .await
}

/// The doctors assigned to one of `user`'s patients, a page at a time (`total_doctors`
/// counts them all).
///
/// Errors: 404 when the patient does not exist or belongs to someone else.
#[tracing::instrument(level = "debug", skip(db), fields(user_id = user.id))]
pub async fn doctors_of_patient(
    db: &Db,
    user: CurrentUser,
    patient_id: i64,
    query: &DoctorsOfPatientQuery,
) -> Result<PatientDoctors, AppError> {
    let patient_name = db
        .read(async |conn| {
            Ok(sqlx::query_scalar!(
                "select name from patients where id = $1 and created_by = $2",
                patient_id,
                user.id
            )
            .fetch_optional(conn)
            .await?)
        })
        .await?;
    let Some(patient_name) = patient_name else {
        audit::refused(db, &user, action::MAPPING_READ, "patient", patient_id).await?;
        return Err(crate::patients::not_found());
    };
    let mut builder = QueryBuilder::<Postgres>::new(
        "select d.id, d.name, d.email, d.specialization, d.qualification, d.experience_years,
                d.consultation_fee, d.is_available, m.id as mapping_id, m.is_active, m.notes,
                count(*) over () as total
         from patient_doctor_mappings m join doctors d on d.id = m.doctor_id
         where m.patient_id = ",
    );
    builder.push_bind(patient_id);
    let page: Page<AssignedDoctor> = query.list.fetch_page(db, builder).await?;
    let ids = page.items.iter().map(|d| d.id).collect();
    let asked = &query.list.asked;
    audit::listed(
        db,
        &user,
        action::MAPPING_READ,
        "patient",
        Some(patient_id),
        asked,
        ids,
    )
    .await?;
    Ok(PatientDoctors {
        patient_id,
        patient_name,
        total_doctors: page.count,
        doctors: page.items,
    })
}

/// Removes an assignment of one of `user`'s patients. Returns the doctor's and the
/// patient's names, for the confirmation message.
///
/// Errors: 404 when there is no such assignment or its patient belongs to someone else.
#[tracing::instrument(skip(pool), fields(user_id = user.id))]
pub async fn delete(
    pool: &PgPool,
    user: CurrentUser,
    id: i64,
) -> Result<(String, String), AppError> {
    let mut tx = pool.begin().await?;
    let removed = sqlx::query!(
        r#"with removed as (
               delete from patient_doctor_mappings m
               using patients p
               where m.id = $1 and p.id = m.patient_id and p.created_by = $2
               returning m.patient_id, m.doctor_id
           )
           select r.patient_id, r.doctor_id, d.name as "doctor_name!", p.name as "patient_name!"
           from removed r join doctors d on d.id = r.doctor_id join patients p on p.id = r.patient_id"#,
        id,
        user.id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(removed) = removed else {
        drop(tx);
        audit::refused(pool, &user, action::MAPPING_DELETE, "mapping", id).await?;
        return Err(not_found());
    };
    audit::record(
        &mut tx,
        (&user).into(),
        Event::new(action::MAPPING_DELETE, "mapping", Some(id))
            .about_patient(removed.patient_id, Some(user.id))
            .detail(serde_json::json!({ "doctor": removed.doctor_id })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(mapping_id = id, "doctor unassigned");
    Ok((removed.doctor_name, removed.patient_name))
}

/// Reads an assignment of one of `user`'s patients, with both sides in full.
async fn fetch(
    conn: &mut sqlx::PgConnection,
    user: &CurrentUser,
    id: i64,
) -> Result<Mapping, AppError> {
    let row = sqlx::query!(
        r#"select m.id, m.patient_id, m.doctor_id, m.assigned_by, m.assigned_date, m.notes,
                  m.is_active, coalesce(u.name, '') as "assigned_by_name!"
           from patient_doctor_mappings m
           join patients p on p.id = m.patient_id
           left join users u on u.id = m.assigned_by
           where m.id = $1 and p.created_by = $2"#,
        id,
        user.id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(not_found)?;
    let patient_details = patients::fetch(conn, user, row.patient_id).await?;
    let doctor_details = doctors::fetch(conn, row.doctor_id).await?;
    Ok(Mapping {
        id: row.id,
        patient: row.patient_id,
        doctor: row.doctor_id,
        patient_details,
        doctor_details,
        assigned_by: row.assigned_by,
        assigned_by_name: row.assigned_by_name,
        assigned_date: row.assigned_date,
        notes: row.notes,
        is_active: row.is_active,
    })
}

fn not_found() -> AppError {
    AppError::NotFound("Mapping not found.".into())
}
