//! Access decisions (ACC-3, ACC-4): a pure function of the profile, the actor and the target.

use crate::profile::{Action, OrgScope, Profile, TerritoryScope};
use crate::territory::{Territories, TerritoryCode};
use serde::{Deserialize, Serialize};

/// Why access was refused. The UI can act on it; the audit log records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DenyReason {
    /// The role has no grant for the action at all.
    NoPermission,
    /// The role may read but not change.
    ReadOnly,
    /// The role sees depersonalized statistics only.
    PersonalDataNotAllowed,
    /// The record lies outside the actor's territory.
    NotInTerritory,
    /// The record belongs to another organization.
    OtherOrganization,
    /// The account's term is over.
    AccountExpired,
    /// The account was revoked.
    AccountRevoked,
    /// The account is locked after failed logins.
    AccountLocked,
    /// The account's term has not started.
    AccountNotYetValid,
    /// The role named by the account no longer exists in the profile.
    UnknownRole,
    /// The role's grant does not reach this part of the record (ACC-5, agency competence).
    OutsideCompetence,
    /// The user's non-disclosure undertaking is not recorded yet (ACC-6).
    UndertakingMissing,
}

impl DenyReason {
    /// The stable code, e.g. `NOT_IN_TERRITORY`.
    pub fn code(self) -> &'static str {
        match self {
            DenyReason::NoPermission => "NO_PERMISSION",
            DenyReason::ReadOnly => "READ_ONLY",
            DenyReason::PersonalDataNotAllowed => "PERSONAL_DATA_NOT_ALLOWED",
            DenyReason::NotInTerritory => "NOT_IN_TERRITORY",
            DenyReason::OtherOrganization => "OTHER_ORGANIZATION",
            DenyReason::AccountExpired => "ACCOUNT_EXPIRED",
            DenyReason::AccountRevoked => "ACCOUNT_REVOKED",
            DenyReason::AccountLocked => "ACCOUNT_LOCKED",
            DenyReason::AccountNotYetValid => "ACCOUNT_NOT_YET_VALID",
            DenyReason::UnknownRole => "UNKNOWN_ROLE",
            DenyReason::OutsideCompetence => "OUTSIDE_COMPETENCE",
            DenyReason::UndertakingMissing => "UNDERTAKING_MISSING",
        }
    }
}

/// Who acts, as far as access is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal<'a> {
    /// The role id.
    pub role: &'a str,
    /// The territory the user is attached to.
    pub territory: &'a TerritoryCode,
    /// The user's organization (its INN).
    pub organization: &'a str,
}

/// What is acted on: where a record lives and which organization registered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target<'a> {
    /// The record's territory (place of identification, or the family's territory).
    pub territory: &'a TerritoryCode,
    /// The organization that registered the record.
    pub organization: &'a str,
}

/// Decides whether a principal may do an action on a target (or in general, for `None`).
pub fn decide(
    profile: &Profile,
    territories: &Territories,
    who: &Principal<'_>,
    action: Action,
    target: Option<&Target<'_>>,
) -> Result<(), DenyReason> {
    let role = profile.role(who.role).ok_or(DenyReason::UnknownRole)?;
    let Some(grant) = role.grant(action) else {
        return Err(match action {
            Action::Write | Action::Delete if role.grant(Action::Read).is_some() => DenyReason::ReadOnly,
            Action::Read if role.grant(Action::ReadStatistics).is_some() => DenyReason::PersonalDataNotAllowed,
            _ => DenyReason::NoPermission,
        });
    };
    let Some(target) = target else { return Ok(()) };
    if grant.territory == TerritoryScope::Subtree && !territories.is_within(target.territory, who.territory) {
        return Err(DenyReason::NotInTerritory);
    }
    if grant.organization == OrgScope::Own && target.organization != who.organization {
        return Err(DenyReason::OtherOrganization);
    }
    Ok(())
}
