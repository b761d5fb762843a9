//! Password hashing (argon2id) and Django's default password rules.

use crate::error::AppError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::LazyLock;

/// OWASP's recommended argon2id parameters: 19 MiB of memory, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password on a hashing thread, so the async workers keep serving; as many at
/// once as `gate` allows.
pub async fn hash(gate: &Gate, password: String) -> Result<String, AppError> {
    gate.run(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|error| {
                tracing::error!(%error, "password hashing failed");
                AppError::Internal
            })
    })
    .await?
}

/// How many password hashes run at once, and how many more may wait for a turn.
///
/// Each argon2 hash takes one core for tens of milliseconds and 19 MiB. Run without a
/// limit, a storm of sign-ins takes every core and every other request waits behind it;
/// more hashes at once than cores buys no throughput. So at most `running` hashes run (one
/// per core), `waiting` more queue for a turn, and anything beyond is refused at once with
/// a 503 and `Retry-After`: a storm slows sign-ins, not everyone else.
#[derive(Debug)]
pub struct Gate {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    waiting: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    queue: usize,
    workers: Workers,
}

/// A hash to compute, with where its answer goes.
type Job = Box<dyn FnOnce() + Send>;

/// Threads that do nothing but hash, in the idle scheduling class: a hash gets the CPU
/// that requests leave, so sign-ins slow down under load and reads do not. (Tokio's own
/// blocking threads are shared with other work, whose priority must not be lowered.)
struct Workers {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Workers")
    }
}

/// Puts the calling thread in the idle scheduling class (`SCHED_IDLE`): a request's thread
/// that wakes up takes the core from a hash at once, where a thread at niceness 19 would
/// keep it for the rest of its time slice (milliseconds, on the p99 of every read). A hash
/// still gets every cycle requests leave: measured in `bench/abuse.sh`, sign-ins keep their
/// pace (about 40 a second per thread) beside a read load that fills both cores. Only a
/// flood that leaves no cycle idle at all holds sign-ins back, and then the queue's 503s
/// say so (a hash at niceness 19 would get little more, some 1.5% of a core).
fn lowest_priority() {
    use thread_priority::{
        NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
        set_thread_priority_and_policy, thread_native_id,
    };
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    if let Err(error) =
        set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, idle)
    {
        tracing::warn!(
            ?error,
            "could not put the password-hashing thread in the idle scheduling class"
        );
    }
}

impl Workers {
    /// `count` threads; they end when the gate is dropped.
    fn new(count: usize) -> Workers {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for n in 0..count {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    lowest_priority();
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => match queue.recv() {
                                Ok(job) => job,
                                Err(_) => return,
                            },
                            Err(_) => return,
                        };
                        // A panicking hash fails its own request (its answer is dropped),
                        // not the thread.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "could not start a password-hashing thread");
            }
        }
        Workers { jobs }
    }
}

/// Seconds a refused sign-in is asked to wait.
const BUSY_RETRY_AFTER: u64 = 1;

/// A place in the queue, given back however the wait ends (a client that hangs up drops
/// the request while it waits).
struct InQueue(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for InQueue {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Gate {
    pub fn new(running: usize, queue: usize) -> Gate {
        let running = running.max(1);
        Gate {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(running)),
            waiting: Default::default(),
            queue,
            workers: Workers::new(running),
        }
    }

    /// Runs `work` on a hashing thread when a turn is free; 503 when the queue is full.
    /// The turn belongs to the work itself: it is given back when the work ends (before its
    /// answer is sent), even if the request that asked for it was dropped meanwhile.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        use std::sync::atomic::Ordering::SeqCst;
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                // A place in the queue, or a refusal.
                let place = InQueue(self.waiting.clone());
                if self.waiting.fetch_add(1, SeqCst) >= self.queue {
                    drop(place);
                    tracing::warn!("password hashing queue full: refusing with 503");
                    return Err(AppError::Busy {
                        retry_after: BUSY_RETRY_AFTER,
                    });
                }
                let permit = self.permits.clone().acquire_owned().await;
                drop(place);
                permit.map_err(|_| AppError::Internal)?
            }
        };
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let result = work();
            // The turn is free before the answer arrives: whoever is answered can hash
            // again at once.
            drop(permit);
            let _ = answer.send(result);
        });
        self.workers.jobs.send(job).map_err(|_| {
            tracing::error!("no password-hashing thread is running");
            AppError::Internal
        })?;
        answered.await.map_err(|_| {
            tracing::error!("password hashing failed (the hash panicked)");
            AppError::Internal
        })
    }

    /// Turns free now: hashes that would start at once (for tests and diagnostics).
    pub fn free_turns(&self) -> usize {
        self.permits.available_permits()
    }

    /// Hashes waiting for a turn now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Default for Gate {
    /// A hash thread per two cores (at least one): hashing never takes more than half the
    /// machine, whatever the storm. Each thread has 32 places in the queue: at the rate a
    /// thread hashes (some 40 a second), the last in line waits under a second. Clients
    /// refused with a 503 tend to try again at once; a wait costs nothing, so the queue is
    /// long enough that an ordinary storm waits instead.
    fn default() -> Gate {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Gate::with_threads((cores / 2).max(1))
    }
}

impl Gate {
    /// `threads` hashing threads, each with 32 places in the queue.
    pub fn with_threads(threads: usize) -> Gate {
        Gate::new(threads, 32 * threads)
    }
}

/// A hash of nothing anyone knows, verified when a login names an unknown email, so
/// that a wrong email costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    hasher()
        .hash_password(uuid::Uuid::new_v4().as_bytes(), &salt)
        .expect("hashing a random value succeeds")
        .to_string()
});

/// Verifies a password against a stored hash (or against the dummy hash when `stored` is
/// `None`) on a hashing thread. Always takes one full argon2 computation.
pub async fn verify(
    gate: &Gate,
    password: String,
    stored: Option<String>,
) -> Result<bool, AppError> {
    gate.run(move || {
        let known = stored.is_some();
        let encoded = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let Ok(parsed) = PasswordHash::new(&encoded) else {
            tracing::error!("a stored password hash could not be parsed");
            return false;
        };
        hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known
    })
    .await
}

/// Warms the dummy hash so the first login with an unknown email is not faster.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

const MIN_LENGTH: usize = 8;
const MAX_SIMILARITY: f64 = 0.7;

/// Django's default validators, in Django's order, with Django's messages:
/// similarity to the user's attributes, minimum length, common passwords, all digits.
/// `attributes` pairs each attribute's label ("name", "email address") with its value.
pub fn policy_errors(password: &str, attributes: &[(&str, &str)]) -> Vec<String> {
    let mut errors = Vec::new();
    if let Some(label) = too_similar(password, attributes) {
        errors.push(format!("The password is too similar to the {label}."));
    }
    if password.chars().count() < MIN_LENGTH {
        errors.push(format!(
            "This password is too short. It must contain at least {MIN_LENGTH} characters."
        ));
    }
    if is_common(password) {
        errors.push("This password is too common.".to_owned());
    }
    if !password.is_empty() && password.chars().all(|c| c.is_numeric()) {
        errors.push("This password is entirely numeric.".to_owned());
    }
    errors
}

/// The label of the first attribute the password resembles too closely. Each attribute is
/// compared whole and in its word-separated parts; resemblance is the share of characters
/// the two have in common, counted with multiplicity (an upper bound on how much of one
/// can be read in the other).
fn too_similar<'a>(password: &str, attributes: &[(&'a str, &str)]) -> Option<&'a str> {
    let password = password.to_lowercase();
    attributes.iter().find_map(|(label, value)| {
        let value = value.to_lowercase();
        let mut parts: Vec<&str> = value
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|p| !p.is_empty())
            .collect();
        parts.push(&value);
        parts
            .into_iter()
            .filter(|part| !length_rules_out_similarity(&password, part))
            .any(|part| shared_character_ratio(&password, part) >= MAX_SIMILARITY)
            .then_some(*label)
    })
}

/// A long password cannot be "too similar" to a much shorter value.
fn length_rules_out_similarity(password: &str, value: &str) -> bool {
    let password_len = password.chars().count() as f64;
    let value_len = value.chars().count() as f64;
    password_len >= 10.0 * value_len && value_len < MAX_SIMILARITY / 2.0 * password_len
}

fn shared_character_ratio(a: &str, b: &str) -> f64 {
    let total = a.chars().count() + b.chars().count();
    if total == 0 {
        return 1.0;
    }
    let mut available = std::collections::HashMap::<char, usize>::new();
    for c in b.chars() {
        *available.entry(c).or_default() += 1;
    }
    let shared = a
        .chars()
        .filter(|c| match available.get_mut(c) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        })
        .count();
    2.0 * shared as f64 / total as f64
}

/// Whether the password, ignoring case and surrounding spaces, is one of the tens of
/// thousands of passwords attackers try first (the list zxcvbn ships).
fn is_common(password: &str) -> bool {
    let candidate = password.trim().to_lowercase();
    if candidate.is_empty() {
        return false;
    }
    let entropy = zxcvbn::zxcvbn(&candidate, &[]);
    let len = candidate.chars().count();
    entropy.sequence().iter().any(|m| {
        m.i == 0
            && m.j + 1 == len
            && matches!(
                &m.pattern,
                zxcvbn::matching::patterns::MatchPattern::Dictionary(d)
                    // zxcvbn does not export its dictionary type; its default is `Passwords`.
                    if d.dictionary_name == Default::default()
                        && !d.reversed
                        && !d.l33t
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_run_in_the_idle_scheduling_class() {
        use thread_priority::{NormalThreadSchedulePolicy, ThreadSchedulePolicy};
        let gate = Gate::with_threads(1);
        let policy = gate
            .run(thread_priority::unix::thread_schedule_policy)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            policy,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle)
        );
    }

    fn errs(password: &str) -> Vec<String> {
        policy_errors(
            password,
            &[("name", "John Doe"), ("email address", "john@example.com")],
        )
    }

    #[test]
    fn a_strong_password_passes_every_rule() {
        assert!(errs("SecurePass123!").is_empty());
        assert!(errs("correct horse battery staple").is_empty());
    }

    #[test]
    fn short_numeric_common_and_similar_passwords_are_refused() {
        assert!(errs("Ab1!").iter().any(|e| e.contains("too short")));
        assert!(
            errs("8492017365")
                .iter()
                .any(|e| e.contains("entirely numeric"))
        );
        assert!(errs("password").iter().any(|e| e.contains("too common")));
        assert!(errs("qwerty123").iter().any(|e| e.contains("too common")));
        assert!(
            errs("johndoe1")
                .iter()
                .any(|e| e.contains("similar to the name"))
        );
        assert!(
            errs("example.com")
                .iter()
                .any(|e| e.contains("similar to the email address"))
        );
    }

    #[tokio::test]
    async fn hashes_verify_only_with_the_right_password() {
        let gate = Gate::default();
        let h = hash(&gate, "SecurePass123!".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let right = verify(&gate, "SecurePass123!".into(), Some(h.clone()));
        assert!(right.await.unwrap());
        let wrong = verify(&gate, "securepass123!".into(), Some(h));
        assert!(!wrong.await.unwrap());
        assert!(!verify(&gate, "anything".into(), None).await.unwrap());
    }
}

#[cfg(test)]
mod gate_tests {
    use super::Gate;
    use crate::error::AppError;
    use std::sync::Arc;
    use std::time::Duration;

    /// Waits (briefly) until `ready` holds.
    async fn until(ready: impl Fn() -> bool) {
        for _ in 0..3000 {
            if ready() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the gate did not reach the expected state");
    }

    #[tokio::test]
    async fn beyond_the_queue_a_hash_is_refused_with_a_503_and_retry_after() {
        let gate = Arc::new(Gate::new(1, 1));
        let (release, released) = std::sync::mpsc::channel::<()>();
        // One hash runs (until released), one waits for its turn...
        let running = tokio::spawn({
            let gate = gate.clone();
            async move { gate.run(move || released.recv().is_ok()).await }
        });
        until(|| gate.free_turns() == 0).await;
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.run(|| true).await }
        });
        until(|| gate.waiting() == 1).await;
        // ...and the next is refused at once.
        let refused = gate.run(|| true).await;
        assert_eq!(refused, Err(AppError::Busy { retry_after: 1 }));
        assert_eq!(refused.unwrap_err().retry_after(), Some(1));

        release.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(true));
        assert_eq!(waiting.await.unwrap(), Ok(true));
        // Once the storm has passed, hashing is served again.
        assert_eq!(gate.run(|| true).await, Ok(true));
    }

    #[tokio::test]
    async fn a_request_dropped_while_waiting_or_hashing_gives_nothing_away() {
        let gate = Arc::new(Gate::new(1, 1));
        let (release, released) = std::sync::mpsc::channel::<()>();
        // A hash whose request is dropped while it runs keeps its turn until it ends.
        let hashing = tokio::spawn({
            let gate = gate.clone();
            async move { gate.run(move || released.recv().is_ok()).await }
        });
        until(|| gate.free_turns() == 0).await;
        hashing.abort();
        // A request dropped while it waits gives its place back.
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.run(|| true).await }
        });
        until(|| gate.waiting() == 1).await;
        waiting.abort();
        until(|| gate.waiting() == 0).await;
        assert_eq!(gate.free_turns(), 0, "the aborted hash still runs");
        release.send(()).unwrap();
        until(|| gate.free_turns() == 1).await;
        assert_eq!(gate.run(|| true).await, Ok(true));
    }
}
