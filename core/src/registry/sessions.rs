//! Sign-in (ACC-2): passwords with lockout, externally authenticated principals, sessions.

use super::{Actor, AuditDraft, Registry};
use crate::access::DenyReason;
use crate::crypto;
use crate::store::{Batch, Tree};
use crate::users::{self, User};
use crate::{Error, ErrorCode};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// An opaque sign-in session. Only the registry can tell what it allows: every
/// call re-checks the session, the account's term and revocation.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Session {
    token: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session(..)")
    }
}

impl Session {
    /// The bearer token, for a host that keeps the session between processes (the CLI).
    pub fn token(&self) -> &str {
        &self.token
    }
    /// A session from a token kept by the host; the registry checks it on use.
    pub fn from_token(token: impl Into<String>) -> Session {
        Session { token: token.into() }
    }
}

/// A person authenticated by an external identity system (the national unified
/// identification system): the host vouches for the authentication.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ExternalPrincipal {
    /// The person's PIN as asserted by the identity system.
    pub pin: String,
    /// The identity system (recorded in the audit log).
    pub issuer: String,
}

#[derive(Serialize, Deserialize)]
struct StoredSession {
    user: String,
    created: DateTime<Utc>,
    expires: DateTime<Utc>,
    method: String,
}

pub(crate) const USER_PREFIX: &[u8] = b"u/";
pub(crate) const LOGIN_PREFIX: &[u8] = b"l/";
pub(crate) const PIN_PREFIX: &[u8] = b"p/";

impl Registry {
    pub(crate) fn user_key(id: &str) -> Vec<u8> {
        [USER_PREFIX, id.as_bytes()].concat()
    }

    pub(crate) fn login_key(&self, login: &str) -> Vec<u8> {
        [LOGIN_PREFIX, &self.blind("login", &login.trim().to_lowercase())].concat()
    }

    pub(crate) fn user_pin_key(&self, pin: &str) -> Vec<u8> {
        [PIN_PREFIX, &self.blind("user-pin", pin)].concat()
    }

    /// Loads a user by id.
    pub(crate) fn load_user(&self, id: &str) -> Result<Option<User>, Error> {
        let Some(sealed) = self.store.get(Tree::Users, &Self::user_key(id)).map_err(Error::storage)? else {
            return Ok(None);
        };
        let plain = crypto::open(&self.keys.users, id.as_bytes(), &sealed)
            .map_err(|_| Error::new(ErrorCode::Crypto, "DATA_DAMAGED"))?;
        serde_json::from_slice(&plain).map(Some).map_err(|_| Error::new(ErrorCode::Storage, "STORE_DAMAGED"))
    }

    /// Seals a user into a batch.
    pub(crate) fn put_user(&self, batch: &mut Batch, user: &User) -> Result<(), Error> {
        if let Ok(mut c) = self.session_cache.write() {
            c.clear();
        }
        let plain = serde_json::to_vec(user).map_err(Error::storage)?;
        let sealed = {
            let mut inner = self.lock()?;
            crypto::seal(&self.keys.users, user.id.as_bytes(), &plain, &mut inner.rng)
        };
        batch.put(Tree::Users, Self::user_key(&user.id), sealed);
        Ok(())
    }

    fn user_by_index(&self, key: &[u8]) -> Result<Option<User>, Error> {
        match self.store.get(Tree::Users, key).map_err(Error::storage)? {
            Some(id) => self.load_user(&String::from_utf8_lossy(&id)),
            None => Ok(None),
        }
    }

    /// Signs in with a login and password. Failures are audited; repeated failures lock the account.
    pub fn login(&self, login: &str, password: &str) -> Result<Session, Error> {
        let Some(mut user) = self.user_by_index(&self.login_key(login))? else {
            // Hash anyway so that timing does not tell unknown logins from wrong passwords.
            users::burn(password, &self.profile.security);
            return Err(self.refuse(None, "login", "BAD_CREDENTIALS"));
        };
        let now = self.now();
        // The password is checked first: an account's state (locked, revoked, expired) is
        // told only to someone who knows its password, so it does not reveal which logins exist.
        let ok = user.password_hash.as_deref().is_some_and(|h| users::verify_password(password, h));
        let locked = matches!(user.locked_until, Some(t) if t > now);
        if !ok {
            let sec = &self.profile.security;
            let reason = if locked {
                "BAD_CREDENTIALS"
            } else {
                user.failed_logins += 1;
                if user.failed_logins >= sec.max_failed_logins {
                    user.locked_until = Some(now + Duration::minutes(sec.lockout_minutes));
                    user.failed_logins = 0;
                    "ACCOUNT_LOCKED"
                } else {
                    "BAD_CREDENTIALS"
                }
            };
            let mut b = Batch::new();
            self.put_user(&mut b, &user)?;
            self.commit(
                b,
                Vec::new(),
                vec![AuditDraft::denied(Some(&user.id), "login", Some(user.id.clone()), reason)],
            )?;
            return Err(Error::new(ErrorCode::Unauthenticated, reason));
        }
        if let Err(reason) = user.status_at(now) {
            return Err(self.deny(Some(&user.id), "login", Some(user.id.clone()), reason));
        }
        self.open_session(user, "password", "login")
    }

    /// Signs in a principal authenticated by an external identity system, without a password.
    /// The user must exist with this PIN and be allowed external sign-in.
    pub fn login_external(&self, principal: &ExternalPrincipal) -> Result<Session, Error> {
        let pin = principal.pin.split_whitespace().collect::<String>();
        let user = self.user_by_index(&self.user_pin_key(&pin))?.filter(|u| u.data.external_login);
        let Some(user) = user else {
            return Err(self.refuse(None, "login.external", "BAD_CREDENTIALS"));
        };
        if let Err(reason) = user.status_at(self.now()) {
            return Err(self.deny(Some(&user.id), "login.external", Some(user.id.clone()), reason));
        }
        let method = format!("external:{}", principal.issuer);
        self.open_session(user, &method, "login.external")
    }

    fn refuse(&self, actor: Option<&str>, action: &str, reason: &str) -> Error {
        match self.audit(AuditDraft::denied(actor, action, None, reason)) {
            Ok(()) => Error::new(ErrorCode::Unauthenticated, reason),
            Err(e) => e,
        }
    }

    fn open_session(&self, mut user: User, method: &str, action: &'static str) -> Result<Session, Error> {
        let now = self.now();
        let token = hex::encode(self.random::<32>()?);
        let stored = StoredSession {
            user: user.id.clone(),
            created: now,
            expires: now + Duration::hours(self.profile.security.session_hours),
            method: method.to_string(),
        };
        let mut b = Batch::new();
        b.put(
            Tree::Sessions,
            crypto::sha256(token.as_bytes()).to_vec(),
            serde_json::to_vec(&stored).map_err(Error::storage)?,
        );
        if user.failed_logins != 0 || user.locked_until.is_some() {
            user.failed_logins = 0;
            user.locked_until = None;
            self.put_user(&mut b, &user)?;
        }
        let draft = AuditDraft::allowed(&user.id, action, Some(user.id.clone())).with_detail(method.to_string());
        self.commit(b, Vec::new(), vec![draft])?;
        Ok(Session { token })
    }

    /// Ends a session.
    pub fn logout(&self, session: &Session) -> Result<(), Error> {
        let actor = self.actor(session)?;
        let mut b = Batch::new();
        let key = crypto::sha256(session.token.as_bytes());
        if let Ok(mut c) = self.session_cache.write() {
            c.remove(&key);
        }
        b.delete(Tree::Sessions, key.to_vec());
        self.commit(b, Vec::new(), vec![AuditDraft::allowed(&actor.user.id, "logout", None)]).map(|_| ())
    }

    /// Resolves a session to its actor, checking expiry, revocation, term and lock.
    pub(crate) fn actor(&self, session: &Session) -> Result<Actor, Error> {
        let key = crypto::sha256(session.token.as_bytes());
        // Sessions and their users are cached: any change of a user clears the cache, and a
        // sled store is open in one process only, so the cache cannot miss a revocation.
        let cached = self.session_cache.read().ok().and_then(|c| c.get(&key).cloned());
        let (expires, user_id, user) = match cached {
            Some((expires, user)) => (expires, user.id.clone(), Some(user)),
            None => {
                let Some(bytes) = self.store.get(Tree::Sessions, &key).map_err(Error::storage)? else {
                    return Err(self.refuse(None, "session", "SESSION_INVALID"));
                };
                let stored: StoredSession =
                    serde_json::from_slice(&bytes).map_err(|_| Error::new(ErrorCode::Storage, "STORE_DAMAGED"))?;
                let user = self.load_user(&stored.user)?;
                if let (Some(u), Ok(mut c)) = (&user, self.session_cache.write()) {
                    if c.len() > 10_000 {
                        c.clear();
                    }
                    c.insert(key, (stored.expires, u.clone()));
                }
                (stored.expires, stored.user, user)
            }
        };
        let now = self.now();
        if expires <= now {
            return Err(self.refuse(Some(&user_id), "session", "SESSION_EXPIRED"));
        }
        let Some(user) = user else {
            return Err(self.refuse(Some(&user_id), "session", "SESSION_INVALID"));
        };
        if let Err(reason) = user.status_at(now) {
            return Err(self.deny(Some(&user.id), "session", None, reason));
        }
        if self.profile.role(&user.data.role).is_none() {
            return Err(self.deny(Some(&user.id), "session", None, DenyReason::UnknownRole));
        }
        Ok(Actor { user })
    }

    /// Who a session belongs to.
    pub fn whoami(&self, session: &Session) -> Result<crate::users::UserInfo, Error> {
        let actor = self.actor(session)?;
        Ok(actor.user.info(self.now()))
    }
}
