//! Deactivated accounts, known to every server instance within moments and without a
//! database round trip per request.
//!
//! A request is authenticated from its token alone (see [`super::CurrentUser`]); a
//! deactivated user's tokens must still be refused at once. So each instance keeps the ids
//! of the inactive accounts in memory: loaded at start, kept current by PostgreSQL's
//! `LISTEN user_access` (a trigger announces every change of `users.is_active` or
//! `is_admin`), and loaded again in full whenever the listening connection was lost, since
//! announcements made meanwhile are gone.

use crate::error::AppError;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::collections::HashSet;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

/// The channel the `users_access_changed` trigger announces on.
pub const CHANNEL: &str = "user_access";

#[derive(Debug, Default)]
pub struct Revoked {
    inactive: RwLock<HashSet<i64>>,
}

impl Revoked {
    /// Whether the account `user_id` has been deactivated.
    pub fn contains(&self, user_id: i64) -> bool {
        self.inactive
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&user_id)
    }

    fn set(&self, user_id: i64, active: bool) {
        let mut inactive = self
            .inactive
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if active {
            inactive.remove(&user_id);
        } else {
            inactive.insert(user_id);
        }
    }

    /// Reads every inactive account again.
    pub async fn reload<'e>(&self, executor: impl sqlx::PgExecutor<'e>) -> Result<(), AppError> {
        let ids = sqlx::query_scalar!("select id from users where not is_active")
            .fetch_all(executor)
            .await?;
        *self
            .inactive
            .write()
            .unwrap_or_else(PoisonError::into_inner) = ids.into_iter().collect();
        Ok(())
    }

    /// Reads one account's state again (it was announced as changed).
    async fn refresh<'e>(
        &self,
        executor: impl sqlx::PgExecutor<'e>,
        user_id: i64,
    ) -> Result<(), AppError> {
        let active = sqlx::query_scalar!("select is_active from users where id = $1", user_id)
            .fetch_optional(executor)
            .await?;
        // A deleted account has no tokens worth honouring either.
        self.set(user_id, active.unwrap_or(false));
        Ok(())
    }

    /// Keeps the set current for as long as the process runs: listens for announcements,
    /// and after any loss of the listening connection, reconnects and reloads everything.
    pub async fn follow(self: std::sync::Arc<Self>, pool: PgPool) {
        loop {
            if let Err(error) = self.listen(&pool).await {
                if pool.is_closed() {
                    return;
                }
                crate::log::warn("listening for account changes failed; retrying", &error);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Listens, and reads on the listening connection itself: it needs no second
    /// connection from the pool, however busy the pool is.
    async fn listen(&self, pool: &PgPool) -> Result<(), AppError> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        // Listening first, then loading: a change made in between is announced, not lost.
        self.reload(&mut listener).await?;
        loop {
            match listener.try_recv().await? {
                Some(notification) => match notification.payload().parse::<i64>() {
                    Ok(user_id) => self.refresh(&mut listener, user_id).await?,
                    // Anything else (a restore says "reload"): read everything.
                    Err(_) => self.reload(&mut listener).await?,
                },
                // The connection was lost and has been made again (listening again):
                // what was announced meanwhile is gone, so read everything.
                None => self.reload(&mut listener).await?,
            }
        }
    }
}
