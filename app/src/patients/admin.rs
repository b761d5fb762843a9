//! Every owner's patients, for the admin site: only with an administrator's proof
//! ([`Administrator`]). The same validation and the same audit events as the owner's own
//! doors, recorded as done by the administrator (and a patient's events stay visible to
//! its owner).

use super::service::{PatientQuery, change, fetch_of, remove};
use super::{AdminPatientItem, Patient};
use crate::audit::action;
use crate::audit::service::{Event, Outcome};
use crate::auth::Administrator;
use crate::db::Db;
use crate::error::AppError;
use crate::input::Input;
use crate::listing::{OwnedBy, Page, QueryPairs};
use sqlx::{PgPool, Postgres, QueryBuilder};

/// The patients list's query, and `owner` (a user id).
pub type AdminPatientQuery = OwnedBy<PatientQuery>;

/// A page of every owner's patients, recorded as one `patient.list` by the administrator.
///
/// Errors: 404 past the last page.
#[tracing::instrument(level = "debug", skip(db, admin), fields(user_id = admin.user().id))]
pub async fn list(
    db: &Db,
    admin: &Administrator,
    query: &AdminPatientQuery,
) -> Result<Page<AdminPatientItem>, AppError> {
    let mut builder = QueryBuilder::<Postgres>::new(
        "select p.id, p.name, p.email, p.blood_group, p.created_by as owner,
                u.email as owner_email, p.created_at,
                (select count(*) from patient_doctor_mappings m where m.patient_id = p.id)
                    as assignments,
                count(*) over () as total
         from patients p join users u on u.id = p.created_by
         where true",
    );
    let list = &query.query.list;
    if let Some(owner) = query.owner {
        builder.push(" and p.created_by = ").push_bind(owner);
    }
    query.query.narrow(&mut builder);
    let page: Page<AdminPatientItem> = list.fetch_page(db, builder).await?;
    listed(
        db,
        admin,
        &list.asked,
        page.items.iter().map(|p| p.id).collect(),
    )
    .await?;
    Ok(page)
}

/// The patients `ids` (those that exist), for the confirmation before deleting them;
/// recorded as a `patient.list`.
pub async fn some(
    db: &Db,
    admin: &Administrator,
    ids: &[i64],
) -> Result<Vec<AdminPatientItem>, AppError> {
    let found = db
        .read(async |conn| {
            Ok(sqlx::query_as!(
                AdminPatientItem,
                r#"select p.id, p.name, p.email, p.blood_group, p.created_by as owner,
                      u.email as owner_email, p.created_at,
                      (select count(*) from patient_doctor_mappings m where m.patient_id = p.id)
                          as "assignments!"
               from patients p join users u on u.id = p.created_by
               where p.id = any($1) order by p.id"#,
                ids
            )
            .fetch_all(conn)
            .await?)
        })
        .await?;
    let asked = QueryPairs::from([("delete".to_owned(), join(ids))]);
    listed(db, admin, &asked, found.iter().map(|p| p.id).collect()).await?;
    Ok(found)
}

/// An admin list: one event by the administrator, about no one owner.
async fn listed(
    db: &Db,
    admin: &Administrator,
    asked: &QueryPairs,
    ids: Vec<i64>,
) -> Result<(), AppError> {
    let event = Event::new(action::PATIENT_LIST, "patient", None)
        .detail(serde_json::json!({ "query": asked, "ids": ids, "admin": true }));
    db.audit().read(admin.user().into(), event).await
}

fn join(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Any owner's patient, recorded as a `patient.read` by the administrator against the
/// patient (its owner sees it).
///
/// Errors: 404 when there is no such patient.
pub async fn get(db: &Db, admin: &Administrator, id: i64) -> Result<Patient, AppError> {
    let patient = db
        .read(async |conn| match fetch_of(conn, None, id).await {
            Ok(patient) => Ok(Some(patient)),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(error) => Err(error),
        })
        .await?;
    let event = Event::new(action::PATIENT_READ, "patient", Some(id));
    let event = match &patient {
        Some(p) => event.about_patient(id, Some(p.created_by)),
        None => event.outcome(Outcome::Failed),
    };
    db.audit().read(admin.user().into(), event).await?;
    patient.ok_or_else(super::not_found)
}

/// Replaces any owner's patient (every field, as a PUT), with the API's validation.
///
/// Errors: 404 when there is no such patient; 400 with field details.
#[tracing::instrument(skip(pool, admin, input), fields(user_id = admin.user().id))]
pub async fn update(
    pool: &PgPool,
    admin: &Administrator,
    id: i64,
    input: Input,
) -> Result<Patient, AppError> {
    change(pool, admin.user(), None, id, input, false).await
}

/// Deletes any owners' patients `ids` and their assignments, in one transaction; how many
/// were deleted.
///
/// Errors: 404 when none of them exists.
#[tracing::instrument(skip(pool, admin), fields(user_id = admin.user().id))]
pub async fn delete(pool: &PgPool, admin: &Administrator, ids: &[i64]) -> Result<usize, AppError> {
    let gone = remove(pool, admin.user(), None, ids).await?;
    if gone.is_empty() {
        return Err(super::not_found());
    }
    Ok(gone.len())
}
