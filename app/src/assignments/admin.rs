//! Every owner's assignments, for the admin site: only with an administrator's proof
//! ([`Administrator`]). Lists and removals are recorded as the owner's own are, as done by
//! the administrator; a removal stays visible to the patient's owner.

use super::AdminMappingItem;
use super::service::MappingQuery;
use crate::audit::action;
use crate::audit::service::{self as audit, Event};
use crate::auth::Administrator;
use crate::db::Db;
use crate::error::AppError;
use crate::listing::{OwnedBy, Page, QueryPairs};
use sqlx::{PgPool, Postgres, QueryBuilder};

/// The assignments list's query, and `owner` (the user id of the patients' owner).
pub type AdminMappingQuery = OwnedBy<MappingQuery>;

const COLUMNS: &str = "select m.id, m.patient_id as patient, m.doctor_id as doctor,
        p.name as patient_name, d.name as doctor_name, p.created_by as owner,
        u.email as owner_email, m.assigned_date, m.is_active, m.notes";
const TABLES: &str = " from patient_doctor_mappings m
     join patients p on p.id = m.patient_id
     join doctors d on d.id = m.doctor_id
     join users u on u.id = p.created_by
     where true";

/// A page of every owner's assignments, recorded as one `mapping.list` by the
/// administrator.
///
/// Errors: 404 past the last page.
#[tracing::instrument(level = "debug", skip(db, admin), fields(user_id = admin.user().id))]
pub async fn list(
    db: &Db,
    admin: &Administrator,
    query: &AdminMappingQuery,
) -> Result<Page<AdminMappingItem>, AppError> {
    let mut builder = QueryBuilder::<Postgres>::new(COLUMNS);
    builder.push(", count(*) over () as total");
    builder.push(TABLES);
    let filters = &query.query;
    if let Some(owner) = query.owner {
        builder.push(" and p.created_by = ").push_bind(owner);
    }
    filters.narrow(&mut builder);
    let page: Page<AdminMappingItem> = filters.list.fetch_page(db, builder).await?;
    let ids = page.items.iter().map(|m| m.id).collect();
    listed(db, admin, &filters.list.asked, ids).await?;
    Ok(page)
}

/// Which assignments [`within`] finds.
#[derive(Debug, Clone, Copy)]
pub enum Within<'a> {
    /// These assignments.
    Assignments(&'a [i64]),
    /// The assignments of these patients.
    Patients(&'a [i64]),
    /// The assignments of these doctors.
    Doctors(&'a [i64]),
}

/// How many assignments [`within`] shows at most.
pub const WITHIN_SHOWN: i64 = 1000;

/// The assignments that deleting these objects would remove, for the confirmation page and
/// a record's page (recorded as a `mapping.list`): the first [`WITHIN_SHOWN`] in id order,
/// and how many there are in all.
pub async fn within(
    db: &Db,
    admin: &Administrator,
    within: Within<'_>,
) -> Result<(Vec<AdminMappingItem>, i64), AppError> {
    let (column, ids, name) = match within {
        Within::Assignments(ids) => ("m.id", ids, "assignments"),
        Within::Patients(ids) => ("m.patient_id", ids, "patients"),
        Within::Doctors(ids) => ("m.doctor_id", ids, "doctors"),
    };
    let mut builder = QueryBuilder::<Postgres>::new(COLUMNS);
    builder.push(", count(*) over () as total");
    builder.push(TABLES);
    builder
        .push(format!(" and {column} = any("))
        .push_bind(ids.to_vec())
        .push(") order by m.id limit ")
        .push_bind(WITHIN_SHOWN);
    let rows: Vec<crate::listing::Counted<AdminMappingItem>> = db
        .read(async |conn| Ok(builder.build_query_as().fetch_all(conn).await?))
        .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let found: Vec<AdminMappingItem> = rows.into_iter().map(|r| r.item).collect();
    let joined = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let asked = QueryPairs::from([(format!("delete_{name}"), joined)]);
    listed(db, admin, &asked, found.iter().map(|m| m.id).collect()).await?;
    Ok((found, total))
}

async fn listed(
    db: &Db,
    admin: &Administrator,
    asked: &QueryPairs,
    ids: Vec<i64>,
) -> Result<(), AppError> {
    let event = Event::new(action::MAPPING_LIST, "mapping", None)
        .detail(serde_json::json!({ "query": asked, "ids": ids, "admin": true }));
    db.audit().read(admin.user().into(), event).await
}

/// Removes any owners' assignments `ids` in one transaction, each recorded as a
/// `mapping.delete` by the administrator against its patient; how many went.
///
/// Errors: 404 when none of them exists.
#[tracing::instrument(skip(pool, admin), fields(user_id = admin.user().id))]
pub async fn delete(pool: &PgPool, admin: &Administrator, ids: &[i64]) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    let removed = sqlx::query!(
        r#"with removed as (
               delete from patient_doctor_mappings where id = any($1)
               returning id, patient_id, doctor_id
           )
           select r.id, r.patient_id, r.doctor_id, p.created_by as owner
           from removed r join patients p on p.id = r.patient_id
           order by r.id"#,
        ids
    )
    .fetch_all(&mut *tx)
    .await?;
    if removed.is_empty() {
        return Err(AppError::NotFound("Mapping not found.".into()));
    }
    for mapping in &removed {
        audit::record(
            &mut tx,
            admin.user().into(),
            Event::new(action::MAPPING_DELETE, "mapping", Some(mapping.id))
                .about_patient(mapping.patient_id, Some(mapping.owner))
                .detail(serde_json::json!({ "doctor": mapping.doctor_id }))
                .administrative(true),
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(mappings = removed.len(), "assignments removed");
    Ok(removed.len())
}
