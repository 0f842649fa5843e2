//! User accounts (ACC-1, ACC-2): registration data, terms, revocation, lockout, passwords.

use crate::access::DenyReason;
use crate::profile::Security;
use crate::territory::TerritoryCode;
use crate::{Error, ErrorCode};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What a new user gives the owner (001 §26): agency and INN, address and
/// territorial division, full name and PIN, position; plus role and term.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Login name (unique).
    pub login: String,
    /// Surname of the specialist.
    pub surname: String,
    /// Given name.
    pub given_name: String,
    /// Patronymic.
    #[serde(default)]
    pub patronymic: Option<String>,
    /// The specialist's PIN (needed for sign-in through the national identification system).
    #[serde(default)]
    pub pin: Option<String>,
    /// Position.
    pub position: String,
    /// The agency's name.
    pub agency: String,
    /// The agency's taxpayer number (INN), stored as given.
    pub agency_inn: String,
    /// The agency's address.
    pub address: String,
    /// The territorial division the user works in.
    pub territory: TerritoryCode,
    /// A role id of the profile.
    pub role: String,
    /// First day of access.
    pub valid_from: NaiveDate,
    /// Last day of access (the term of 001 §24).
    pub valid_until: NaiveDate,
    /// A password, unless the user signs in only through an external identity system.
    #[serde(default)]
    pub password: Option<String>,
    /// Whether the user may sign in as an externally authenticated principal.
    #[serde(default)]
    pub external_login: bool,
}

/// A revocation of access.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// When.
    pub at: DateTime<Utc>,
    /// By whom (user id).
    pub by: String,
    /// Why.
    pub reason: String,
}

/// A recorded non-disclosure undertaking (ACC-6, Omsk §21 and its forms): the signed paper
/// stays with the curator; the registry records that it exists before access starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Undertaking {
    /// The registration number or reference of the signed undertaking.
    pub reference: String,
    /// The day it was signed.
    pub signed_on: NaiveDate,
    /// Who keeps the paper (e.g. the curator of the district).
    pub kept_by: String,
}

/// A stored account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Stable id, `u-` and 12 hex digits.
    pub id: String,
    /// Registration data (the password field is always empty here).
    pub data: NewUser,
    /// Argon2id PHC string, when the user has a password.
    pub password_hash: Option<String>,
    /// Revocation, if any.
    pub revoked: Option<Revocation>,
    /// Failed logins in a row.
    pub failed_logins: u32,
    /// Locked until, after too many failures.
    pub locked_until: Option<DateTime<Utc>>,
    /// When registered.
    pub created_at: DateTime<Utc>,
    /// Registered by (user id; empty for the first administrator).
    pub created_by: String,
    /// The non-disclosure undertaking, once recorded (ACC-6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undertaking: Option<Undertaking>,
}

/// What listings show of a user (no hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// Id.
    pub id: String,
    /// Login.
    pub login: String,
    /// Full name.
    pub full_name: String,
    /// Role id.
    pub role: String,
    /// Territory.
    pub territory: TerritoryCode,
    /// Agency name.
    pub agency: String,
    /// Agency INN.
    pub agency_inn: String,
    /// Position.
    pub position: String,
    /// Term start.
    pub valid_from: NaiveDate,
    /// Term end.
    pub valid_until: NaiveDate,
    /// `active`, `expired`, `not_yet_valid`, `revoked`, `locked`.
    pub status: String,
    /// The recorded non-disclosure undertaking (ACC-6), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undertaking: Option<Undertaking>,
}

impl User {
    /// Whether the account may act now; the refusal reason otherwise.
    pub fn status_at(&self, now: DateTime<Utc>) -> Result<(), DenyReason> {
        if self.revoked.is_some() {
            return Err(DenyReason::AccountRevoked);
        }
        let today = now.date_naive();
        if today > self.data.valid_until {
            return Err(DenyReason::AccountExpired);
        }
        if today < self.data.valid_from {
            return Err(DenyReason::AccountNotYetValid);
        }
        if matches!(self.locked_until, Some(t) if t > now) {
            return Err(DenyReason::AccountLocked);
        }
        Ok(())
    }

    /// The listing view.
    pub fn info(&self, now: DateTime<Utc>) -> UserInfo {
        let status = match self.status_at(now) {
            Ok(()) => "active",
            Err(DenyReason::AccountRevoked) => "revoked",
            Err(DenyReason::AccountExpired) => "expired",
            Err(DenyReason::AccountNotYetValid) => "not_yet_valid",
            Err(DenyReason::AccountLocked) => "locked",
            Err(_) => "unknown",
        };
        let d = &self.data;
        let mut full_name = format!("{} {}", d.surname, d.given_name);
        if let Some(p) = &d.patronymic {
            full_name.push(' ');
            full_name.push_str(p);
        }
        UserInfo {
            id: self.id.clone(),
            login: d.login.clone(),
            full_name,
            role: d.role.clone(),
            territory: d.territory.clone(),
            agency: d.agency.clone(),
            agency_inn: d.agency_inn.clone(),
            position: d.position.clone(),
            valid_from: d.valid_from,
            valid_until: d.valid_until,
            status: status.to_string(),
            undertaking: self.undertaking.clone(),
        }
    }
}

fn argon(sec: &Security) -> Result<argon2::Argon2<'static>, Error> {
    let params = argon2::Params::new(sec.argon2_memory_kib, sec.argon2_iterations, 1, None)
        .map_err(|e| Error::new(ErrorCode::Profile, "PROFILE_SCOPE").with_field("security").arg("detail", e))?;
    Ok(argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params))
}

/// Hashes a password with Argon2id (parameters from the profile, salt from `rng`).
pub fn hash_password(
    password: &str,
    sec: &Security,
    rng: &mut (impl rand_core::RngCore + rand_core::CryptoRng),
) -> Result<String, Error> {
    if password.chars().count() < sec.password_min_length {
        return Err(Error::validation("PASSWORD_TOO_SHORT", "password").arg("min", sec.password_min_length));
    }
    let salt = SaltString::generate(rng);
    argon(sec)?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::new(ErrorCode::Crypto, "HASH_FAILED").arg("detail", e))
}

/// Spends the time of one verification with the profile's parameters (for unknown
/// logins, so timing does not tell them from wrong passwords).
pub fn burn(password: &str, sec: &Security) {
    if let Ok(a) = argon(sec) {
        let salt = [0u8; 16];
        let mut out = [0u8; 32];
        let _ = a.hash_password_into(password.as_bytes(), &salt, &mut out);
    }
}

/// Checks a password against a stored hash (its own parameters are used).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}
