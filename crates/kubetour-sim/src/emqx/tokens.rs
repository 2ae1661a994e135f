//! Dashboard login tokens (5.x `/api/v5/login`): issued, checked, expired.
//!
//! Real EMQX signs JWTs and keeps them in a cluster-wide mnesia table; the model keeps a
//! map owned by the integration (one store per EMQX cluster, or per node: a token from
//! another island is then BAD_TOKEN, as it is for real across separate clusters).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};

/// `dashboard.token_expired_time` default.
pub const TOKEN_LIFETIME: SignedDuration = SignedDuration::from_secs(3600);

#[derive(Debug, Clone, Default)]
pub struct TokenStore {
    tokens: BTreeMap<String, (String, Timestamp)>,
    issued: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    Valid { username: String },
    Expired,
    Unknown,
}

impl TokenStore {
    pub fn new() -> TokenStore {
        TokenStore::default()
    }

    /// A JWT-shaped token for `username`, valid for [`TOKEN_LIFETIME`] from `now`.
    pub fn issue(&mut self, username: &str, now: Timestamp) -> String {
        self.issued += 1;
        let expires = now.checked_add(TOKEN_LIFETIME).unwrap_or(now);
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(
            format!(
                r#"{{"iss":"EMQX","exp":{},"username":"{username}","n":{}}}"#,
                expires.as_second(),
                self.issued
            )
            .as_bytes(),
        );
        let signature = URL_SAFE_NO_PAD.encode(
            self.issued
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .to_be_bytes(),
        );
        let token = format!("{header}.{payload}.{signature}");
        self.tokens
            .insert(token.clone(), (username.to_string(), expires));
        token
    }

    pub fn check(&self, token: &str, now: Timestamp) -> TokenCheck {
        match self.tokens.get(token) {
            Some((_, expires)) if now >= *expires => TokenCheck::Expired,
            Some((username, _)) => TokenCheck::Valid {
                username: username.clone(),
            },
            None => TokenCheck::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emqx::line::at;

    #[test]
    fn an_issued_token_is_valid_until_it_expires() {
        let mut store = TokenStore::new();
        let t0 = at("2024-05-01T10:00:00Z");
        let token = store.issue("admin", t0);
        assert!(token.starts_with("eyJ"));
        assert_eq!(
            store.check(&token, t0),
            TokenCheck::Valid {
                username: "admin".into()
            }
        );
        assert_eq!(
            store.check(&token, at("2024-05-01T11:00:00Z")),
            TokenCheck::Expired
        );
        assert_eq!(store.check("nope", t0), TokenCheck::Unknown);
        assert_ne!(store.issue("admin", t0), token);
    }
}
