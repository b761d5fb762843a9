//! The database handle: sqlx's pool for everything, a few connections kept open for the hot
//! single-statement reads (a patient, a doctor, a page of a list), and the coalescing of
//! concurrent point lookups (see `crate::batch`). Core: it knows no domain; a domain names
//! its coalesced lookup by implementing [`Coalesced`].
//!
//! Why the extra connections: sqlx's pool pings every connection it takes back (a
//! `Sync` round trip to PostgreSQL on every request, in a task of its own). For a read
//! that is one statement outside a transaction that ping buys nothing: sqlx drains
//! whatever a dropped query left behind before it sends the next one. Reads through
//! [`Db::read`] cost one round trip instead of two; everything else (writes,
//! transactions) uses the pool, reachable through `Deref`.

use crate::batch::{Batcher, Fetching};
use crate::error::AppError;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, PgPool};
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::{Mutex, Semaphore};

/// How long a read waits for a free connection before answering 503.
const READ_WAIT: Duration = Duration::from_secs(5);
/// How long connecting and then the read itself may take before answering 503 (a lock
/// held by a migration, a database that stopped answering).
const READ_LIMIT: Duration = Duration::from_secs(10);

/// While the database is unreachable, how often it is tried again.
const PROBE_EVERY: Duration = Duration::from_millis(100);

fn timed_out(doing: &str) -> AppError {
    crate::log::error(
        "a read connection timed out",
        &format!("still {doing} after {READ_LIMIT:?}"),
    );
    AppError::Unavailable
}

#[derive(Clone)]
pub struct Db {
    pool: PgPool,
    readers: Arc<Readers>,
    /// Set while the database is known to be unreachable (see [`Db::is_down`]).
    down: Arc<AtomicBool>,
    /// One batcher per kind of coalesced lookup, created on first use.
    batchers: Arc<RwLock<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>>,
    /// The writer of read events (see [`crate::audit::recorder`]).
    audit: Arc<crate::audit::recorder::Recorder>,
}

/// A point lookup that concurrent callers share: lookups that arrive while one is at the
/// database are answered together by one statement (see `crate::batch`). The key must
/// carry whatever limits what the caller may see (for a patient, its owner).
pub trait Coalesced: 'static {
    type Key: Eq + Hash + Clone + Send + Sync + 'static;
    type Row: Clone + Send + Sync + 'static;
    /// The rows for a group of distinct keys, in one statement; keys without a row are
    /// left out.
    fn fetch(db: Db, keys: Vec<Self::Key>) -> Fetching<Self::Key, Self::Row>;
}

struct Readers {
    options: PgConnectOptions,
    /// One permit per slot: holding a permit guarantees a slot is free.
    permits: Semaphore,
    /// `None` until first used, and again after a connection broke.
    slots: Box<[Mutex<Option<PgConnection>>]>,
}

impl Db {
    /// `readers` connections (at least 1) are opened lazily, on first use, with the pool's
    /// connection options.
    pub fn new(pool: PgPool, readers: usize) -> Db {
        Db::with_audit_queue(pool, readers, crate::audit::recorder::CAPACITY)
    }

    /// As [`Db::new`], with a queue of read events holding `capacity` (tests use a small one).
    pub fn with_audit_queue(pool: PgPool, readers: usize, capacity: usize) -> Db {
        let readers = readers.max(1);
        let options = pool.connect_options().as_ref().clone();
        Db {
            pool,
            down: Default::default(),
            batchers: Default::default(),
            audit: crate::audit::recorder::Recorder::new(options.clone(), capacity),
            readers: Arc::new(Readers {
                options,
                permits: Semaphore::new(readers),
                slots: (0..readers).map(|_| Mutex::new(None)).collect(),
            }),
        }
    }

    /// Runs `read` (one statement, no transaction) on one of the read connections.
    /// A connection whose statement failed with a server-side error is closed and
    /// replaced on next use; 4xx outcomes (not found, a bad page) keep it.
    pub async fn read<T>(
        &self,
        read: impl AsyncFnOnce(&mut PgConnection) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let readers = &*self.readers;
        let _permit = tokio::time::timeout(READ_WAIT, readers.permits.acquire())
            .await
            .map_err(|_| {
                crate::log::error("no read connection free", &format!("after {READ_WAIT:?}"));
                AppError::Unavailable
            })?
            .map_err(|_| AppError::Unavailable)?;
        // The permit guarantees at least one slot is unlocked.
        let mut slot = readers
            .slots
            .iter()
            .find_map(|slot| slot.try_lock().ok())
            .ok_or(AppError::Internal)?;
        // The connection is taken out of its slot while in use: a read that is cancelled
        // or runs out of time drops it (closing it) rather than leaving it mid-statement.
        let mut conn = match slot.take() {
            Some(conn) => conn,
            None => tokio::time::timeout(READ_LIMIT, PgConnection::connect_with(&readers.options))
                .await
                .map_err(|_| timed_out("connecting"))??,
        };
        let result = tokio::time::timeout(READ_LIMIT, read(&mut conn))
            .await
            .map_err(|_| timed_out("reading"))?;
        if result.as_ref().is_err_and(AppError::is_server_error) {
            let _ = tokio::time::timeout(Duration::from_secs(1), conn.close()).await;
        } else {
            *slot = Some(conn);
        }
        if matches!(result, Err(AppError::Unavailable)) {
            self.report_unavailable();
        }
        result
    }

    /// Whether the database is known to be unreachable right now. While it is, writes are
    /// refused at once (503) instead of each waiting for the pool's timeout; a probe tries
    /// the database every [`PROBE_EVERY`] and clears this as soon as it answers.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::SeqCst)
    }

    /// Says the database could not be reached: marks it down and starts the probe.
    pub fn report_unavailable(&self) {
        if self.down.swap(true, Ordering::SeqCst) {
            return;
        }
        tracing::warn!("database unreachable: refusing writes until it answers again");
        let (down, options) = (self.down.clone(), self.readers.options.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROBE_EVERY).await;
                let answered = tokio::time::timeout(READ_LIMIT, async {
                    let mut conn = PgConnection::connect_with(&options).await?;
                    conn.ping().await?;
                    conn.close().await
                })
                .await;
                if matches!(answered, Ok(Ok(()))) {
                    down.store(false, Ordering::SeqCst);
                    tracing::info!("database reachable again");
                    return;
                }
            }
        });
    }
}

/// The batcher of the lookup `L`, shared by every clone of the handle.
type Shared<L> = Arc<Batcher<Db, <L as Coalesced>::Key, <L as Coalesced>::Row>>;

impl Db {
    /// Where the events of reads are queued for writing.
    pub fn audit(&self) -> &crate::audit::recorder::Recorder {
        &self.audit
    }

    /// The row for `key` of the lookup `L`, sharing a statement with concurrent lookups.
    pub async fn load<L: Coalesced>(&self, key: L::Key) -> Result<Option<L::Row>, AppError> {
        self.batcher::<L>()?.load(self.clone(), key).await
    }

    fn batcher<L: Coalesced>(&self) -> Result<Shared<L>, AppError> {
        let id = TypeId::of::<L>();
        let found = self
            .batchers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned();
        let any = match found {
            Some(any) => any,
            None => self
                .batchers
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(id)
                .or_insert_with(|| Batcher::<Db, L::Key, L::Row>::new(L::fetch))
                .clone(),
        };
        // Stored under `L`'s own type id, so the type always matches.
        any.downcast().map_err(|_| AppError::Internal)
    }
}

impl Deref for Db {
    type Target = PgPool;

    fn deref(&self) -> &PgPool {
        &self.pool
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("pool", &self.pool)
            .field("readers", &self.readers.slots.len())
            .finish()
    }
}
