//! Coalesced point reads: lookups by key that arrive while an earlier lookup is at the
//! database are answered together, by one statement for the whole group.
//!
//! Nothing waits on purpose: a lookup on an idle server goes to the database at once.
//! One statement is in flight at a time; the fetch bounds how long it may take (for the
//! database, `Db::read` answers 503 after its limit), and that bounds every wait here.
//! Under load the lookups that queue behind the one in flight form the next group, so
//! the database and the server do one round trip for many requests instead of one each.
//! Each caller gets only the row for its own key: the key carries whatever limits what
//! the caller may see (for patients, the owner), and the statement matches on all of it.

use crate::error::AppError;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::oneshot;

/// The most keys one statement is asked for.
const MAX_GROUP: usize = 64;

/// Fetches the rows for a group of distinct keys, with a context (the database); keys
/// without a row are left out.
pub type Fetch<C, K, V> = fn(C, Vec<K>) -> Fetching<K, V>;

/// A fetch under way.
pub type Fetching<K, V> = Pin<Box<dyn Future<Output = Rows<K, V>> + Send>>;

pub type Rows<K, V> = Result<Vec<(K, V)>, AppError>;

type Reply<V> = oneshot::Sender<Result<Option<V>, AppError>>;

pub struct Batcher<C, K, V> {
    fetch: Fetch<C, K, V>,
    queue: Mutex<Queue<K, V>>,
}

struct Queue<K, V> {
    waiting: Vec<(K, Reply<V>)>,
    /// Whether a task is draining `waiting`. Only it sends statements, one at a time.
    running: bool,
}

impl<C, K, V> Batcher<C, K, V>
where
    C: Clone + Send + 'static,
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + 'static,
{
    pub fn new(fetch: Fetch<C, K, V>) -> Arc<Self> {
        Arc::new(Batcher {
            fetch,
            queue: Mutex::new(Queue {
                waiting: Vec::new(),
                running: false,
            }),
        })
    }

    /// The row for `key`, or `None` when there is none. A failed statement fails every
    /// lookup of its group with the same error.
    /// `context` is handed to the fetch of the group this lookup starts, if it starts one.
    pub async fn load(self: &Arc<Self>, context: C, key: K) -> Result<Option<V>, AppError> {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            queue.waiting.push((key, reply));
            !std::mem::replace(&mut queue.running, true)
        };
        if start {
            // A task of its own: a caller that goes away (a closed connection) must not
            // stop the lookups queued behind it.
            tokio::spawn(Arc::clone(self).drain(context));
        }
        // Dropped without a reply only if the draining task panicked.
        answer.await.map_err(|_| AppError::Internal)?
    }

    /// Sends one statement per group until nobody is waiting.
    async fn drain(self: Arc<Self>, context: C) {
        let guard = Running(&self.queue);
        loop {
            let group: Vec<(K, Reply<V>)> = {
                let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                if queue.waiting.is_empty() {
                    queue.running = false;
                    std::mem::forget(guard);
                    return;
                }
                let n = queue.waiting.len().min(MAX_GROUP);
                queue.waiting.drain(..n).collect()
            };
            // Callers that went away (a closed connection) need no row.
            let group: Vec<(K, Reply<V>)> = group
                .into_iter()
                .filter(|(_, reply)| !reply.is_closed())
                .collect();
            if group.is_empty() {
                continue;
            }
            let mut keys: Vec<K> = group.iter().map(|(key, _)| key.clone()).collect();
            dedup(&mut keys);
            match (self.fetch)(context.clone(), keys).await {
                Ok(rows) => {
                    let rows: HashMap<K, V> = rows.into_iter().collect();
                    for (key, reply) in group {
                        let _ = reply.send(Ok(rows.get(&key).cloned()));
                    }
                }
                Err(error) => {
                    for (_, reply) in group {
                        let _ = reply.send(Err(error.clone()));
                    }
                }
            }
        }
    }
}

/// Removes repeated keys, keeping the first of each.
fn dedup<K: Eq + Hash + Clone>(keys: &mut Vec<K>) {
    let mut seen = std::collections::HashSet::with_capacity(keys.len());
    keys.retain(|key| seen.insert(key.clone()));
}

/// Unwinding out of `drain` (a panic in a fetch) must not leave the batcher marked as
/// running with nobody draining: it would never answer again. This clears the mark and
/// drops the waiting replies, so their callers get an error instead of waiting forever.
struct Running<'a, K, V>(&'a Mutex<Queue<K, V>>);

impl<K, V> Drop for Running<'_, K, V> {
    fn drop(&mut self) {
        let mut queue = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        queue.running = false;
        queue.waiting.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// What the test fetches see and record.
    #[derive(Default)]
    struct Probe {
        statements: AtomicUsize,
        largest: AtomicUsize,
        fail: AtomicBool,
        panic: AtomicBool,
    }

    /// Squares, except for keys ending in 0, which have no row.
    fn squares(
        probe: Arc<Probe>,
        keys: Vec<u32>,
    ) -> Pin<Box<dyn Future<Output = Rows<u32, u64>> + Send>> {
        Box::pin(async move {
            probe.statements.fetch_add(1, Ordering::SeqCst);
            probe.largest.fetch_max(keys.len(), Ordering::SeqCst);
            tokio::task::yield_now().await;
            assert!(
                !probe.panic.swap(false, Ordering::SeqCst),
                "the fetch panicked"
            );
            if probe.fail.load(Ordering::SeqCst) {
                return Err(AppError::Unavailable);
            }
            Ok(keys
                .into_iter()
                .filter(|k| k % 10 != 0)
                .map(|k| (k, u64::from(k) * u64::from(k)))
                .collect())
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_caller_gets_its_own_row_and_concurrent_lookups_share_statements() {
        let probe = Arc::new(Probe::default());
        let batcher = Batcher::new(squares as Fetch<Arc<Probe>, u32, u64>);
        let lookups: Vec<_> = (1..=200u32)
            .map(|n| {
                let (batcher, probe) = (batcher.clone(), probe.clone());
                tokio::spawn(async move { (n % 25, batcher.load(probe, n % 25).await) })
            })
            .collect();
        for lookup in lookups {
            let (key, result) = lookup.await.unwrap();
            let expected = (key % 10 != 0).then(|| u64::from(key) * u64::from(key));
            assert_eq!(result.unwrap(), expected, "key {key}");
        }
        let statements = probe.statements.load(Ordering::SeqCst);
        assert!(
            statements < 200,
            "200 concurrent lookups took {statements} statements"
        );
        // A repeated key is asked for once per statement.
        assert!(probe.largest.load(Ordering::SeqCst) <= 25);
        // Idle again: a lookup on its own is answered by a statement of its own.
        assert_eq!(batcher.load(probe.clone(), 3).await.unwrap(), Some(9));
        assert_eq!(probe.statements.load(Ordering::SeqCst), statements + 1);
    }

    #[tokio::test]
    async fn a_failed_statement_fails_its_group_and_the_next_lookup_runs_again() {
        let probe = Arc::new(Probe::default());
        let batcher = Batcher::new(squares as Fetch<Arc<Probe>, u32, u64>);
        probe.fail.store(true, Ordering::SeqCst);
        assert_eq!(
            batcher.load(probe.clone(), 1).await,
            Err(AppError::Unavailable)
        );
        probe.fail.store(false, Ordering::SeqCst);
        assert_eq!(batcher.load(probe.clone(), 2).await, Ok(Some(4)));
    }

    #[tokio::test]
    async fn a_panicking_statement_answers_with_an_error_and_leaves_the_batcher_usable() {
        let probe = Arc::new(Probe::default());
        let batcher = Batcher::new(squares as Fetch<Arc<Probe>, u32, u64>);
        probe.panic.store(true, Ordering::SeqCst);
        assert_eq!(
            batcher.load(probe.clone(), 1).await,
            Err(AppError::Internal)
        );
        assert_eq!(batcher.load(probe.clone(), 2).await, Ok(Some(4)));
    }
}
