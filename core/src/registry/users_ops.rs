//! User administration (ACC-1, ACC-2): register, list, revoke.

use super::{AuditDraft, Registry};
use crate::access::Target;
use crate::profile::Action;
use crate::store::{Batch, Tree};
use crate::users::{self, NewUser, Revocation, User, UserInfo};
use crate::{Error, ErrorCode};

impl Registry {
    fn validate_user(&self, u: &mut NewUser) -> Result<Option<String>, Error> {
        u.login = u.login.trim().to_lowercase();
        let login_ok = (3..=64).contains(&u.login.len())
            && u.login.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !login_ok {
            return Err(Error::validation("LOGIN_INVALID", "login"));
        }
        for (v, f) in [
            (&u.surname, "surname"),
            (&u.given_name, "given_name"),
            (&u.position, "position"),
            (&u.agency, "agency"),
            (&u.address, "address"),
        ] {
            if v.trim().is_empty() {
                return Err(Error::validation("REQUIRED", f));
            }
        }
        if u.agency_inn.trim().is_empty() || !u.agency_inn.trim().chars().all(|c| c.is_ascii_digit()) {
            return Err(Error::validation("INN_INVALID", "agency_inn"));
        }
        u.agency_inn = u.agency_inn.trim().to_string();
        if self.profile.role(&u.role).is_none() {
            return Err(Error::validation("UNKNOWN_ROLE", "role").arg("code", &u.role));
        }
        if !self.territory_exists(&u.territory) {
            return Err(Error::validation("UNKNOWN_TERRITORY", "territory").arg("code", &u.territory));
        }
        // A role attached to some levels only (Omsk §13: a curator to one district).
        if let (Some(role), Some(t)) = (self.profile.role(&u.role), self.territories.get(&u.territory)) {
            if !role.levels.is_empty() && !role.levels.contains(&t.kind) {
                return Err(Error::validation("ROLE_LEVEL", "territory").arg("code", &u.role).arg("kind", &t.kind));
            }
        }
        if u.valid_until < u.valid_from {
            return Err(Error::validation("TERM_INVALID", "valid_until"));
        }
        let ctx = self.context();
        if let Some(p) = u.pin.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            u.pin = Some(crate::model::validate_pin(p, &ctx, "pin")?);
        } else {
            u.pin = None;
        }
        if u.external_login && u.pin.is_none() {
            return Err(Error::validation("REQUIRED", "pin"));
        }
        let hash = match u.password.take() {
            Some(p) => Some({
                let mut inner = self.lock()?;
                users::hash_password(&p, &self.profile.security, &mut inner.rng)?
            }),
            None if !u.external_login => return Err(Error::validation("REQUIRED", "password")),
            None => None,
        };
        if self.store.get(Tree::Users, &self.login_key(&u.login)).map_err(Error::storage)?.is_some() {
            return Err(Error::new(ErrorCode::Conflict, "LOGIN_TAKEN").with_field("login"));
        }
        if let Some(pin) = &u.pin {
            if self.store.get(Tree::Users, &self.user_pin_key(pin)).map_err(Error::storage)?.is_some() {
                return Err(Error::new(ErrorCode::Conflict, "USER_PIN_TAKEN").with_field("pin"));
            }
        }
        Ok(hash)
    }

    fn insert_user(&self, mut data: NewUser, created_by: &str, audit_actor: Option<&str>) -> Result<UserInfo, Error> {
        let hash = self.validate_user(&mut data)?;
        let id = format!("u-{}", hex::encode(self.random::<6>()?));
        let user = User {
            id: id.clone(),
            data,
            password_hash: hash,
            revoked: None,
            failed_logins: 0,
            locked_until: None,
            created_at: self.now(),
            created_by: created_by.to_string(),
            undertaking: None,
        };
        let mut b = Batch::new();
        self.put_user(&mut b, &user)?;
        b.put(Tree::Users, self.login_key(&user.data.login), id.as_bytes().to_vec());
        if let Some(pin) = &user.data.pin {
            b.put(Tree::Users, self.user_pin_key(pin), id.as_bytes().to_vec());
        }
        let mut draft = AuditDraft::allowed("", "user.add", Some(id.clone()));
        draft.actor = audit_actor.map(str::to_string);
        let how = if audit_actor.is_none() { " bootstrap" } else { "" };
        draft = draft.with_detail(format!("role={}{how}", user.data.role));
        self.commit(b, Vec::new(), vec![draft])?;
        Ok(user.info(self.now()))
    }

    pub(crate) fn create_first_admin(&self, admin: NewUser) -> Result<UserInfo, Error> {
        let role = self
            .profile
            .role(&admin.role)
            .ok_or_else(|| Error::validation("UNKNOWN_ROLE", "role").arg("code", &admin.role))?;
        if role.grant(Action::ManageUsers).is_none() {
            return Err(Error::validation("NOT_AN_ADMINISTRATOR", "role").arg("code", &admin.role));
        }
        self.insert_user(admin, "", None)
    }

    /// Records a user's signed non-disclosure undertaking (ACC-6); users of a role that requires
    /// one act on personal data only once it is recorded. Needs `manage_users` over the user.
    pub fn record_undertaking(
        &self,
        session: &super::Session,
        user_id: &str,
        undertaking: users::Undertaking,
    ) -> Result<UserInfo, Error> {
        let actor = self.actor(session)?;
        let Some(mut user) = self.load_user(user_id)? else {
            self.authorize(&actor, Action::ManageUsers, None, "user.undertaking", Some(user_id.to_string()))?;
            return Err(Error::new(ErrorCode::NotFound, "USER_NOT_FOUND").with_field("user_id"));
        };
        let target = Target { territory: &user.data.territory, organization: &user.data.agency_inn };
        self.authorize(&actor, Action::ManageUsers, Some(&target), "user.undertaking", Some(user_id.to_string()))?;
        for (v, f) in [(&undertaking.reference, "reference"), (&undertaking.kept_by, "kept_by")] {
            if v.trim().is_empty() {
                return Err(Error::validation("REQUIRED", f));
            }
        }
        if undertaking.signed_on > self.clock.today() {
            return Err(Error::validation("DATE_IN_FUTURE", "signed_on").arg("date", undertaking.signed_on));
        }
        user.undertaking = Some(undertaking);
        let mut b = Batch::new();
        self.put_user(&mut b, &user)?;
        self.commit(
            b,
            Vec::new(),
            vec![AuditDraft::allowed(&actor.user.id, "user.undertaking", Some(user.id.clone()))],
        )?;
        if let Ok(mut c) = self.session_cache.write() {
            c.clear();
        }
        Ok(user.info(self.now()))
    }

    /// Registers a user (ACC-1). Needs `manage_users` over the user's territory.
    pub fn add_user(&self, session: &super::Session, user: NewUser) -> Result<UserInfo, Error> {
        let actor = self.actor(session)?;
        let target = Target { territory: &user.territory, organization: &user.agency_inn };
        if self.territory_exists(&user.territory) {
            self.authorize(&actor, Action::ManageUsers, Some(&target), "user.add", None)?;
        } else {
            self.authorize(&actor, Action::ManageUsers, None, "user.add", None)?;
        }
        self.insert_user(user, &actor.user.id, Some(&actor.user.id))
    }

    /// Lists users within the actor's `manage_users` scope.
    pub fn list_users(&self, session: &super::Session) -> Result<Vec<UserInfo>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::ManageUsers, None, "user.list", None)?;
        let mut out = Vec::new();
        for (k, _) in self.store.scan_prefix(Tree::Users, super::sessions::USER_PREFIX).map_err(Error::storage)? {
            let id = String::from_utf8_lossy(&k[2..]).to_string();
            if let Some(u) = self.load_user(&id)? {
                let t = Target { territory: &u.data.territory, organization: &u.data.agency_inn };
                let visible = crate::access::decide(
                    &self.profile,
                    &self.territories,
                    &actor.principal(),
                    Action::ManageUsers,
                    Some(&t),
                );
                if visible.is_ok() {
                    out.push(u.info(self.now()));
                }
            }
        }
        out.sort_by(|a, b| a.login.cmp(&b.login));
        self.audit(AuditDraft::allowed(&actor.user.id, "user.list", None).with_detail(format!("count={}", out.len())))?;
        Ok(out)
    }

    /// Revokes a user's access at once (ACC-2); their sessions stop working immediately.
    pub fn revoke_user(&self, session: &super::Session, user_id: &str, reason: &str) -> Result<UserInfo, Error> {
        let actor = self.actor(session)?;
        let Some(mut user) = self.load_user(user_id)? else {
            self.authorize(&actor, Action::ManageUsers, None, "user.revoke", Some(user_id.to_string()))?;
            let draft = AuditDraft {
                actor: Some(actor.user.id.clone()),
                action: "user.revoke".into(),
                target: Some(user_id.to_string()),
                outcome: crate::audit::Outcome::Failed { reason: "NOT_FOUND".into() },
                detail: None,
            };
            self.audit(draft)?;
            return Err(Error::new(ErrorCode::NotFound, "USER_NOT_FOUND").arg("id", user_id));
        };
        let t = Target { territory: &user.data.territory, organization: &user.data.agency_inn };
        self.authorize(&actor, Action::ManageUsers, Some(&t), "user.revoke", Some(user.id.clone()))?;
        if reason.trim().is_empty() {
            return Err(Error::validation("REQUIRED", "reason"));
        }
        if user.id == actor.user.id {
            return Err(Error::new(ErrorCode::Conflict, "CANNOT_REVOKE_SELF"));
        }
        user.revoked =
            Some(Revocation { at: self.now(), by: actor.user.id.clone(), reason: reason.trim().to_string() });
        let mut b = Batch::new();
        self.put_user(&mut b, &user)?;
        self.commit(b, Vec::new(), vec![AuditDraft::allowed(&actor.user.id, "user.revoke", Some(user.id.clone()))])?;
        Ok(user.info(self.now()))
    }

    /// Finds a user id by login (for administrators' tools).
    pub fn user_id_by_login(&self, session: &super::Session, login: &str) -> Result<Option<String>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::ManageUsers, None, "user.list", None)?;
        Ok(self
            .store
            .get(Tree::Users, &self.login_key(login))
            .map_err(Error::storage)?
            .map(|v| String::from_utf8_lossy(&v).to_string()))
    }
}
