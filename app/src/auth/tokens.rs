//! JSON Web Tokens as simplejwt issues them: HS256, a `token_type` claim that keeps refresh
//! tokens from opening doors meant for access tokens, an expiry, and a `jti` by which a
//! refresh token can be revoked.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
