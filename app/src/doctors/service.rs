//! The doctors service: a directory every signed-in user reads. Only the user who added a
//! doctor, or an administrator, may change or remove it ([`may_change`]); others get a 403.

use super::{DOCTOR_SORTS, Doctor, DoctorListItem, DoctorView};
use crate::audit::action;
use crate::audit::service::{self as audit, Event, changed_fields};
use crate::auth::{Administrator, CurrentUser};
use crate::db::Db;
use crate::error::{AppError, Constraint, OnConstraint};
use crate::input::Input;
use crate::listing::{ListParams, ListQuery, Page, QueryPairs};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

// The limits the fields are checked against; the OpenAPI document states the same.
pub const NAME_MAX: usize = 255;
pub const SPECIALIZATION_MAX: usize = 100;
pub const QUALIFICATION_MAX: usize = 255;
pub const LICENSE_MAX: usize = 50;
pub const ADDRESS_MAX: usize = 1000;
pub const EXPERIENCE_YEARS: (i64, i64) = (0, 80);
pub const DUPLICATE_EMAIL: &str = "A doctor with this email already exists.";
pub const DUPLICATE_LICENSE: &str = "A doctor with this license number already exists.";

const UNIQUE: &[Constraint] = &[
    Constraint {
        name: "doctors_email_key",
        field: "email",
        message: DUPLICATE_EMAIL,
    },
    Constraint {
        name: "doctors_license_number_key",
        field: "license_number",
        message: DUPLICATE_LICENSE,
    },
];

/// A page of the directory: search (name, email, specialization, qualification),
/// specialization (exact, any case), availability, ordering, page.
#[derive(Debug, Clone)]
pub struct DoctorQuery {
    pub list: ListParams,
    pub specialization: Option<String>,
    pub is_available: Option<bool>,
}

impl DoctorQuery {
    /// The first `page_size` doctors by name, unfiltered.
    pub fn first(page_size: i64) -> Self {
        DoctorQuery {
            list: ListParams::first(&DOCTOR_SORTS, page_size),
            specialization: None,
            is_available: None,
        }
    }
}

impl utoipa::IntoParams for DoctorQuery {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use crate::listing::openapi::{boolean, list, param, text};
        list(
            &DOCTOR_SORTS,
            Some("Text in the name, email, specialization or qualification"),
            vec![
                param(
                    "specialization",
                    "Exact specialization, any case",
                    text(SPECIALIZATION_MAX),
                ),
                param("is_available", "true or false", boolean()),
            ],
        )
    }
}

impl ListQuery for DoctorQuery {
    fn parse(pairs: &QueryPairs) -> Result<Self, AppError> {
        let (mut specialization, mut is_available) = (None, None);
        let list = ListParams::parse(pairs, &DOCTOR_SORTS, |input| {
            specialization = input
                .optional_text("specialization", SPECIALIZATION_MAX)
                .filter(|s| !s.is_empty());
            if pairs
                .get("is_available")
                .is_some_and(|v| !v.trim().is_empty())
            {
                is_available = input.boolean("is_available", false);
            }
        })?;
        Ok(DoctorQuery {
            list,
            specialization,
            is_available,
        })
    }
}

#[derive(Debug, Clone, serde::Serialize)]
struct Fields {
    name: String,
    email: String,
    phone_number: String,
    specialization: String,
    qualification: String,
    experience_years: i32,
    license_number: String,
    clinic_address: String,
    /// Compared by value when changes are recorded: 120 and 120.00 are the same fee.
    #[serde(serialize_with = "by_value")]
    consultation_fee: Decimal,
    is_available: bool,
}

fn by_value<S: serde::Serializer>(fee: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&fee.normalize().to_string())
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
        if let Some(v) = input.phone("phone_number") {
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
        if let Some(v) = input.integer(
            "experience_years",
            false,
            EXPERIENCE_YEARS.0,
            EXPERIENCE_YEARS.1,
        ) {
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
    let id = sqlx::query_scalar!(
        "insert into doctors (name, email, phone_number, specialization, qualification,
             experience_years, license_number, clinic_address, consultation_fee, is_available, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         returning id",
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
    .on_constraint(FAILED, UNIQUE)?;
    let doctor = fetch(&mut tx, id).await?;
    audit::record(
        &mut tx,
        (&user).into(),
        Event::new(action::DOCTOR_CREATE, "doctor", Some(id)),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(doctor_id = doctor.id, "doctor created");
    Ok(doctor)
}

/// Any doctor in the directory. Any signed-in user may call it.
///
/// Errors: 404 when there is no such doctor.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn get(db: &Db, _user: CurrentUser, id: i64) -> Result<Doctor, AppError> {
    db.read(async |conn| fetch(conn, id).await).await
}

/// A doctor, with whether `user` may change or remove it (by [`may_change`], the rule
/// that guards [`update`] and [`delete`]). Any signed-in user may call it.
///
/// Errors: 404 when there is no such doctor.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn view(db: &Db, user: CurrentUser, id: i64) -> Result<DoctorView, AppError> {
    db.read(async |conn| {
        let doctor = fetch(&mut *conn, id).await?;
        let can_change = may_change(conn, user, doctor.created_by).await?;
        Ok(DoctorView { doctor, can_change })
    })
    .await
}

/// Reads a doctor: the one place that lists a doctor's columns.
///
/// Errors: 404 when there is no such doctor.
pub async fn fetch(conn: &mut PgConnection, id: i64) -> Result<Doctor, AppError> {
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
    .ok_or_else(super::not_found)
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
    input: Input,
    partial: bool,
) -> Result<Doctor, AppError> {
    change(pool, &user, id, input, partial, false).await
}

/// Updates any doctor on the admin site (every field, as a PUT), with the API's rules;
/// recorded as an administrative `doctor.update`.
///
/// Errors: 404 when there is no such doctor; 400 as for [`create`].
#[tracing::instrument(skip(pool, admin, input), fields(user_id = admin.user().id))]
pub async fn update_any(
    pool: &PgPool,
    admin: &Administrator,
    id: i64,
    input: Input,
) -> Result<Doctor, AppError> {
    change(pool, admin.user(), id, input, false, true).await
}

/// [`update`], recorded as a `doctor.update` by `user` with the names of the fields whose
/// values changed.
async fn change(
    pool: &PgPool,
    user: &CurrentUser,
    id: i64,
    mut input: Input,
    partial: bool,
    administrative: bool,
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
    .ok_or_else(super::not_found)?;
    authorize_change(&mut tx, user.clone(), row.created_by).await?;
    // Allowed by administrator rights alone: an administrative change, whatever the door.
    let administrative = administrative || row.created_by != Some(user.id);
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
    let before = serde_json::json!(current);
    let fields = current.apply(&mut input, partial);
    check_unique(&mut tx, &mut input, &fields, Some(id)).await?;
    input.finish(FAILED)?;
    let changed = changed_fields(&before, &serde_json::json!(fields));
    sqlx::query!(
        "update doctors set name = $1, email = $2, phone_number = $3, specialization = $4,
             qualification = $5, experience_years = $6, license_number = $7, clinic_address = $8,
             consultation_fee = $9, is_available = $10, updated_at = now()
         where id = $11",
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
    .execute(&mut *tx)
    .await
    .on_constraint(FAILED, UNIQUE)?;
    let doctor = fetch(&mut tx, id).await?;
    audit::record(
        &mut tx,
        user.into(),
        Event::new(action::DOCTOR_UPDATE, "doctor", Some(id))
            .detail(serde_json::json!({ "fields": changed }))
            .administrative(administrative),
    )
    .await?;
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
    .ok_or_else(super::not_found)?;
    authorize_change(&mut tx, user.clone(), created_by).await?;
    let administrative = created_by != Some(user.id);
    remove(&mut tx, &user, &[id], administrative).await?;
    tx.commit().await?;
    tracing::info!(doctor_id = id, "doctor deleted");
    Ok(())
}

/// Removes any doctors `ids` on the admin site, with their assignments, in one
/// transaction; how many went.
///
/// Errors: 404 when none of them exists.
#[tracing::instrument(skip(pool, admin), fields(user_id = admin.user().id))]
pub async fn delete_any(
    pool: &PgPool,
    admin: &Administrator,
    ids: &[i64],
) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    let gone = remove(&mut tx, admin.user(), ids, true).await?;
    if gone == 0 {
        return Err(super::not_found());
    }
    tx.commit().await?;
    tracing::info!(doctors = gone, "doctors deleted");
    Ok(gone)
}

/// Deletes the doctors `ids`, each recorded as a `doctor.delete` by `user`, and each of
/// their assignments as a `mapping.delete` against its patient (its owner sees that the
/// doctor went); how many doctors went.
async fn remove(
    tx: &mut PgConnection,
    user: &CurrentUser,
    ids: &[i64],
    administrative: bool,
) -> Result<usize, AppError> {
    // The doctors first: while they are locked, no new assignment of them can be made
    // (its foreign-key check waits), so the assignments read next are all that go.
    sqlx::query!(
        "select id from doctors where id = any($1) order by id for update",
        ids
    )
    .fetch_all(&mut *tx)
    .await?;
    let assignments = sqlx::query!(
        "select m.id, m.patient_id, m.doctor_id, p.created_by as owner
         from patient_doctor_mappings m join patients p on p.id = m.patient_id
         where m.doctor_id = any($1) order by m.id for update of m",
        ids
    )
    .fetch_all(&mut *tx)
    .await?;
    let gone = sqlx::query_scalar!("delete from doctors where id = any($1) returning id", ids)
        .fetch_all(&mut *tx)
        .await?;
    for mapping in assignments.iter().filter(|m| gone.contains(&m.doctor_id)) {
        audit::record(
            &mut *tx,
            user.into(),
            Event::new(action::MAPPING_DELETE, "mapping", Some(mapping.id))
                .about_patient(mapping.patient_id, Some(mapping.owner))
                .detail(serde_json::json!({ "doctor": mapping.doctor_id, "doctor_deleted": true }))
                .administrative(administrative),
        )
        .await?;
    }
    for id in &gone {
        audit::record(
            &mut *tx,
            user.into(),
            Event::new(action::DOCTOR_DELETE, "doctor", Some(*id)).administrative(administrative),
        )
        .await?;
    }
    Ok(gone.len())
}

/// A page of the directory. Any signed-in user may call it.
///
/// Errors: 404 past the last page.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn list(
    db: &Db,
    _user: CurrentUser,
    query: &DoctorQuery,
) -> Result<Page<DoctorListItem>, AppError> {
    let mut builder = QueryBuilder::<Postgres>::new(
        "select d.id, d.name, d.specialization, d.experience_years, d.consultation_fee,
                d.is_available, count(*) over () as total
         from doctors d where true",
    );
    if let Some(s) = &query.specialization {
        builder
            .push(" and lower(d.specialization) = lower(")
            .push_bind(s.clone())
            .push(")");
    }
    if let Some(available) = query.is_available {
        builder.push(" and d.is_available = ").push_bind(available);
    }
    if let Some(pattern) = &query.list.search {
        builder
            .push(" and (d.name || ' ' || d.email || ' ' || d.specialization || ' ' || d.qualification) ilike ")
            .push_bind(pattern.clone());
    }
    query.list.fetch_page(db, builder).await
}

/// The doctors `ids` that exist, as (id, name and specialization), in id order: what the
/// admin site's deletion confirmation names.
pub async fn names(
    db: &Db,
    _: &Administrator,
    ids: &[i64],
) -> Result<Vec<(i64, String)>, AppError> {
    db.read(async |conn| {
        Ok(sqlx::query!(
            "select id, name, specialization from doctors where id = any($1) order by id",
            ids
        )
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id, format!("Dr. {} ({})", d.name, d.specialization)))
        .collect())
    })
    .await
}

/// How many doctors the directory holds, and how many of them take new patients.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn count(db: &Db, _user: CurrentUser) -> Result<(i64, i64), AppError> {
    db.read(async |conn| {
        let row = sqlx::query!(
            r#"select count(*) as "all!", count(*) filter (where is_available) as "available!"
               from doctors"#
        )
        .fetch_one(conn)
        .await?;
        Ok((row.all, row.available))
    })
    .await
}

/// Who may change or remove a doctor: the user who added it, or an administrator. The one
/// rule behind the 403 of [`update`] and [`delete`] and the `can_change` of [`view`].
pub async fn may_change(
    conn: &mut PgConnection,
    user: CurrentUser,
    created_by: Option<i64>,
) -> Result<bool, AppError> {
    if created_by == Some(user.id) {
        return Ok(true);
    }
    let is_admin = sqlx::query_scalar!("select is_admin from users where id = $1", user.id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(is_admin.unwrap_or(false))
}

/// [`may_change`], or a 403.
async fn authorize_change(
    conn: &mut PgConnection,
    user: CurrentUser,
    created_by: Option<i64>,
) -> Result<(), AppError> {
    if may_change(conn, user, created_by).await? {
        Ok(())
    } else {
        Err(super::forbidden())
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
