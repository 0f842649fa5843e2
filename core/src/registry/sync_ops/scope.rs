//! The scope download: a device's initial copy of its worker's scope, and the device registry
//! created from it.

use super::*;

impl Registry {
    pub(super) fn device_principal<'a>(user: &'a User) -> Principal<'a> {
        Principal { role: &user.data.role, territory: &user.data.territory, organization: &user.data.agency_inn }
    }

    /// Children in a user's read scope (territory order).
    pub(super) fn scope_children(&self, user: &User) -> Result<Vec<SubjectId>, Error> {
        let who = Self::device_principal(user);
        let mut out = Vec::new();
        for code in self.territories.subtree(&user.data.territory) {
            for (k, _) in self.store.scan_prefix(Tree::Index, &index::territory_prefix(&code)).map_err(st)? {
                let Some(id) = trailing_id(&k) else { continue };
                let Some((h, _)) = self.state_header(&id)? else { continue };
                if h.kind == SubjectKind::Child
                    && access::decide(&self.profile, &self.territories, &who, Action::Read, Some(&Self::target_of(&h)))
                        .is_ok()
                {
                    out.push(id);
                }
            }
        }
        Ok(out)
    }

    /// The records in a user's read scope: the children, then their cases, then their families
    /// (a case's data key is its child's). Returns the children and all ids.
    pub(super) fn scope_ids(&self, user: &User) -> Result<(Vec<SubjectId>, Vec<SubjectId>), Error> {
        let children = self.scope_children(user)?;
        let mut ids = children.clone();
        let mut families = std::collections::BTreeSet::new();
        for id in &children {
            let mut prefix = vec![index::CHILD_CASE];
            prefix.extend_from_slice(&id.0);
            for (k, _) in self.store.scan_prefix(Tree::Index, &prefix).map_err(st)? {
                ids.extend(trailing_id(&k));
            }
            if let Some((_, bytes)) = self.state_header(id)? {
                let Ok(key) = self.subject_key(id) else { continue };
                if let (_, StateBody::Child { family: Some(f), .. }) = self.open_state(id, &bytes, &key)? {
                    families.insert(f);
                }
            }
        }
        ids.extend(families);
        Ok((children, ids))
    }

    /// A record as a scope download carries it: state (without the statistical link), data key
    /// and merge state.
    pub(super) fn snapshot(&self, id: &SubjectId, catch: &mut Batch) -> Result<Option<ScopeSubject>, Error> {
        let Some((_, bytes)) = self.state_header(id)? else { return Ok(None) };
        let Ok(key) = self.subject_key(id) else { return Ok(None) };
        let (header, body) = self.open_state(id, &bytes, &key)?;
        let mut meta =
            if header.kind == SubjectKind::Case { SyncMeta::default() } else { self.catch_up(id, &key, catch)? };
        meta.upto = 0;
        let body = match body {
            StateBody::Child { record, family, .. } => StateBody::Child { record, family, stat: None },
            StateBody::Family { record, .. } => StateBody::Family { record, stat: None },
            other => other,
        };
        Ok(Some(ScopeSubject { id: *id, header, body, key: key.to_hex(), meta }))
    }

    /// The initial download of a device: the children in its worker's read scope, with their
    /// data keys and merge state, sealed for the link and signed by this registry.
    pub fn export_scope(&self, session: &Session, link_id: &str) -> Result<Vec<u8>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::ManageUsers, None, "sync.scope", Some(link_id.to_string()))?;
        let link = self.usable_link(&actor, link_id, "sync.scope")?;
        let user_id = link.info.user.clone().ok_or_else(|| Error::new(ErrorCode::Validation, "LINK_NOT_A_DEVICE"))?;
        let mut user = self.load_user(&user_id)?.ok_or_else(|| Error::new(ErrorCode::NotFound, "USER_NOT_FOUND"))?;
        user.data.valid_until = user.data.valid_until.min(link.info.valid_until);
        user.failed_logins = 0;
        user.locked_until = None;
        let mut catch = Batch::new();
        let (children, ids) = self.scope_ids(&user)?;
        let mut subjects = Vec::new();
        for id in ids {
            subjects.extend(self.snapshot(&id, &mut catch)?);
            // What the device holds: later downstream bundles send changes of these, and
            // erasure notices when they are erased or leave the scope.
            catch.put(Tree::Index, downstream::sent_key(link_id, &id), Vec::new());
        }
        if !catch.is_empty() {
            self.store.apply(catch).map_err(st)?;
        }
        let classifiers = self
            .store
            .scan_prefix(Tree::Meta, b"classifier/")
            .map_err(st)?
            .into_iter()
            .map(|(k, v)| (hex::encode(k), hex::encode(v)))
            .collect();
        let profile = self
            .store
            .get(Tree::Meta, b"profile")
            .map_err(st)?
            .map(|p| String::from_utf8_lossy(&p).to_string())
            .unwrap_or_default();
        let count = children.len();
        let body = ScopeBody { profile, classifiers, user, centre_origin: self.origin.clone(), subjects };
        let header = BundleHeader {
            link: link_id.to_string(),
            sender_origin: self.origin.clone(),
            receiver_origin: link.info.origin.clone().unwrap_or_default(),
            from: 0,
            to: 0,
            base: self.lock()?.counters.next_fact,
            count: count as u32,
            created_ms: self.now().timestamp_millis(),
        };
        let plain = serde_json::to_vec(&body).map_err(st)?;
        let transport = Key::parse(link.transport.as_bytes()).map_err(|_| Error::storage("link key"))?;
        let bytes = {
            let mut inner = self.lock()?;
            sync::encode(BundleKind::Scope, &header, &plain, &transport, &self.sync_signer(), &mut inner.rng)?
        };
        self.audit(
            AuditDraft::allowed(&actor.user.id, "sync.scope", Some(link_id.to_string()))
                .with_detail(format!("children={count}")),
        )?;
        Ok(bytes)
    }

    /// Writes a record received whole (scope download, or newly in scope downstream) into a batch.
    pub(super) fn install_snapshot(&self, b: &mut Batch, s: ScopeSubject) -> Result<(), Error> {
        let key = Key::parse(s.key.as_bytes()).map_err(|_| sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED"))?;
        self.wrap_key(b, &s.id, &key)?;
        self.put_state(b, &s.id, &s.header, &s.body, &key)?;
        match &s.body {
            StateBody::Child { record, family, .. } => {
                for k in self.child_index_keys(&s.id, record) {
                    b.put(Tree::Index, k, Vec::new());
                }
                if let Some(f) = family {
                    b.put(Tree::Index, index::family_child(f, &s.id), Vec::new());
                }
            }
            StateBody::Case { record } => {
                b.put(Tree::Index, index::child_case(&record.child, &s.id), Vec::new());
                self.reindex_due(b, &s.id, &s.header.territory, None, record)?;
            }
            StateBody::Family { .. } => {}
        }
        if s.header.kind != SubjectKind::Case {
            self.put_meta(b, &s.id, &key, &s.meta)?;
        }
        Ok(())
    }

    /// Creates a device registry from its scope download, in an empty store, under the
    /// device's own master key. The device's origin is its link id; its only account is the
    /// field worker's (same password; the term ends with the link's).
    pub fn create_device(
        store: Arc<dyn Store>,
        master: &Key,
        env: Env,
        secret: &LinkSecret,
        scope: &[u8],
    ) -> Result<Registry, Error> {
        if store.get(Tree::Meta, b"format").map_err(st)?.is_some() {
            return Err(Error::new(ErrorCode::Conflict, "REGISTRY_EXISTS"));
        }
        let frame = sync::frame(scope)?;
        if frame.kind != BundleKind::Scope {
            return Err(sync::refused(ErrorCode::Validation, "BUNDLE_KIND"));
        }
        if frame.header.link != secret.link || frame.header.sender_origin != secret.peer_origin {
            return Err(sync::refused(ErrorCode::Validation, "BUNDLE_WRONG_RECEIVER"));
        }
        let plain = frame.open(&secret.peer_key()?, &secret.transport_key()?)?;
        let body: ScopeBody =
            serde_json::from_slice(&plain).map_err(|_| sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED"))?;
        let profile = Profile::from_toml(&body.profile)?;
        let Env { clock, mut rng } = env;
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        let keys = KeySet::derive(master, &salt);
        let mut b = Batch::new();
        let values: [Vec<u8>; 5] = [
            vec![crate::registry::STORE_FORMAT],
            salt.to_vec(),
            keys.check.to_vec(),
            secret.origin.as_bytes().to_vec(),
            body.profile.as_bytes().to_vec(),
        ];
        for (k, v) in META_KEYS.iter().zip(values) {
            b.put(Tree::Meta, k.to_vec(), v);
        }
        for (k, v) in &body.classifiers {
            let (k, v) = (hex::decode(k), hex::decode(v));
            if let (Ok(k), Ok(v)) = (k, v) {
                b.put(Tree::Meta, k, v);
            }
        }
        b.put(Tree::Meta, META_SCOPE.to_vec(), frame.header.base.to_be_bytes().to_vec());
        store.apply(b).map_err(st)?;
        let mut territories = profile.territories()?;
        crate::registry::classifier::replay(store.as_ref(), &mut territories)?;
        let calendar = crate::registry::profile_calendar(&profile)?;
        let ring = keyring::create(store.as_ref(), &keys.kek, &mut rng)?;
        let reg = Registry {
            store,
            profile,
            territories,
            calendar,
            keys,
            clock,
            origin: secret.origin.clone(),
            inner: Mutex::new(Inner { rng, counters: Counters { next_fact: 0, next_audit: 0, head: audit::GENESIS } }),
            keyring: std::sync::RwLock::new(ring),
            session_cache: Default::default(),
            anchor_frozen: false,
        };
        let mut b = Batch::new();
        let user = body.user;
        reg.put_user(&mut b, &user)?;
        b.put(Tree::Users, reg.login_key(&user.data.login), user.id.as_bytes().to_vec());
        if let Some(pin) = &user.data.pin {
            b.put(Tree::Users, reg.user_pin_key(pin), user.id.as_bytes().to_vec());
        }
        let count = body.subjects.iter().filter(|s| s.header.kind == SubjectKind::Child).count();
        for s in body.subjects {
            reg.install_snapshot(&mut b, s)?;
        }
        let draft = AuditDraft {
            actor: None,
            action: "sync.scope_applied".into(),
            target: Some(secret.link.clone()),
            outcome: Outcome::Allowed,
            detail: Some(format!("children={count} centre={} user={}", body.centre_origin, user.id)),
        };
        reg.commit(b, Vec::new(), vec![draft])?;
        reg.store.flush().map_err(st)?;
        Ok(reg)
    }
}
