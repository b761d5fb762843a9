//! Doctors: a directory every signed-in user reads. Only the user who added a doctor (or
//! an admin) may change or remove it; others get a 403.

use super::listing::{self, ListQuery};
use super::patients::read_phone;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, unique_violation};
use crate::input::Input;
use crate::models::{Doctor, DoctorListItem, Page};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

const NAME_MAX: usize = 255;
const SPECIALIZATION_MAX: usize = 100;
const QUALIFICATION_MAX: usize = 255;
const LICENSE_MAX: usize = 50;
const ADDRESS_MAX: usize = 1000;
pub const DUPLICATE_EMAIL: &str = "A doctor with this email already exists.";
pub const DUPLICATE_LICENSE: &str = "A doctor with this license number already exists.";

const ORDERINGS: &[(&str, &str)] = &[
    ("name", "lower(d.name), d.id"),
    ("-name", "lower(d.name) desc, d.id desc"),
    ("experience_years", "d.experience_years, d.id"),
    ("-experience_years", "d.experience_years desc, d.id desc"),
    ("consultation_fee", "d.consultation_fee, d.id"),
    ("-consultation_fee", "d.consultation_fee desc, d.id desc"),
    ("created_at", "d.created_at, d.id"),
    ("-created_at", "d.created_at desc, d.id desc"),
    ("specialization", "lower(d.specialization), d.id"),
    ("id", "d.id"),
    ("-id", "d.id desc"),
];

#[derive(Debug, Clone)]
struct Fields {
    name: String,
    email: String,
    phone_number: String,
    specialization: String,
    qualification: String,
    experience_years: i32,
    license_number: String,
    clinic_address: String,
    consultation_fee: Decimal,
    is_available: bool,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            name: String::new(),
            email: String::new(),
            phone_number: String::new(),
            specialization: String::new(),
            qualification: String::new(),
            experience_years: 0,
            license_number: String::new(),
            clinic_address: String::new(),
            consultation_fee: Decimal::ZERO,
            is_available: true,
        }
    }
}

impl Fields {
    /// Applies the fields present in `input`. With `partial` false, `name`, `email`,
    /// `specialization` and `license_number` must be present. A partial update (PATCH)
    /// may leave them out, but one that is sent is checked in full: it cannot be blanked.
    fn apply(mut self, input: &mut Input, partial: bool) -> Fields {
        let required = |input: &Input, key: &str| !partial || input.is_present(key);
        if let Some(v) = input.text("name", required(input, "name"), NAME_MAX) {
            self.name = v;
        }
        if let Some(v) = input.email("email", required(input, "email")) {
            self.email = v;
        }
        if let Some(v) = read_phone(input, "phone_number") {
            self.phone_number = v;
        }
        if let Some(v) = input.text(
            "specialization",
            required(input, "specialization"),
            SPECIALIZATION_MAX,
        ) {
            self.specialization = v;
        }
        if let Some(v) = input.optional_text("qualification", QUALIFICATION_MAX) {
            self.qualification = v;
        }
        if let Some(v) = input.integer("experience_years", false, 0, 80) {
            self.experience_years = v as i32;
        }
        if let Some(v) = input.text(
            "license_number",
            required(input, "license_number"),
            LICENSE_MAX,
        ) {
            self.license_number = v;
        }
        if let Some(v) = input.optional_text("clinic_address", ADDRESS_MAX) {
            self.clinic_address = v;
        }
        if let Some(v) = input.decimal("consultation_fee", false, 10, 2, Decimal::ZERO) {
            self.consultation_fee = v;
        }
        if let Some(v) = input.boolean("is_available", false) {
            self.is_available = v;
        }
        self
    }
}

/// Adds a doctor to the directory, recorded as created by `user`.
///
/// Errors: 400 with field details for invalid input, or an email or license number that
/// another doctor already has.
#[tracing::instrument(skip(pool, input), fields(user_id = user.id))]
pub async fn create(
    pool: &PgPool,
    user: CurrentUser,
    mut input: Input,
) -> Result<Doctor, AppError> {
    const FAILED: &str = "Failed to create doctor";
    let fields = Fields::default().apply(&mut input, false);
    let mut tx = pool.begin().await?;
    check_unique(&mut tx, &mut input, &fields, None).await?;
    input.finish(FAILED)?;
    let doctor = sqlx::query_as!(
        Doctor,
        "insert into doctors (name, email, phone_number, specialization, qualification,
             experience_years, license_number, clinic_address, consultation_fee, is_available, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         returning id, name, email, phone_number, specialization, qualification, experience_years,
             license_number, clinic_address, consultation_fee, is_available, created_by,
             created_at, updated_at",
        fields.name,
        fields.email,
        fields.phone_number,
        fields.specialization,
        fields.qualification,
        fields.experience_years,
        fields.license_number,
        fields.clinic_address,
        fields.consultation_fee,
        fields.is_available,
        user.id
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| write_error(e, FAILED))?;
    tx.commit().await?;
    tracing::info!(doctor_id = doctor.id, "doctor created");
    Ok(doctor)
}

/// Any doctor in the directory. Any signed-in user may call it.
///
/// Errors: 404 when there is no such doctor.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn get(db: &Db, _user: CurrentUser, id: i64) -> Result<Doctor, AppError> {
    db.read(async |conn| {
        sqlx::query_as!(
            Doctor,
            "select id, name, email, phone_number, specialization, qualification, experience_years,
             license_number, clinic_address, consultation_fee, is_available, created_by,
             created_at, updated_at
         from doctors where id = $1",
            id
        )
        .fetch_optional(conn)
        .await?
        .ok_or_else(not_found)
    })
    .await
}

/// Updates a doctor (PUT: the required fields; PATCH: any subset). Only its creator or an
/// admin may.
///
/// Errors: 404 when there is no such doctor; 403 for anyone else; 400 as for [`create`].
#[tracing::instrument(skip(pool, input), fields(user_id = user.id))]
pub async fn update(
    pool: &PgPool,
    user: CurrentUser,
    id: i64,
    mut input: Input,
    partial: bool,
) -> Result<Doctor, AppError> {
    const FAILED: &str = "Failed to update doctor";
    let mut tx = pool.begin().await?;
    let row = sqlx::query!(
        "select name, email, phone_number, specialization, qualification, experience_years,
             license_number, clinic_address, consultation_fee, is_available, created_by
         from doctors where id = $1 for update",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(not_found)?;
    authorize_change(&mut tx, user, row.created_by).await?;
    let current = Fields {
        name: row.name,
        email: row.email,
        phone_number: row.phone_number,
        specialization: row.specialization,
        qualification: row.qualification,
        experience_years: row.experience_years,
        license_number: row.license_number,
        clinic_address: row.clinic_address,
        consultation_fee: row.consultation_fee,
        is_available: row.is_available,
    };
    let fields = current.apply(&mut input, partial);
    check_unique(&mut tx, &mut input, &fields, Some(id)).await?;
    input.finish(FAILED)?;
    let doctor = sqlx::query_as!(
        Doctor,
        "update doctors set name = $1, email = $2, phone_number = $3, specialization = $4,
             qualification = $5, experience_years = $6, license_number = $7, clinic_address = $8,
             consultation_fee = $9, is_available = $10, updated_at = now()
         where id = $11
         returning id, name, email, phone_number, specialization, qualification, experience_years,
             license_number, clinic_address, consultation_fee, is_available, created_by,
             created_at, updated_at",
        fields.name,
        fields.email,
        fields.phone_number,
        fields.specialization,
        fields.qualification,
        fields.experience_years,
        fields.license_number,
        fields.clinic_address,
        fields.consultation_fee,
        fields.is_available,
        id
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| write_error(e, FAILED))?;
    tx.commit().await?;
    tracing::info!(doctor_id = id, "doctor updated");
    Ok(doctor)
}

/// Removes a doctor and every assignment of that doctor. Only its creator or an admin may.
///
/// Errors: 404 when there is no such doctor; 403 for anyone else.
#[tracing::instrument(skip(pool), fields(user_id = user.id))]
pub async fn delete(pool: &PgPool, user: CurrentUser, id: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let created_by = sqlx::query_scalar!(
        "select created_by from doctors where id = $1 for update",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(not_found)?;
    authorize_change(&mut tx, user, created_by).await?;
    sqlx::query!("delete from doctors where id = $1", id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(doctor_id = id, "doctor deleted");
    Ok(())
}

/// A page of the directory. Accepts `search` (name, email, specialization, qualification),
/// `specialization` (exact, any case), `is_available`, `ordering`, `page`, `page_size`.
///
/// Errors: 400 for an unknown ordering or a bad `is_available`; 404 past the last page.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(
    db: &Db,
    _user: CurrentUser,
    query: &ListQuery,
) -> Result<Page<DoctorListItem>, AppError> {
    let mut specialization = None;
    let mut is_available = None;
    let params = listing::read(query, ORDERINGS, |input| {
        specialization = input
            .optional_text("specialization", SPECIALIZATION_MAX)
            .filter(|s| !s.is_empty());
        if query
            .get("is_available")
            .is_some_and(|v| !v.trim().is_empty())
        {
            is_available = input.boolean("is_available", false);
        }
    })?;
    let mut builder = QueryBuilder::<Postgres>::new(
        "select d.id, d.name, d.specialization, d.experience_years, d.consultation_fee,
                d.is_available, count(*) over () as total
         from doctors d where true",
    );
    if let Some(s) = specialization {
        builder
            .push(" and lower(d.specialization) = lower(")
            .push_bind(s)
            .push(")");
    }
    if let Some(available) = is_available {
        builder.push(" and d.is_available = ").push_bind(available);
    }
    if let Some(pattern) = &params.search {
        builder
            .push(" and (d.name || ' ' || d.email || ' ' || d.specialization || ' ' || d.qualification) ilike ")
            .push_bind(pattern.clone());
    }
    listing::push_page(&mut builder, &params);
    listing::fetch_page(db, builder, &params).await
}

/// Only the creator of a doctor, or an admin, may change it.
async fn authorize_change(
    conn: &mut PgConnection,
    user: CurrentUser,
    created_by: Option<i64>,
) -> Result<(), AppError> {
    if created_by == Some(user.id) {
        return Ok(());
    }
    let is_admin = sqlx::query_scalar!("select is_admin from users where id = $1", user.id)
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or(false);
    if is_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "You do not have permission to perform this action.".into(),
        ))
    }
}

/// Reports, beside the other field errors, an email or license number already taken.
async fn check_unique(
    conn: &mut PgConnection,
    input: &mut Input,
    fields: &Fields,
    except: Option<i64>,
) -> Result<(), AppError> {
    let taken = sqlx::query!(
        r#"select
             exists(select 1 from doctors where lower(email) = lower($1) and id is distinct from $3) as "email!",
             exists(select 1 from doctors where lower(license_number) = lower($2) and id is distinct from $3) as "license!""#,
        fields.email,
        fields.license_number,
        except
    )
    .fetch_one(&mut *conn)
    .await?;
    if taken.email && !input.has_error("email") {
        input.error("email", DUPLICATE_EMAIL);
    }
    if taken.license && !input.has_error("license_number") {
        input.error("license_number", DUPLICATE_LICENSE);
    }
    Ok(())
}

pub(crate) fn not_found() -> AppError {
    AppError::NotFound("Doctor not found.".into())
}

fn write_error(error: sqlx::Error, message: &str) -> AppError {
    match unique_violation(&error) {
        Some("doctors_email_key") => AppError::field(message, "email", DUPLICATE_EMAIL),
        Some("doctors_license_number_key") => {
            AppError::field(message, "license_number", DUPLICATE_LICENSE)
        }
        _ => error.into(),
    }
}
