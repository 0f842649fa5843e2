//! Links: enrolling a device or an uploading registry, revoking it, listing links, and the
//! acknowledged positions.

use super::*;

impl Registry {
    pub(super) fn load_link(&self, id: &str) -> Result<Option<StoredLink>, Error> {
        let Some(sealed) = self.store.get(Tree::Users, &link_key(id)).map_err(st)? else { return Ok(None) };
        let mut link: StoredLink = open_json(&self.keys.users, &link_key(id), &sealed)?;
        link.info.acknowledged = self.acknowledged(id)?;
        Ok(Some(link))
    }

    pub(super) fn put_link(&self, batch: &mut Batch, link: &StoredLink) -> Result<(), Error> {
        let k = link_key(&link.info.id);
        batch.put(Tree::Users, k.clone(), seal_json(self, &self.keys.users, &k, link)?);
        Ok(())
    }

    pub(super) fn acknowledged(&self, id: &str) -> Result<u64, Error> {
        Ok(self
            .store
            .get(Tree::Meta, &ack_key(id))
            .map_err(st)?
            .and_then(|v| v.try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0))
    }

    pub(super) fn user_by_login(&self, login: &str) -> Result<Option<User>, Error> {
        match self.store.get(Tree::Users, &self.login_key(login)).map_err(st)? {
            Some(id) => self.load_user(&String::from_utf8_lossy(&id)),
            None => Ok(None),
        }
    }

    /// Enrols a device or an uploading registry (`manage_users` over its territory) and
    /// returns what the sender needs: the link id, the transport key and this registry's identity.
    pub fn enrol_link(&self, session: &Session, link: NewLink) -> Result<Enrolment, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::ManageUsers, None, "sync.enrol", None)?;
        let public = sync::parse_public(&link.public_key)?;
        let (user, territory) = match link.kind {
            LinkKind::Device => {
                let login = link.login.as_deref().ok_or_else(|| Error::validation("REQUIRED", "login"))?;
                let user = self
                    .user_by_login(login)?
                    .ok_or_else(|| Error::new(ErrorCode::NotFound, "USER_NOT_FOUND").with_field("login"))?;
                let territory = user.data.territory.clone();
                (Some(user), territory)
            }
            LinkKind::Registry => {
                let t = link.territory.clone().ok_or_else(|| Error::validation("REQUIRED", "territory"))?;
                if !self.territory_exists(&t) {
                    return Err(Error::validation("UNKNOWN_TERRITORY", "territory").arg("code", &t));
                }
                (None, t)
            }
        };
        let target = Target { territory: &territory, organization: &actor.user.data.agency_inn };
        self.authorize(&actor, Action::ManageUsers, Some(&target), "sync.enrol", None)?;
        let prefix = if link.kind == LinkKind::Device { "d" } else { "l" };
        let id = format!("{prefix}-{}", hex::encode(self.random::<6>()?));
        let transport = Key::from_bytes(self.random::<32>()?);
        let stored = StoredLink {
            info: LinkInfo {
                id: id.clone(),
                kind: link.kind,
                origin: (link.kind == LinkKind::Device).then(|| id.clone()),
                user: user.map(|u| u.id),
                territory,
                public_key: hex::encode(public),
                valid_until: link.valid_until,
                revoked: None,
                enrolled_at: self.now(),
                acknowledged: 0,
            },
            transport: transport.to_hex(),
        };
        let mut b = Batch::new();
        self.put_link(&mut b, &stored)?;
        let draft = AuditDraft::allowed(&actor.user.id, "sync.enrol", Some(id.clone()))
            .with_detail(format!("kind={:?} until={}", link.kind, link.valid_until));
        self.commit(b, Vec::new(), vec![draft])?;
        Ok(Enrolment {
            link: id,
            transport: transport.to_hex(),
            peer_origin: self.origin.clone(),
            peer_public: self.sync_public_key(),
        })
    }

    /// Revokes a link: its bundles are refused from now on (audited).
    pub fn revoke_link(&self, session: &Session, id: &str, reason: &str) -> Result<LinkInfo, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::ManageUsers, None, "sync.revoke", Some(id.to_string()))?;
        let Some(mut link) = self.load_link(id)? else {
            return Err(Error::new(ErrorCode::NotFound, "LINK_UNKNOWN").arg("id", id));
        };
        link.info.revoked = Some(Revocation { at: self.now(), by: actor.user.id.clone(), reason: reason.to_string() });
        let mut b = Batch::new();
        self.put_link(&mut b, &link)?;
        self.commit(b, Vec::new(), vec![AuditDraft::allowed(&actor.user.id, "sync.revoke", Some(id.to_string()))])?;
        Ok(link.info)
    }

    /// Enrolled links.
    pub fn links(&self, session: &Session) -> Result<Vec<LinkInfo>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::ManageUsers, None, "sync.links", None)?;
        let mut out = Vec::new();
        for (k, _) in self.store.scan_prefix(Tree::Users, LINK_PREFIX).map_err(st)? {
            let id = String::from_utf8_lossy(&k[LINK_PREFIX.len()..]).to_string();
            if let Some(l) = self.load_link(&id)? {
                out.push(l.info);
            }
        }
        self.audit(AuditDraft::allowed(&actor.user.id, "sync.links", None))?;
        Ok(out)
    }

    // ---- merge state ----

    pub(super) fn usable_link(&self, actor: &Actor, id: &str, op: &str) -> Result<StoredLink, Error> {
        let Some(link) = self.load_link(id)? else {
            return Err(self.refuse_sync(
                Some(actor),
                op,
                Some(id),
                Error::new(ErrorCode::AccessDenied, "LINK_UNKNOWN"),
            ));
        };
        if link.info.revoked.is_some() {
            return Err(self.refuse_sync(
                Some(actor),
                op,
                Some(id),
                Error::new(ErrorCode::AccessDenied, "LINK_REVOKED"),
            ));
        }
        Ok(link)
    }
}
