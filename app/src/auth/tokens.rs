//! JSON Web Tokens as simplejwt issues them: HS256, a `token_type` claim that keeps refresh
//! tokens from opening doors meant for access tokens, an expiry, and a `jti` by which a
//! refresh token can be revoked.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    Access,
    Refresh,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub token_type: TokenType,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub user_id: i64,
}

/// A freshly signed token and what was put in it.
#[derive(Debug, Clone)]
pub struct Issued {
    pub token: String,
    pub jti: uuid::Uuid,
    pub expires_at: DateTime<Utc>,
}

/// Keys and lifetimes for signing and checking tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    checked: Mutex<Checked>,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl: Duration, refresh_ttl: Duration) -> Self {
        // Only HS256 is accepted: a token naming any other algorithm (`none` included)
        // is refused before its signature is looked at.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp"]);
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            checked: Mutex::default(),
            access_ttl,
            refresh_ttl,
        }
    }

    /// Signs a token of the given type for a user.
    pub fn issue(&self, user_id: i64, token_type: TokenType) -> Result<Issued, AppError> {
        let ttl = match token_type {
            TokenType::Access => self.access_ttl,
            TokenType::Refresh => self.refresh_ttl,
        };
        let now = Utc::now();
        let expires_at = now + chrono::Duration::from_std(ttl).map_err(|_| AppError::Internal)?;
        let jti = uuid::Uuid::new_v4();
        let claims = Claims {
            token_type,
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            jti: jti.simple().to_string(),
            user_id,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|error| {
            tracing::error!(%error, "signing a token failed");
            AppError::Internal
        })?;
        Ok(Issued {
            token,
            jti,
            expires_at,
        })
    }

    /// Checks signature, algorithm, expiry and type. Every failure is the same 401, so a
    /// client learns nothing about why a forged token was refused.
    pub fn verify(&self, token: &str, expected: TokenType) -> Result<Claims, AppError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| AppError::invalid_token())?;
        if data.claims.token_type != expected || data.claims.user_id <= 0 {
            return Err(AppError::invalid_token());
        }
        Ok(data.claims)
    }

    /// The user an access token names, checked as [`verify`](Self::verify) checks it.
    ///
    /// A client sends the same access token with every request, and checking its
    /// signature (base64, HMAC-SHA256 and two JSON documents) is a good part of what an
    /// authenticated read costs the server beyond HTTP. So a token that passed is
    /// remembered (see [`Checked`]) and, sent again, only its expiry is checked.
    pub fn access_user(&self, token: &str) -> Result<i64, AppError> {
        let now = jsonwebtoken::get_current_timestamp();
        let remembered = self.checked().user(token, now);
        if let Some(user_id) = remembered {
            return Ok(user_id);
        }
        let claims = self.verify(token, TokenType::Access)?;
        self.checked().remember(token, claims.user_id, claims.exp);
        Ok(claims.user_id)
    }

    fn checked(&self) -> std::sync::MutexGuard<'_, Checked> {
        self.checked.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Access tokens that passed [`TokenKeys::verify`], with the user each names and its expiry.
///
/// Only a token signed with our key gets in, so a forger can neither fill it nor find
/// anything in it. A token is found by all its bytes, signature included: one byte changed
/// is another token, checked in full. Its expiry is checked on every use, as `verify` does
/// (valid through the second it names). Nothing else about a token can change: a
/// deactivated account is refused after this, by [`crate::auth::active`].
///
/// Bounded by two generations: when the newer holds [`Checked::GENERATION`] tokens it
/// becomes the older, and the older is forgotten. A token found in the older moves to the
/// newer, so the tokens in use stay.
#[derive(Default)]
struct Checked {
    newer: HashMap<Box<str>, Remembered>,
    older: HashMap<Box<str>, Remembered>,
}

#[derive(Clone, Copy)]
struct Remembered {
    user_id: i64,
    expires: i64,
}

impl Checked {
    const GENERATION: usize = 1024;

    /// The user `token` names, if it is remembered and has not expired at `now` (seconds).
    fn user(&mut self, token: &str, now: u64) -> Option<i64> {
        let found = match self.newer.get(token) {
            Some(found) => *found,
            None => {
                let (token, found) = self.older.remove_entry(token)?;
                self.insert(token, found);
                found
            }
        };
        let valid = u64::try_from(found.expires).is_ok_and(|expires| expires >= now);
        valid.then_some(found.user_id)
    }

    fn remember(&mut self, token: &str, user_id: i64, expires: i64) {
        self.insert(token.into(), Remembered { user_id, expires });
    }

    fn insert(&mut self, token: Box<str>, remembered: Remembered) {
        if self.newer.len() >= Self::GENERATION {
            self.older = std::mem::take(&mut self.newer);
        }
        self.newer.insert(token, remembered);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Checked {
        fn len(&self) -> usize {
            self.newer.len() + self.older.len()
        }
    }

    fn keys() -> TokenKeys {
        TokenKeys::new(
            b"0123456789abcdef0123456789abcdef",
            Duration::from_secs(60),
            Duration::from_secs(120),
        )
    }

    #[test]
    fn an_access_token_verifies_as_access_and_not_as_refresh() {
        let k = keys();
        let t = k.issue(7, TokenType::Access).unwrap();
        assert_eq!(k.verify(&t.token, TokenType::Access).unwrap().user_id, 7);
        assert!(k.verify(&t.token, TokenType::Refresh).is_err());
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let other = TokenKeys::new(
            b"another secret of thirty-two bytes!",
            Duration::from_secs(60),
            Duration::from_secs(60),
        );
        let t = other.issue(7, TokenType::Access).unwrap();
        assert!(keys().verify(&t.token, TokenType::Access).is_err());
    }

    #[test]
    fn a_remembered_token_is_refused_once_it_has_expired() {
        let mut checked = Checked::default();
        checked.remember("a.b.c", 7, 1_000);
        assert_eq!(checked.user("a.b.c", 999), Some(7));
        assert_eq!(checked.user("a.b.c", 1_000), Some(7));
        assert_eq!(checked.user("a.b.c", 1_001), None);
        assert_eq!(checked.user("a.b.d", 999), None);
    }

    #[test]
    fn only_tokens_that_verify_are_remembered_and_every_byte_counts() {
        let k = keys();
        let t = k.issue(7, TokenType::Access).unwrap().token;
        assert_eq!(k.access_user(&t).unwrap(), 7);
        assert_eq!(k.access_user(&t).unwrap(), 7);
        assert_eq!(k.checked().len(), 1);
        // The same token with its signature's last character changed: checked in full.
        let mut forged = t.clone();
        let last = forged.pop().unwrap();
        forged.push(if last == 'A' { 'B' } else { 'A' });
        assert!(k.access_user(&forged).is_err());
        // A refresh token is not an access token, remembered or not.
        let refresh = k.issue(7, TokenType::Refresh).unwrap().token;
        assert!(k.access_user(&refresh).is_err());
        assert_eq!(k.checked().len(), 1);
    }

    #[test]
    fn the_tokens_remembered_are_bounded_and_those_in_use_stay() {
        let mut checked = Checked::default();
        checked.remember("in use", 1, i64::MAX);
        for n in 0..5 * Checked::GENERATION {
            checked.remember(&format!("token {n}"), 2, i64::MAX);
            assert_eq!(checked.user("in use", 0), Some(1));
        }
        assert!(checked.len() <= 2 * Checked::GENERATION);
        assert_eq!(checked.user("token 0", 0), None);
    }
}
