//! Service-account tokens: each pod gets the token of its service account; a request
//! carrying it is that service account. Tokens are opaque random strings (a real cluster
//! issues signed JWTs; nothing here reads their contents).

use std::collections::HashMap;
use std::sync::Mutex;

use super::attributes::UserInfo;

#[derive(Debug, Default)]
pub struct Tokens {
    by_token: Mutex<HashMap<String, UserInfo>>,
    /// When tokens from TokenRequests (`kubectl create token`) stop being accepted.
    expiry: Mutex<HashMap<String, jiff::Timestamp>>,
}

impl Tokens {
    /// A token for `namespace/name` — a new one each call, as each projected token is.
    pub fn issue(&self, namespace: &str, name: &str) -> String {
        let bytes: [u8; 24] = rand::random();
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let token = format!("sa.{token}");
        self.lock()
            .insert(token.clone(), UserInfo::service_account(namespace, name));
        token
    }

    /// Accepts `token` as `namespace/name` until `expires` (a TokenRequest's token).
    pub fn register_until(
        &self,
        token: &str,
        namespace: &str,
        name: &str,
        expires: jiff::Timestamp,
    ) {
        self.lock().insert(
            token.to_string(),
            UserInfo::service_account(namespace, name),
        );
        self.expiry
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(token.to_string(), expires);
    }

    /// Whether a token has an expiry that has passed at `now`.
    pub fn expired(&self, token: &str, now: jiff::Timestamp) -> bool {
        self.expiry
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(token)
            .is_some_and(|until| *until <= now)
    }

    /// Who a token belongs to.
    pub fn resolve(&self, token: &str) -> Option<UserInfo> {
        self.lock().get(token).cloned()
    }

    /// Forgets one token: a pod's projected token is bound to the pod, and the API
    /// server refuses it once the pod is gone.
    pub fn forget(&self, token: &str) {
        self.lock().remove(token);
        self.expiry
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(token);
    }

    /// Forgets the tokens of a deleted service account.
    pub fn revoke(&self, namespace: &str, name: &str) {
        let user = UserInfo::service_account(namespace, name);
        self.lock().retain(|_, u| *u != user);
    }

    /// Every token with its service account `(namespace, name)` and expiry: pods keep
    /// their mounted tokens across an API server restart (see `sim::state`).
    pub fn export(&self) -> Vec<(String, String, String, Option<jiff::Timestamp>)> {
        let expiry = self
            .expiry
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut out: Vec<_> = self
            .lock()
            .iter()
            .filter_map(|(token, user)| {
                let (ns, name) = user.as_service_account()?;
                Some((
                    token.clone(),
                    ns.to_string(),
                    name.to_string(),
                    expiry.get(token).copied(),
                ))
            })
            .collect();
        out.sort();
        out
    }

    /// Accepts the tokens `export` gave.
    pub fn import(&self, saved: Vec<(String, String, String, Option<jiff::Timestamp>)>) {
        for (token, ns, name, expires) in saved {
            match expires {
                Some(at) => self.register_until(&token, &ns, &name, at),
                None => {
                    self.lock()
                        .insert(token, UserInfo::service_account(&ns, &name));
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, UserInfo>> {
        self.by_token.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_stands_for_its_service_account_until_revoked() {
        let tokens = Tokens::default();
        let t = tokens.issue("emqx", "emqx");
        let user = tokens.resolve(&t).unwrap();
        assert_eq!(user.name, "system:serviceaccount:emqx:emqx");
        assert!(
            user.groups
                .contains(&"system:serviceaccounts:emqx".to_string())
        );
        assert_eq!(user.as_service_account(), Some(("emqx", "emqx")));
        assert!(tokens.resolve("sa.nope").is_none());
        tokens.revoke("emqx", "emqx");
        assert!(tokens.resolve(&t).is_none());
    }
}
