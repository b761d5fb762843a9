//! The patients service: the only place that decides what a user may see or change of
//! patients. Each patient belongs to the user who created it, and only that user can see
//! it, find it, count it or collide with it. Everyone else gets a 404.

use super::{BLOOD_GROUPS, PATIENT_SORTS, Patient, PatientListItem, RecentPatient};
use crate::audit::action;
use crate::audit::recorder::Reader;
use crate::audit::service::{self as audit, Event, Outcome, changed_fields};
use crate::auth::{Administrator, CurrentUser};
use crate::db::{Coalesced, Db};
use crate::error::{AppError, Constraint, OnConstraint};
use crate::input::Input;
use crate::listing::{ListParams, ListQuery, Page, QueryPairs};
use crate::session::UserProfile;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

// The limits the fields are checked against; the OpenAPI document states the same.
pub const NAME_MAX: usize = 255;
pub const ADDRESS_MAX: usize = 1000;
pub const HISTORY_MAX: usize = 20_000;
pub const DUPLICATE_EMAIL: &str = "A patient with this email already exists.";

const UNIQUE: &[Constraint] = &[Constraint {
    name: "patients_owner_email_key",
    field: "email",
    message: DUPLICATE_EMAIL,
}];

/// A list of patients: search (name, email, phone), blood group, ordering, page.
#[derive(Debug, Clone)]
pub struct PatientQuery {
    pub list: ListParams,
    pub blood_group: Option<String>,
}

impl utoipa::IntoParams for PatientQuery {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use crate::listing::openapi::{choice, list, param};
        list(
            &PATIENT_SORTS,
            Some("Text in the name, email or phone number"),
            vec![param(
                "blood_group",
                "Exact blood group, e.g. A+",
                choice(&BLOOD_GROUPS),
            )],
        )
    }
}

impl PatientQuery {
    /// The query's conditions, on `patients p` (after a `where`).
    pub(super) fn narrow(&self, builder: &mut QueryBuilder<'_, Postgres>) {
        if let Some(group) = &self.blood_group {
            builder
                .push(" and p.blood_group = ")
                .push_bind(group.clone());
        }
        if let Some(pattern) = &self.list.search {
            builder
                .push(" and (p.name || ' ' || p.email || ' ' || p.phone_number) ilike ")
                .push_bind(pattern.clone());
        }
    }
}

impl ListQuery for PatientQuery {
    fn parse(pairs: &QueryPairs) -> Result<Self, AppError> {
        let mut blood_group = None;
        let list = ListParams::parse(pairs, &PATIENT_SORTS, |input| {
            blood_group = input
                .optional_choice("blood_group", &BLOOD_GROUPS)
                .filter(|b| !b.is_empty());
        })?;
        Ok(PatientQuery { list, blood_group })
    }
}

/// The editable fields of a patient.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(super) struct Fields {
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
        if let Some(v) = input.phone("phone_number") {
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
    .on_constraint(FAILED, UNIQUE)?;
    let patient = fetch(&mut tx, &user, id).await?;
    audit::record(
        &mut tx,
        (&user).into(),
        Event::new(action::PATIENT_CREATE, "patient", Some(id)).about_patient(id, Some(user.id)),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(patient_id = id, "patient created");
    Ok(patient)
}

/// One of `user`'s patients.
///
/// Errors: 404 when there is no such patient or it belongs to someone else.
#[tracing::instrument(level = "debug", skip(db), fields(user_id = user.id))]
pub async fn get(db: &Db, user: CurrentUser, id: i64) -> Result<Patient, AppError> {
    // Concurrent lookups share one statement (see `crate::batch`); the user is part of the
    // key, so a lookup only ever finds the caller's own patient, and each is recorded
    // against its own caller and request.
    db.load::<PatientLookup>((id, user))
        .await?
        .ok_or_else(super::not_found)
}

/// Looking up one patient by (patient id, the user who asks), coalesced.
struct PatientLookup;

impl Coalesced for PatientLookup {
    type Key = (i64, CurrentUser);
    type Row = Patient;

    /// The patients for a group of keys, in one statement on a read connection; then a
    /// `patient.read` event queued for each key: `success` for the owner, `denied` (against
    /// the patient) when it is another user's, `failed` when there is no such patient.
    fn fetch(
        db: Db,
        keys: Vec<(i64, CurrentUser)>,
    ) -> crate::batch::Fetching<(i64, CurrentUser), Patient> {
        Box::pin(async move {
            let ids: Vec<i64> = keys.iter().map(|(id, _)| *id).collect();
            let owners: Vec<i64> = keys.iter().map(|(_, user)| user.id).collect();
            let (rows, others) = db
                .read(async |conn| {
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
                    // Who owns what was not found for its asker: only for the audit trail
                    // (a refused read is recorded against the patient), and only when a
                    // lookup missed.
                    let missed: Vec<i64> = keys
                        .iter()
                        .filter(|(id, user)| {
                            !rows.iter().any(|r| r.id == *id && r.created_by == user.id)
                        })
                        .map(|(id, _)| *id)
                        .collect();
                    let others = if missed.is_empty() {
                        Vec::new()
                    } else {
                        sqlx::query!(
                            "select id, created_by from patients where id = any($1)",
                            &missed
                        )
                        .fetch_all(&mut *conn)
                        .await?
                        .into_iter()
                        .map(|r| (r.id, r.created_by))
                        .collect()
                    };
                    Ok((rows, others))
                })
                .await?;
            let found: std::collections::HashMap<i64, Patient> = rows
                .into_iter()
                .map(|row| (row.id, Patient::from(row)))
                .collect();
            let mut answers = Vec::new();
            for (id, user) in keys {
                let mine = found.get(&id).filter(|p| p.created_by == user.id);
                let event = Event::new(action::PATIENT_READ, "patient", Some(id));
                let event = match (mine, others.iter().find(|(other, _)| *other == id)) {
                    (Some(_), _) => event.about_patient(id, Some(user.id)),
                    (None, Some((_, owner))) => event
                        .about_patient(id, Some(*owner))
                        .outcome(Outcome::Denied),
                    (None, None) => event.outcome(Outcome::Failed),
                };
                // The owner's email came with the row: the event need not look it up.
                let reader = Reader {
                    user: &user,
                    email: mine.map(|p| p.created_by_details.email.as_str()),
                };
                db.audit().read(reader, event).await?;
                if let Some(patient) = mine {
                    answers.push(((id, user), patient.clone()));
                }
            }
            Ok(answers)
        })
    }
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
    input: Input,
    partial: bool,
) -> Result<Patient, AppError> {
    let owner = Some(user.id);
    change(pool, &user, owner, id, input, partial).await
}

/// Updates patient `id` for `actor`: one of `owner`'s, or any owner's when `owner` is
/// `None` (an administrator, who has shown it). Recorded as `patient.update` by `actor`,
/// with the names of the fields whose values changed.
pub(super) async fn change(
    pool: &PgPool,
    actor: &CurrentUser,
    owner: Option<i64>,
    id: i64,
    mut input: Input,
    partial: bool,
) -> Result<Patient, AppError> {
    const FAILED: &str = "Failed to update patient";
    let administrative = owner.is_none();
    let mut tx = pool.begin().await?;
    let current = sqlx::query!(
        "select name, email, phone_number, address, date_of_birth, blood_group, medical_history,
             created_by
         from patients where id = $1 and ($2::int8 is null or created_by = $2) for update",
        id,
        owner
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(current) = current else {
        drop(tx);
        audit::refused(pool, actor, action::PATIENT_UPDATE, "patient", id).await?;
        return Err(super::not_found());
    };
    let owner = current.created_by;
    let current = Fields {
        name: current.name,
        email: current.email,
        phone_number: current.phone_number,
        address: current.address,
        date_of_birth: current.date_of_birth,
        blood_group: current.blood_group,
        medical_history: current.medical_history,
    };
    let before = serde_json::json!(current);
    let fields = current.apply(&mut input, partial);
    input.finish(FAILED)?;
    let changed = changed_fields(&before, &serde_json::json!(fields));
    sqlx::query!(
        "update patients set name = $1, email = $2, phone_number = $3, address = $4,
             date_of_birth = $5, blood_group = $6, medical_history = $7, updated_at = now()
         where id = $8",
        fields.name,
        fields.email,
        fields.phone_number,
        fields.address,
        fields.date_of_birth,
        fields.blood_group,
        fields.medical_history,
        id
    )
    .execute(&mut *tx)
    .await
    .on_constraint(FAILED, UNIQUE)?;
    let patient = fetch_of(&mut tx, Some(owner), id).await?;
    audit::record(
        &mut tx,
        actor.into(),
        Event::new(action::PATIENT_UPDATE, "patient", Some(id))
            .about_patient(id, Some(owner))
            .detail(serde_json::json!({ "fields": changed }))
            .administrative(administrative),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(patient_id = id, "patient updated");
    Ok(patient)
}

/// Deletes one of `user`'s patients and, with it, the patient's doctor assignments.
///
/// Errors: 404 as for [`get`].
#[tracing::instrument(skip(pool), fields(user_id = user.id))]
pub async fn delete(pool: &PgPool, user: CurrentUser, id: i64) -> Result<(), AppError> {
    let gone = remove(pool, &user, Some(user.id), &[id]).await?;
    if gone.is_empty() {
        audit::refused(pool, &user, action::PATIENT_DELETE, "patient", id).await?;
        return Err(super::not_found());
    }
    Ok(())
}

/// Deletes the patients `ids` (with their assignments) that are `owner`'s, or any owner's
/// when `owner` is `None` (an administrator, who has shown it), in one transaction, each
/// recorded as `patient.delete` by `actor`. The ids of those deleted; the others did not
/// exist (or were someone else's).
pub(super) async fn remove(
    pool: &PgPool,
    actor: &CurrentUser,
    owner: Option<i64>,
    ids: &[i64],
) -> Result<Vec<i64>, AppError> {
    let mut tx = pool.begin().await?;
    let gone = sqlx::query!(
        r#"with gone as (
               delete from patients where id = any($1) and ($2::int8 is null or created_by = $2)
               returning id, created_by
           )
           select gone.id, gone.created_by, count(m.id) as "assignments!" from gone
           left join patient_doctor_mappings m on m.patient_id = gone.id
           group by gone.id, gone.created_by
           order by gone.id"#,
        ids,
        owner
    )
    .fetch_all(&mut *tx)
    .await?;
    for patient in &gone {
        audit::record(
            &mut tx,
            actor.into(),
            Event::new(action::PATIENT_DELETE, "patient", Some(patient.id))
                .about_patient(patient.id, Some(patient.created_by))
                .detail(serde_json::json!({ "assignments_removed": patient.assignments }))
                .administrative(owner.is_none()),
        )
        .await?;
    }
    tx.commit().await?;
    let ids: Vec<i64> = gone.iter().map(|p| p.id).collect();
    if !ids.is_empty() {
        tracing::info!(patient_ids = ?ids, "patients deleted");
    }
    Ok(ids)
}

/// A page of `user`'s patients.
///
/// Errors: 404 for a page past the last.
#[tracing::instrument(level = "debug", skip(db), fields(user_id = user.id))]
pub async fn list(
    db: &Db,
    user: CurrentUser,
    query: &PatientQuery,
) -> Result<Page<PatientListItem>, AppError> {
    let mut builder = QueryBuilder::<Postgres>::new(
        "select p.id, p.name, p.email, p.phone_number, p.blood_group,
                u.name as created_by_name, p.created_at, count(*) over () as total
         from patients p join users u on u.id = p.created_by
         where p.created_by = ",
    );
    builder.push_bind(user.id);
    query.narrow(&mut builder);
    let page: Page<PatientListItem> = query.list.fetch_page(db, builder).await?;
    let ids = page.items.iter().map(|p| p.id).collect();
    audit::listed(
        db,
        &user,
        action::PATIENT_LIST,
        "patient",
        None,
        &query.list.asked,
        ids,
    )
    .await?;
    Ok(page)
}

/// How many patients there are, of every owner (the admin site).
pub async fn count_all(db: &Db, _: &Administrator) -> Result<i64, AppError> {
    db.read(async |conn| {
        Ok(
            sqlx::query_scalar!(r#"select count(*) as "count!" from patients"#)
                .fetch_one(conn)
                .await?,
        )
    })
    .await
}

/// How many patients `user` has.
#[tracing::instrument(level = "debug", skip(db), fields(user_id = user.id))]
pub async fn count(db: &Db, user: CurrentUser) -> Result<i64, AppError> {
    db.read(async |conn| {
        Ok(sqlx::query_scalar!(
            r#"select count(*) as "count!" from patients where created_by = $1"#,
            user.id
        )
        .fetch_one(conn)
        .await?)
    })
    .await
}

/// The `limit` patients of `user` added or changed most recently, newest first (recorded
/// as a `patient.list` event).
#[tracing::instrument(level = "debug", skip(db), fields(user_id = user.id))]
pub async fn recent(
    db: &Db,
    user: CurrentUser,
    limit: i64,
) -> Result<Vec<RecentPatient>, AppError> {
    let recent = db
        .read(async |conn| {
            Ok(sqlx::query_as!(
                RecentPatient,
                "select id, name, email, phone_number, created_at, updated_at
                 from patients where created_by = $1
                 order by updated_at desc, id desc limit $2",
                user.id,
                limit
            )
            .fetch_all(conn)
            .await?)
        })
        .await?;
    let asked = QueryPairs::from([("recent".to_owned(), limit.to_string())]);
    let ids = recent.iter().map(|p| p.id).collect();
    audit::listed(
        db,
        &user,
        action::PATIENT_LIST,
        "patient",
        None,
        &asked,
        ids,
    )
    .await?;
    Ok(recent)
}

/// Reads a patient of `user` with its creator's details, inside a transaction.
///
/// Errors: 404 as for [`get`].
pub async fn fetch(
    conn: &mut PgConnection,
    user: &CurrentUser,
    id: i64,
) -> Result<Patient, AppError> {
    fetch_of(conn, Some(user.id), id).await
}

/// Reads patient `id` of `owner` (of any owner when `None`) with its creator's details.
///
/// Errors: 404 when there is no such patient (of that owner).
pub(super) async fn fetch_of(
    conn: &mut PgConnection,
    owner: Option<i64>,
    id: i64,
) -> Result<Patient, AppError> {
    let row = sqlx::query_as!(
        PatientRow,
        r#"select p.id, p.name, p.email, p.phone_number, p.address, p.date_of_birth,
                  p.blood_group, p.medical_history, p.created_by, p.created_at, p.updated_at,
                  u.name as "owner_name", u.email as "owner_email", u.date_joined as "owner_joined"
           from patients p join users u on u.id = p.created_by
           where p.id = $1 and ($2::int8 is null or p.created_by = $2)"#,
        id,
        owner
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(super::not_found)?;
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
