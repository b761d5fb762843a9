//! Writing and reading the audit trail.
//!
//! A change and its event are written in one transaction ([`record`] takes the change's
//! connection). A refused attempt is recorded by [`refused`] once the attempt's own
//! transaction has rolled back. A read's event is queued before its response is sent and
//! written with others in one statement (see [`super::recorder`] for what a crash can
//! lose).

use super::{AuditEvent, OBJECT_TYPES, OUTCOMES, action};
use crate::auth::{CurrentUser, Origin};
use crate::error::AppError;
use crate::listing::{ListParams, ListQuery, QueryPairs, Sort, Sorts};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// The object exists and is another user's.
    Denied,
    /// No such object, a wrong password, a refused token.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => OUTCOMES[0],
            Outcome::Denied => OUTCOMES[1],
            Outcome::Failed => OUTCOMES[2],
        }
    }
}

/// Who acted: a signed-in user, or someone known only by what they typed (a failed
/// sign-in), and where the request came from.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: Option<i64>,
    /// When `None`, the user's email is read when the event is written.
    pub email: Option<&'a str>,
    pub origin: &'a Origin,
}

impl<'a> From<&'a CurrentUser> for Actor<'a> {
    fn from(user: &'a CurrentUser) -> Actor<'a> {
        Actor {
            id: Some(user.id),
            email: None,
            origin: &user.origin,
        }
    }
}

/// The text form of a client's address, for an `inet` column.
pub fn address(origin: &Origin) -> Option<String> {
    origin.client.0.map(|ip| ip.to_string())
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct Event {
    pub action: &'static str,
    pub object_type: &'static str,
    pub object_id: Option<i64>,
    pub patient: Option<i64>,
    /// The user who owns `patient` (read from the database when `None`).
    pub owner: Option<i64>,
    pub outcome: Outcome,
    pub detail: Value,
    /// An administrative action: an administrator's change on the admin site, or an
    /// operator's command.
    pub administrative: bool,
}

impl Event {
    /// A successful `action` on an object.
    pub fn new(action: &'static str, object_type: &'static str, object_id: Option<i64>) -> Event {
        Event {
            action,
            object_type,
            object_id,
            patient: None,
            owner: None,
            outcome: Outcome::Success,
            detail: json!({}),
            administrative: false,
        }
    }

    /// Marks an administrative action (see the field).
    pub fn administrative(mut self, administrative: bool) -> Event {
        self.administrative = administrative;
        self
    }

    /// An event about a patient's record (of a known owner, or looked up).
    pub fn about_patient(mut self, patient: i64, owner: Option<i64>) -> Event {
        self.patient = Some(patient);
        self.owner = owner;
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Event {
        self.outcome = outcome;
        self
    }

    pub fn detail(mut self, detail: Value) -> Event {
        self.detail = detail;
        self
    }
}

/// Records `event`, on the connection (and so in the transaction) of the change it is
/// about: both commit, or neither does.
pub async fn record(
    conn: &mut PgConnection,
    actor: Actor<'_>,
    event: Event,
) -> Result<(), AppError> {
    sqlx::query!(
        "insert into audit_events
             (actor_id, actor_email, action, object_type, object_id, patient_id, patient_owner,
              outcome, client_address, user_agent, request_id, detail, administrative)
         select $1, coalesce($2, (select email from users where id = $1), ''), $3, $4, $5, $6,
                coalesce($7, (select created_by from patients where id = $6)), $8,
                $9::text::inet, $10, $11, $12, $13",
        actor.id,
        actor.email,
        event.action,
        event.object_type,
        event.object_id,
        event.patient,
        event.owner,
        event.outcome.as_str(),
        address(actor.origin),
        actor.origin.user_agent,
        actor.origin.request_id,
        event.detail,
        event.administrative
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records an attempt on a patient (`object_type` "patient") or an assignment ("mapping")
/// that was answered "not found" to `user`: `denied` against the patient when the object
/// exists (it is another user's), `failed` when it does not exist at all.
pub async fn refused(
    pool: &PgPool,
    user: &CurrentUser,
    action: &'static str,
    object_type: &'static str,
    object_id: i64,
) -> Result<(), AppError> {
    let actor = Actor::from(user);
    sqlx::query!(
        "with target as (
             select case $4::text
                 when 'patient' then (select id from patients where id = $5)
                 when 'mapping' then (select patient_id from patient_doctor_mappings where id = $5)
             end as patient_id
         )
         insert into audit_events
             (actor_id, actor_email, action, object_type, object_id, patient_id, patient_owner,
              outcome, client_address, user_agent, request_id)
         select $1, coalesce((select email from users where id = $1), ''), $3, $4, $5,
                t.patient_id, (select created_by from patients where id = t.patient_id),
                case when t.patient_id is null then 'failed' else 'denied' end,
                $2::text::inet, $6, $7
         from target t",
        actor.id,
        address(actor.origin),
        action,
        object_type,
        object_id,
        actor.origin.user_agent,
        actor.origin.request_id,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Records `event` on its own, when it goes with no change (a token renewed, an export),
/// durably before the caller answers.
pub async fn record_alone(pool: &PgPool, actor: Actor<'_>, event: Event) -> Result<(), AppError> {
    record(&mut *pool.acquire().await?, actor, event).await
}

/// Records an attempt refused for who the caller is (a wrong password, a revoked token).
pub async fn failed(pool: &PgPool, actor: Actor<'_>, event: Event) -> Result<(), AppError> {
    record_alone(pool, actor, event.outcome(Outcome::Failed)).await
}

/// The names of the fields whose values differ between `before` and `after` (JSON objects
/// of the same record): what a change event stores, never the values.
pub fn changed_fields(before: &Value, after: &Value) -> Vec<String> {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return Vec::new();
    };
    after
        .iter()
        .filter(|(name, value)| before.get(*name) != Some(*value))
        .map(|(name, _)| name.clone())
        .collect()
}

/// Queues the event of a list or search that `user` ran: the query as the client sent it
/// and the ids it returned (`patient`: the patient whose records were listed, if one).
pub async fn listed(
    db: &crate::db::Db,
    user: &CurrentUser,
    action: &'static str,
    object_type: &'static str,
    patient: Option<i64>,
    query: &QueryPairs,
    ids: Vec<i64>,
) -> Result<(), AppError> {
    let mut event =
        Event::new(action, object_type, patient).detail(json!({ "query": query, "ids": ids }));
    event.patient = patient;
    event.owner = Some(user.id);
    db.audit().read(user.into(), event).await
}

/// A page of events: `patient`, `actor`, `object_type`, `action`, `outcome`, `since`,
/// `until`.
#[derive(Debug, Clone)]
pub struct AuditQuery {
    pub list: ListParams,
    pub patient: Option<i64>,
    pub actor: Option<i64>,
    pub object_type: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only administrative actions. Set by the admin site, not read from a query.
    pub administrative: bool,
    /// Only events about this user's account or by this user. Set by the admin site.
    pub subject: Option<i64>,
    /// Only events about this object (with `object_type`). Set by the admin site.
    pub object_id: Option<i64>,
}

impl AuditQuery {
    /// Whether nothing narrows the list.
    fn is_unfiltered(&self) -> bool {
        self.patient.is_none()
            && self.actor.is_none()
            && self.object_type.is_none()
            && self.action.is_none()
            && self.outcome.is_none()
            && self.since.is_none()
            && self.until.is_none()
            && !self.administrative
            && self.subject.is_none()
            && self.object_id.is_none()
    }

    /// The first `page_size` events, newest first, unfiltered.
    pub fn first(page_size: i64) -> AuditQuery {
        AuditQuery {
            list: ListParams::first(&AUDIT_SORTS, page_size),
            patient: None,
            actor: None,
            object_type: None,
            action: None,
            outcome: None,
            since: None,
            until: None,
            administrative: false,
            subject: None,
            object_id: None,
        }
    }
}

/// Newest first, by when the access happened (a read's event is written a moment after
/// it, so the ids of reads and changes need not follow that order).
pub static AUDIT_SORTS: Sorts = Sorts {
    choices: &[
        Sort {
            name: "-at",
            sql: "e.at desc",
            label: Some("Newest first"),
        },
        Sort {
            name: "at",
            sql: "e.at",
            label: Some("Oldest first"),
        },
    ],
    tiebreak: "e.id",
};

impl utoipa::IntoParams for AuditQuery {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use crate::listing::openapi::{choice, id, list, param, text};
        let mut params = list(
            &AUDIT_SORTS,
            None,
            vec![
                param("patient", "Events about this patient", id()),
                param("actor", "Events caused by this user", id()),
                param("object_type", "One kind of object", choice(&OBJECT_TYPES)),
                param("action", "One action", choice(&action::ALL)),
                param("outcome", "One outcome", choice(&OUTCOMES)),
                param(
                    "since",
                    "Events at or after this time (RFC 3339) or date (YYYY-MM-DD)",
                    text(40),
                ),
                param(
                    "until",
                    "Events before this time (RFC 3339) or date (YYYY-MM-DD, exclusive)",
                    text(40),
                ),
            ],
        );
        params.retain(|p| p.name != "search");
        params
    }
}

impl ListQuery for AuditQuery {
    fn parse(pairs: &QueryPairs) -> Result<Self, AppError> {
        let (mut patient, mut actor, mut action, mut outcome) = (None, None, None, None);
        let mut object_type = None;
        let (mut since, mut until) = (None, None);
        let given = |key: &str| pairs.get(key).is_some_and(|v| !v.trim().is_empty());
        let list = ListParams::parse(pairs, &AUDIT_SORTS, |input| {
            if given("patient") {
                patient = input.id("patient", false);
            }
            if given("actor") {
                actor = input.id("actor", false);
            }
            object_type = input
                .optional_choice("object_type", &OBJECT_TYPES)
                .filter(|o| !o.is_empty());
            action = input
                .optional_choice("action", &action::ALL)
                .filter(|a| !a.is_empty());
            outcome = input
                .optional_choice("outcome", &OUTCOMES)
                .filter(|o| !o.is_empty());
            since = moment(input, "since");
            until = moment(input, "until");
        })?;
        Ok(AuditQuery {
            list,
            patient,
            actor,
            object_type,
            action,
            outcome,
            since,
            until,
            administrative: false,
            subject: None,
            object_id: None,
        })
    }
}

/// A time (RFC 3339) or a date (its midnight, UTC).
fn moment(input: &mut crate::input::Input, name: &str) -> Option<DateTime<Utc>> {
    let text = input.optional_text(name, 40)?;
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(at) = parse_moment(text) {
        return Some(at);
    }
    input.error(
        name,
        "Enter a valid date (YYYY-MM-DD) or time (RFC 3339, e.g. 2026-11-30T09:00:00Z).",
    );
    None
}

/// A time (RFC 3339) or a date (YYYY-MM-DD: its midnight, UTC).
pub fn parse_moment(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.to_utc())
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .map(|day| day.and_time(chrono::NaiveTime::MIN).and_utc())
        })
}

/// A page of the events `user` may see: an administrator sees every event; anyone else,
/// the events about their own patients (other users' refused attempts on them included)
/// and their own other actions, but not their refused attempts on patients and
/// assignments (see [`filter`]).
///
/// The count is exact, except on an administrator's unfiltered list of millions of events,
/// where it is PostgreSQL's estimate.
///
/// Errors: 400 for a bad filter; 404 past the last page.
#[tracing::instrument(level = "debug", skip(db), fields(user_id = user.id))]
pub async fn list(
    db: &crate::db::Db,
    user: &CurrentUser,
    is_admin: bool,
    query: &AuditQuery,
) -> Result<crate::listing::Page<AuditEvent>, AppError> {
    // Whatever was read before this request is in the table before it is listed.
    db.audit().flush().await?;
    let mut builder = QueryBuilder::<Postgres>::new(
        "select e.id, e.at, e.actor_id as actor, e.actor_email, e.action, e.object_type,
                e.object_id, e.patient_id as patient, e.outcome,
                host(e.client_address) as client_address, e.user_agent, e.request_id, e.detail, ",
    );
    let everything = is_admin && query.is_unfiltered();
    if everything {
        // Counting millions of rows for a page would take seconds.
        builder.push_bind(count(db).await?);
        builder.push(" as total");
    } else {
        builder.push("count(*) over () as total");
    }
    builder.push(" from audit_events e where true");
    filter(&mut builder, user, is_admin, query);
    query.list.fetch_page(db, builder).await
}

/// The conditions of `query`, and of what `user` may see, on `audit_events e`.
fn filter(
    builder: &mut QueryBuilder<'_, Postgres>,
    user: &CurrentUser,
    is_admin: bool,
    query: &AuditQuery,
) {
    if !is_admin {
        // The events about the user's patients, and the user's own other actions, except
        // their refused attempts on patients and assignments: whether such an attempt was
        // `denied` or `failed` would tell whether another user's record exists, which the
        // 404 did not (the record's owner sees a denied attempt). Each side has its index
        // (owner, actor); with a `patient` filter, that index leads. The owner's index
        // holds only others' events on the owner's patients (its predicate is repeated
        // here word for word, so the planner can use it): the user's own events on their
        // patients are found with their other actions, through the actor index.
        builder
            .push(" and ((e.patient_owner = ")
            .push_bind(user.id)
            .push(" and e.patient_owner <> coalesce(e.actor_id, 0)) or (e.actor_id = ")
            .push_bind(user.id)
            .push(" and (e.patient_owner = ")
            .push_bind(user.id)
            .push(
                " or (e.patient_owner is null
                      and (e.outcome = 'success' or e.object_type not in ('patient', 'mapping'))))))",
            );
    }
    if let Some(patient) = query.patient {
        builder.push(" and e.patient_id = ").push_bind(patient);
    }
    if let Some(actor) = query.actor {
        builder.push(" and e.actor_id = ").push_bind(actor);
    }
    if let Some(kind) = &query.object_type {
        builder
            .push(" and e.object_type = ")
            .push_bind(kind.clone());
    }
    if let Some(action) = &query.action {
        builder.push(" and e.action = ").push_bind(action.clone());
    }
    if query.administrative {
        builder.push(" and e.administrative");
    }
    if let Some(id) = query.object_id {
        builder.push(" and e.object_id = ").push_bind(id);
    }
    if let Some(subject) = query.subject {
        builder
            .push(" and ((e.object_type = 'user' and e.object_id = ")
            .push_bind(subject)
            .push(") or e.actor_id = ")
            .push_bind(subject)
            .push(")");
    }
    if let Some(outcome) = &query.outcome {
        builder.push(" and e.outcome = ").push_bind(outcome.clone());
    }
    if let Some(since) = query.since {
        builder.push(" and e.at >= ").push_bind(since);
    }
    if let Some(until) = query.until {
        builder.push(" and e.at < ").push_bind(until);
    }
}

/// The most events one export holds.
pub const EXPORT_MAX: i64 = 100_000;

/// Every event `user` may see that `query` matches (its page ignored), newest first, at
/// most [`EXPORT_MAX`]: the admin site's CSV export.
pub async fn export(
    db: &crate::db::Db,
    user: &CurrentUser,
    is_admin: bool,
    query: &AuditQuery,
) -> Result<Vec<AuditEvent>, AppError> {
    newest(db, user, is_admin, query, EXPORT_MAX).await
}

/// The `limit` newest events `user` may see that `query` matches (its page ignored),
/// without counting them all: a record's history on the admin site, its recent actions.
pub async fn newest(
    db: &crate::db::Db,
    user: &CurrentUser,
    is_admin: bool,
    query: &AuditQuery,
    limit: i64,
) -> Result<Vec<AuditEvent>, AppError> {
    db.audit().flush().await?;
    let mut builder = QueryBuilder::<Postgres>::new(
        "select e.id, e.at, e.actor_id as actor, e.actor_email, e.action, e.object_type,
                e.object_id, e.patient_id as patient, e.outcome,
                host(e.client_address) as client_address, e.user_agent, e.request_id, e.detail
         from audit_events e where true",
    );
    filter(&mut builder, user, is_admin, query);
    builder
        .push(" order by e.at desc, e.id desc limit ")
        .push_bind(limit);
    db.read(async |conn| Ok(builder.build_query_as().fetch_all(conn).await?))
        .await
}

/// How many events there are: exact while few, the planner's estimate beyond 100,000
/// (counting millions of rows would make the admin index slow).
pub async fn count(db: &crate::db::Db) -> Result<i64, AppError> {
    db.read(async |conn| {
        Ok(sqlx::query_scalar!(
            r#"select case when c.reltuples > 100000 then c.reltuples::int8
                           else (select count(*) from audit_events) end as "count!"
               from pg_class c where c.oid = 'audit_events'::regclass"#
        )
        .fetch_one(conn)
        .await?)
    })
    .await
}

/// Removes the events older than `before`, after recording in the same transaction that
/// it does so (the `audit.prune` events themselves are kept). Returns how many went.
pub async fn prune(pool: &PgPool, before: DateTime<Utc>) -> Result<i64, AppError> {
    let origin = Origin::command_line("audit prune");
    let mut tx = pool.begin().await?;
    let count = sqlx::query_scalar!(
        r#"select count(*) as "count!" from audit_events where at < $1 and action <> $2"#,
        before,
        action::AUDIT_PRUNE
    )
    .fetch_one(&mut *tx)
    .await?;
    let event = sqlx::query_scalar!(
        "insert into audit_events (action, object_type, outcome, client_address, user_agent,
                                   request_id, detail, administrative)
         values ($1, 'audit', 'success', null, $2, $3, $4, true)
         returning id",
        action::AUDIT_PRUNE,
        origin.user_agent,
        origin.request_id,
        json!({"before": before, "events": count})
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "select set_config('carebase.audit_prune', $1, true)",
        event.to_string()
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "delete from audit_events where at < $1 and action <> $2",
        before,
        action::AUDIT_PRUNE
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(events = count, %before, "audit events pruned");
    Ok(count)
}
