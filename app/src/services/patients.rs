//! Patients: each belongs to the user who created it, and only that user can see it,
//! find it, count it or collide with it. Everyone else gets a 404.

use super::listing::{self, ListQuery};
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, unique_violation};
use crate::input::Input;
use crate::models::{BLOOD_GROUPS, Page, Patient, PatientListItem, UserProfile};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

const NAME_MAX: usize = 255;
const ADDRESS_MAX: usize = 1000;
const HISTORY_MAX: usize = 20_000;
pub const DUPLICATE_EMAIL: &str = "A patient with this email already exists.";

/// The accepted `?ordering=` values; the first is the default.
const ORDERINGS: &[(&str, &str)] = &[
    ("-created_at", "p.created_at desc, p.id desc"),
    ("created_at", "p.created_at, p.id"),
    ("name", "lower(p.name), p.id"),
    ("-name", "lower(p.name) desc, p.id desc"),
    ("date_of_birth", "p.date_of_birth nulls last, p.id"),
    (
        "-date_of_birth",
        "p.date_of_birth desc nulls last, p.id desc",
    ),
    ("id", "p.id"),
    ("-id", "p.id desc"),
];

/// The editable fields of a patient.
#[derive(Debug, Clone, Default)]
struct Fields {
    name: String,
    email: String,
    phone_number: String,
    address: String,
    date_of_birth: Option<NaiveDate>,
    blood_group: String,
    medical_history: String,
}

impl Fields {
    /// Applies the fields present in `input` over `self`. With `partial` false, `name` must
    /// be present (a create or a PUT); a partial update (PATCH) may leave it out, but a
    /// field that is sent is checked in full, so it cannot blank the name either.
    /// Read-only fields (`id`, `created_by`, timestamps) are ignored.
    fn apply(mut self, input: &mut Input, partial: bool) -> Fields {
        let name_required = !partial || input.is_present("name");
        if let Some(v) = input.text("name", name_required, NAME_MAX) {
            self.name = v;
        }
        if let Some(v) = input.email("email", false) {
            self.email = v;
        }
        if let Some(v) = read_phone(input, "phone_number") {
            self.phone_number = v;
        }
        if let Some(v) = input.optional_text("address", ADDRESS_MAX) {
            self.address = v;
        }
        if let Some(v) = input.optional_date("date_of_birth") {
            if v.is_some_and(|d| d > Utc::now().date_naive()) {
                input.error("date_of_birth", "Date of birth cannot be in the future.");
            } else if v.is_some_and(|d| d < NaiveDate::from_ymd_opt(1850, 1, 1).unwrap_or_default())
            {
                input.error("date_of_birth", "Enter a date of birth after 1850.");
            }
            self.date_of_birth = v;
        }
        if let Some(v) = input.optional_choice("blood_group", &BLOOD_GROUPS) {
            self.blood_group = v;
        }
        if let Some(v) = input.optional_text("medical_history", HISTORY_MAX) {
            self.medical_history = v;
        }
        self
    }
}

/// A phone number in international form: `+` then 9 to 15 digits. Spaces, dashes, dots
/// and parentheses are allowed while typing and removed. Blank clears it.
pub fn read_phone(input: &mut Input, key: &str) -> Option<String> {
    let raw = input.optional_text(key, 40)?;
    if raw.is_empty() {
        return Some(raw);
    }
    let compact: String = raw.chars().filter(|c| !" -.()".contains(*c)).collect();
    let digits = compact.strip_prefix('+').unwrap_or("");
    if digits.len() >= 9 && digits.len() <= 15 && digits.chars().all(|c| c.is_ascii_digit()) {
        Some(compact)
    } else {
        input.error(
            key,
            "Enter a phone number in international form: + and 9 to 15 digits, e.g. +1234567890.",
        );
        None
    }
}

/// Creates a patient owned by `user`.
///
/// Errors: 400 with field details for invalid input or an email already used by another
/// of this user's patients.
#[tracing::instrument(skip(pool, input), fields(user_id = user.id))]
pub async fn create(
    pool: &PgPool,
    user: CurrentUser,
    mut input: Input,
) -> Result<Patient, AppError> {
    const FAILED: &str = "Failed to create patient";
    let fields = Fields::default().apply(&mut input, false);
    input.finish(FAILED)?;
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!(
        "insert into patients
             (name, email, phone_number, address, date_of_birth, blood_group, medical_history, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         returning id",
        fields.name,
        fields.email,
        fields.phone_number,
        fields.address,
        fields.date_of_birth,
        fields.blood_group,
        fields.medical_history,
        user.id
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| write_error(e, FAILED))?;
    let patient = fetch(&mut tx, user, id).await?;
    tx.commit().await?;
    tracing::info!(patient_id = id, "patient created");
    Ok(patient)
}

/// One of `user`'s patients.
///
/// Errors: 404 when there is no such patient or it belongs to someone else.
#[tracing::instrument(level = "debug", skip(db), fields(user_id = user.id))]
pub async fn get(db: &Db, user: CurrentUser, id: i64) -> Result<Patient, AppError> {
    // Concurrent lookups share one statement (see `crate::batch`); the owner is part of
    // the key, so a lookup only ever finds the caller's own patient.
    db.patients
        .load(db.clone(), (id, user.id))
        .await?
        .ok_or_else(not_found)
}

/// A lookup key: (patient id, the user who asks).
pub(crate) type OwnedId = (i64, i64);

/// The patients for a group of (id, owner) keys, in one statement on a read connection.
pub(crate) fn fetch_group(
    db: Db,
    keys: Vec<OwnedId>,
) -> std::pin::Pin<Box<dyn Future<Output = crate::batch::Rows<OwnedId, Patient>> + Send>> {
    Box::pin(async move {
        let (ids, owners): (Vec<i64>, Vec<i64>) = keys.into_iter().unzip();
        db.read(async |conn| {
            let rows = sqlx::query_as!(
                PatientRow,
                r#"select p.id, p.name, p.email, p.phone_number, p.address, p.date_of_birth,
                          p.blood_group, p.medical_history, p.created_by, p.created_at,
                          p.updated_at, u.name as "owner_name", u.email as "owner_email",
                          u.date_joined as "owner_joined"
                   from unnest($1::int8[], $2::int8[]) as k(id, owner)
                   join patients p on p.id = k.id and p.created_by = k.owner
                   join users u on u.id = p.created_by"#,
                &ids,
                &owners
            )
            .fetch_all(&mut *conn)
            .await?;
            Ok(rows
                .into_iter()
                .map(|row| {
                    let patient = Patient::from(row);
                    ((patient.id, patient.created_by), patient)
                })
                .collect())
        })
        .await
    })
}

/// Updates one of `user`'s patients: every required field for a full update (PUT), any
/// subset for a partial one (PATCH).
///
/// Errors: 404 as for [`get`]; 400 with field details as for [`create`].
#[tracing::instrument(skip(pool, input), fields(user_id = user.id))]
pub async fn update(
    pool: &PgPool,
    user: CurrentUser,
    id: i64,
    mut input: Input,
    partial: bool,
) -> Result<Patient, AppError> {
    const FAILED: &str = "Failed to update patient";
    let mut tx = pool.begin().await?;
    let current = sqlx::query_as!(
        Fields,
        "select name, email, phone_number, address, date_of_birth, blood_group, medical_history
         from patients where id = $1 and created_by = $2 for update",
        id,
        user.id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(not_found)?;
    let fields = current.apply(&mut input, partial);
    input.finish(FAILED)?;
    sqlx::query!(
        "update patients set name = $1, email = $2, phone_number = $3, address = $4,
             date_of_birth = $5, blood_group = $6, medical_history = $7, updated_at = now()
         where id = $8 and created_by = $9",
        fields.name,
        fields.email,
        fields.phone_number,
        fields.address,
        fields.date_of_birth,
        fields.blood_group,
        fields.medical_history,
        id,
        user.id
    )
    .execute(&mut *tx)
    .await
    .map_err(|e| write_error(e, FAILED))?;
    let patient = fetch(&mut tx, user, id).await?;
    tx.commit().await?;
    tracing::info!(patient_id = id, "patient updated");
    Ok(patient)
}

/// Deletes one of `user`'s patients and, with it, the patient's doctor assignments.
///
/// Errors: 404 as for [`get`].
#[tracing::instrument(skip(pool), fields(user_id = user.id))]
pub async fn delete(pool: &PgPool, user: CurrentUser, id: i64) -> Result<(), AppError> {
    let deleted = sqlx::query!(
        "delete from patients where id = $1 and created_by = $2",
        id,
        user.id
    )
    .execute(pool)
    .await?
    .rows_affected();
    if deleted == 0 {
        return Err(not_found());
    }
    tracing::info!(patient_id = id, "patient deleted");
    Ok(())
}

/// A page of `user`'s patients. Accepts `search` (name, email, phone), `blood_group`,
/// `ordering`, `page` and `page_size`.
///
/// Errors: 400 for an unknown ordering or blood group; 404 for a page past the last.
#[tracing::instrument(level = "debug", skip(db), fields(user_id = user.id))]
pub async fn list(
    db: &Db,
    user: CurrentUser,
    query: &ListQuery,
) -> Result<Page<PatientListItem>, AppError> {
    let mut blood_group = None;
    let params = listing::read(query, ORDERINGS, |input| {
        blood_group = input
            .optional_choice("blood_group", &BLOOD_GROUPS)
            .filter(|b| !b.is_empty());
    })?;
    let mut builder = QueryBuilder::<Postgres>::new(
        "select p.id, p.name, p.email, p.phone_number, p.blood_group,
                u.name as created_by_name, p.created_at, count(*) over () as total
         from patients p join users u on u.id = p.created_by
         where p.created_by = ",
    );
    builder.push_bind(user.id);
    if let Some(group) = blood_group {
        builder.push(" and p.blood_group = ").push_bind(group);
    }
    if let Some(pattern) = &params.search {
        builder
            .push(" and (p.name || ' ' || p.email || ' ' || p.phone_number) ilike ")
            .push_bind(pattern.clone());
    }
    listing::push_page(&mut builder, &params);
    listing::fetch_page(db, builder, &params).await
}

/// Reads a patient of `user` with its creator's details.
pub(crate) async fn fetch(
    conn: &mut PgConnection,
    user: CurrentUser,
    id: i64,
) -> Result<Patient, AppError> {
    let row = sqlx::query_as!(
        PatientRow,
        r#"select p.id, p.name, p.email, p.phone_number, p.address, p.date_of_birth,
                  p.blood_group, p.medical_history, p.created_by, p.created_at, p.updated_at,
                  u.name as "owner_name", u.email as "owner_email", u.date_joined as "owner_joined"
           from patients p join users u on u.id = p.created_by
           where p.id = $1 and p.created_by = $2"#,
        id,
        user.id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(not_found)?;
    Ok(row.into())
}

/// A patient with its owner's profile, as both lookups select it.
struct PatientRow {
    id: i64,
    name: String,
    email: String,
    phone_number: String,
    address: String,
    date_of_birth: Option<NaiveDate>,
    blood_group: String,
    medical_history: String,
    created_by: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    owner_name: String,
    owner_email: String,
    owner_joined: DateTime<Utc>,
}

impl From<PatientRow> for Patient {
    fn from(row: PatientRow) -> Patient {
        Patient {
            id: row.id,
            name: row.name,
            email: row.email,
            phone_number: row.phone_number,
            address: row.address,
            date_of_birth: row.date_of_birth,
            blood_group: row.blood_group,
            medical_history: row.medical_history,
            created_by: row.created_by,
            created_by_details: UserProfile {
                id: row.created_by,
                name: row.owner_name,
                email: row.owner_email,
                date_joined: row.owner_joined,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub(crate) fn not_found() -> AppError {
    AppError::NotFound("Patient not found.".into())
}

fn write_error(error: sqlx::Error, message: &str) -> AppError {
    match unique_violation(&error) {
        Some("patients_owner_email_key") => AppError::field(message, "email", DUPLICATE_EMAIL),
        _ => error.into(),
    }
}
