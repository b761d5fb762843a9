//! The writer of read events: a read's event is queued before its response is sent, and a
//! task of its own writes what is queued in one binary `COPY`, again and again, on its own
//! connection with `synchronous_commit = off`. Once an event arrives the writer gathers
//! for [`LINGER`] more (no response waits for it), so under load a hundred reads cost one
//! `COPY` and one commit, not a hundred; a flush (`/api/audit/` reading) goes at once.
//!
//! What this costs in durability, exactly (the README says the same):
//! - a crash of the Carebase server loses the read events queued and not yet written: at
//!   most the queue's capacity plus the batch being gathered or written (`capacity`
//!   each; under light load, the reads of the last [`LINGER`] or so). When the queue is
//!   full, reads wait for room before they answer (they are not answered first).
//! - a crash of PostgreSQL (or of the machine) can lose the read events of roughly the last
//!   `3 × wal_writer_delay` (600 ms by default), as for any commit with
//!   `synchronous_commit = off`.
//!
//! Changes are not written here: a change and its event commit in one transaction.

use super::service::Event;
use crate::auth::{CurrentUser, Origin};
use crate::error::AppError;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Executor};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;

/// How many events the queue holds, and the most one statement writes.
pub const CAPACITY: usize = 1024;

/// How long the writer gathers events after the first before it writes them.
pub const LINGER: Duration = Duration::from_millis(5);

/// After a failed write, how long before the next try.
const RETRY_AFTER: Duration = Duration::from_millis(200);

/// Who read: a signed-in user, and their email when the caller has it at hand (else it is
/// read from `users` as the event is written).
pub struct Reader<'a> {
    pub user: &'a CurrentUser,
    pub email: Option<&'a str>,
}

impl<'a> From<&'a CurrentUser> for Reader<'a> {
    fn from(user: &'a CurrentUser) -> Reader<'a> {
        Reader { user, email: None }
    }
}

/// What the queue carries: events, and requests to be told when what came before them
/// is written.
enum Item {
    Event(Queued),
    Flushed(tokio::sync::oneshot::Sender<()>),
}

/// An event waiting to be written. It shares the request's origin (address, user agent,
/// request id) rather than copying it: a read costs the server as few allocations as it
/// can.
struct Queued {
    /// When the read happened (not when it is written).
    at: chrono::DateTime<chrono::Utc>,
    actor_id: i64,
    actor_email: Option<String>,
    origin: Arc<Origin>,
    event: Event,
}

pub struct Recorder {
    options: PgConnectOptions,
    capacity: usize,
    /// Set by [`Recorder::close`]: nothing is queued after it.
    closed: std::sync::atomic::AtomicBool,
    /// The queue, and the task writing it: started on first use, taken by [`Recorder::close`].
    writer: Mutex<Option<Writer>>,
}

struct Writer {
    queue: mpsc::Sender<Item>,
    task: tokio::task::JoinHandle<()>,
}

impl Recorder {
    /// A recorder writing with `options` (the connection gets `synchronous_commit = off`),
    /// whose queue holds `capacity` events.
    pub fn new(options: PgConnectOptions, capacity: usize) -> Arc<Recorder> {
        Arc::new(Recorder {
            options: options.options([("synchronous_commit", "off")]),
            capacity: capacity.max(1),
            closed: Default::default(),
            writer: Mutex::new(None),
        })
    }

    /// Queues the event of a read; returns once it is queued (at once, unless the queue is
    /// full: then when there is room).
    ///
    /// Errors: 503 once the recorder has been closed (the server is stopping).
    pub async fn read(&self, reader: Reader<'_>, event: Event) -> Result<(), AppError> {
        let queued = Queued {
            at: chrono::Utc::now(),
            actor_id: reader.user.id,
            actor_email: reader.email.map(str::to_owned),
            origin: Arc::clone(&reader.user.origin),
            event,
        };
        self.send(Item::Event(queued)).await
    }

    /// Returns once every event queued before the call is written (for tests, and for
    /// anyone who must see them in the table).
    pub async fn flush(&self) -> Result<(), AppError> {
        let (done, written) = tokio::sync::oneshot::channel();
        self.send(Item::Flushed(done)).await?;
        written.await.map_err(|_| AppError::Unavailable)
    }

    async fn send(&self, item: Item) -> Result<(), AppError> {
        if self.closed.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(AppError::Unavailable);
        }
        let sender = {
            let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
            let writer = writer.get_or_insert_with(|| {
                let (queue, items) = mpsc::channel(self.capacity);
                let task = tokio::spawn(write_all(self.options.clone(), items, self.capacity));
                Writer { queue, task }
            });
            writer.queue.clone()
        };
        sender.send(item).await.map_err(|_| AppError::Unavailable)
    }

    /// Writes what is queued, then stops (at shutdown, before the pool closes). A read
    /// after it is answered 503: it could not be recorded.
    pub async fn close(&self) {
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        let writer = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(Writer { queue, task }) = writer {
            drop(queue);
            let _ = task.await;
        }
    }
}

/// The writing task: until every sender is gone and the queue is empty.
async fn write_all(options: PgConnectOptions, mut items: mpsc::Receiver<Item>, most: usize) {
    let mut conn: Option<PgConnection> = None;
    let mut taken = Vec::with_capacity(most);
    let mut batch: Vec<Queued> = Vec::with_capacity(most);
    let mut waiting = Vec::new();
    while items.recv_many(&mut taken, most).await > 0 {
        let flushing = |taken: &[Item]| taken.iter().any(|i| matches!(i, Item::Flushed(_)));
        if taken.len() < most && !flushing(&taken) {
            tokio::time::sleep(LINGER).await;
            while taken.len() < most {
                match items.try_recv() {
                    Ok(item) => taken.push(item),
                    Err(_) => break,
                }
            }
        }
        for item in taken.drain(..) {
            match item {
                Item::Event(event) => batch.push(event),
                Item::Flushed(done) => waiting.push(done),
            }
        }
        // Written before anything else is taken from the queue; tried again until it is.
        loop {
            let written = match conn.as_mut() {
                _ if batch.is_empty() => Ok(()),
                Some(c) => insert(c, &batch).await,
                None => match PgConnection::connect_with(&options).await {
                    Ok(c) => {
                        conn = Some(c);
                        continue;
                    }
                    Err(error) => Err(error),
                },
            };
            match written {
                Ok(()) => break,
                // An event the database refuses as data (class 22 or 23) would block the
                // queue for good: each event goes on its own, and one that is refused is
                // logged and left out.
                Err(sqlx::Error::Database(error))
                    if error
                        .code()
                        .is_some_and(|c| c.starts_with("22") || c.starts_with("23")) =>
                {
                    if let Some(c) = conn.as_mut() {
                        for event in &batch {
                            if let Err(error) = insert(c, std::slice::from_ref(event)).await {
                                crate::log::error(
                                    "an audit event was refused by the database and left out",
                                    &format!(
                                        "{} ({}): {error}",
                                        event.event.action, event.origin.request_id
                                    ),
                                );
                            }
                        }
                    }
                    break;
                }
                Err(error) => {
                    crate::log::error("audit events could not be written", &error.to_string());
                    if let Some(c) = conn.take() {
                        let _ = tokio::time::timeout(Duration::from_secs(1), c.close()).await;
                    }
                    tokio::time::sleep(RETRY_AFTER).await;
                }
            }
        }
        batch.clear();
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
    }
    if let Some(mut c) = conn {
        let _ = c.execute("select 1").await;
        let _ = c.close().await;
    }
}

/// The batch's columns, in the order [`COPY`] names them.
const COPY: &str = "copy audit_events
     (at, actor_id, actor_email, action, object_type, object_id, patient_id, patient_owner,
      outcome, client_address, user_agent, request_id, detail)
     from stdin (format binary)";
const COLUMNS: i16 = 13;

/// The whole batch in one `COPY`: each value is written once, straight into the data sent
/// (see [`crate::pgcopy`]). What some events leave to the database (the reader's email,
/// the patient's owner) is looked up first, one statement for the batch, and only when
/// one of them does.
async fn insert(conn: &mut PgConnection, batch: &[Queued]) -> Result<(), sqlx::Error> {
    if batch.is_empty() {
        return Ok(());
    }
    let looked_up = LookedUp::for_batch(conn, batch).await?;
    let mut rows = crate::pgcopy::Rows::new();
    for q in batch {
        let email = match &q.actor_email {
            Some(email) => email.as_str(),
            None => looked_up.email(q.actor_id),
        };
        let owner = q.event.owner.or_else(|| looked_up.owner(q.event.patient));
        rows.row(COLUMNS)
            .timestamptz(q.at)
            .int8(Some(q.actor_id))
            .text(email)
            .text(q.event.action)
            .text(q.event.object_type)
            .int8(q.event.object_id)
            .int8(q.event.patient)
            .int8(owner)
            .text(q.event.outcome.as_str())
            .inet(q.origin.client.0)
            .text(&q.origin.user_agent)
            .text(&q.origin.request_id)
            .jsonb(&q.event.detail);
    }
    let mut copy = conn.copy_in_raw(COPY).await?;
    copy.send(rows.finish()).await?;
    copy.finish().await?;
    Ok(())
}

/// The emails of the readers and the owners of the patients that a batch's events do not
/// carry, as they are now: an email for a user who is gone is empty, an owner of a
/// patient who is gone is unknown (`NULL`).
#[derive(Default)]
struct LookedUp {
    emails: Vec<(i64, String)>,
    owners: Vec<(i64, i64)>,
}

impl LookedUp {
    async fn for_batch(conn: &mut PgConnection, batch: &[Queued]) -> Result<LookedUp, sqlx::Error> {
        let mut users: Vec<i64> = batch
            .iter()
            .filter(|q| q.actor_email.is_none())
            .map(|q| q.actor_id)
            .collect();
        let mut patients: Vec<i64> = batch
            .iter()
            .filter(|q| q.event.owner.is_none())
            .filter_map(|q| q.event.patient)
            .collect();
        if users.is_empty() && patients.is_empty() {
            return Ok(LookedUp::default());
        }
        for ids in [&mut users, &mut patients] {
            ids.sort_unstable();
            ids.dedup();
        }
        let rows = sqlx::query!(
            r#"select id as "id!", email as "email?", null::int8 as "owner?"
               from users where id = any($1)
               union all
               select id, null, created_by from patients where id = any($2)"#,
            &users,
            &patients
        )
        .fetch_all(conn)
        .await?;
        let mut looked_up = LookedUp::default();
        for row in rows {
            match (row.email, row.owner) {
                (Some(email), _) => looked_up.emails.push((row.id, email)),
                (None, Some(owner)) => looked_up.owners.push((row.id, owner)),
                (None, None) => {}
            }
        }
        Ok(looked_up)
    }

    fn email(&self, user: i64) -> &str {
        self.emails
            .iter()
            .find(|(id, _)| *id == user)
            .map_or("", |(_, email)| email.as_str())
    }

    fn owner(&self, patient: Option<i64>) -> Option<i64> {
        let patient = patient?;
        self.owners
            .iter()
            .find(|(id, _)| *id == patient)
            .map(|(_, owner)| *owner)
    }
}
