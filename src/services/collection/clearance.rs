//! Signed clearances for allowed contacts (HS256 over the deployment's `app_secret` key):
//! minted for `permittedActions`, judged against a recorded contact. A clearance that does
//! not cover a contact is reported, never a reason to refuse it.

use chrono::{DateTime, Utc};
use entity::app_secret;
use entity::enums::CollectionAction;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::services::reference;

const CLEARANCE_SECRET: &str = "clearance";

/// What became of the clearance a recorded contact quoted. The contact is stored whatever
/// the outcome (a contact that happened is stored); only ACCEPTED stores it CLEARED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ClearanceOutcome {
    /// A clearance of this API for this caller, loan and action, valid when the contact
    /// happened: the contact is stored CLEARED.
    Accepted,
    /// No clearance was quoted: the contact is stored UNCLEARED, without a warning.
    Missing,
    /// The text is not a clearance this deployment issued (unreadable, or its signature
    /// does not verify): stored UNCLEARED, with a warning.
    Malformed,
    /// A clearance issued for another caller (agency or user), loan or action:
    /// `warnings[].params.differs` lists which (`holder`, `loan`, `action`). Stored
    /// UNCLEARED, with a warning.
    Foreign,
    /// The contact happened after the clearance expired (`warnings[].params.expiredAt`,
    /// UTC): stored UNCLEARED, with a warning. Ask `permittedActions` again before acting.
    Expired,
    /// The contact happened more than a minute before the clearance was issued
    /// (`warnings[].params.issuedAt`, UTC): stored UNCLEARED, with a warning.
    IssuedAfterContact,
}

/// A clearance judged against the contact it was quoted for.
#[derive(Debug, Clone, PartialEq)]
pub struct ClearanceCheck {
    pub outcome: ClearanceOutcome,
    /// Machine-readable particulars for the warning (`differs`, `expiredAt`, `issuedAt`).
    pub params: serde_json::Map<String, serde_json::Value>,
}

/// A non-blocking remark on a mutation that succeeded: the record was stored, and here is
/// what the caller may want to act on.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// Path to the input field it is about, e.g. `["input", "clearance"]`.
    pub field: Vec<String>,
    pub code: WarningCode,
    /// Rendered in the reader's language by the GraphQL layer.
    pub message: crate::i18n::Msg,
    pub params: serde_json::Map<String, serde_json::Value>,
}

/// What a warning is about, for a program to switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum WarningCode {
    /// The quoted clearance had expired when the contact happened (`params.expiredAt`).
    ClearanceExpired,
    /// The quoted clearance was issued after the contact happened (`params.issuedAt`).
    ClearanceIssuedAfterContact,
    /// The quoted clearance is for another caller, loan or action (`params.differs`).
    ClearanceForeign,
    /// The quoted text is not a clearance of this deployment.
    ClearanceMalformed,
}

impl ClearanceCheck {
    pub(super) fn of(outcome: ClearanceOutcome) -> Self {
        Self { outcome, params: Default::default() }
    }

    /// The warning the outcome gives: none when accepted or when none was quoted.
    pub fn warning(&self) -> Option<Warning> {
        use crate::i18n::MsgId;
        let (code, message) = match self.outcome {
            ClearanceOutcome::Accepted | ClearanceOutcome::Missing => return None,
            ClearanceOutcome::Malformed => (WarningCode::ClearanceMalformed, MsgId::WarningClearanceMalformed),
            ClearanceOutcome::Foreign => (WarningCode::ClearanceForeign, MsgId::WarningClearanceForeign),
            ClearanceOutcome::Expired => (WarningCode::ClearanceExpired, MsgId::WarningClearanceExpired),
            ClearanceOutcome::IssuedAfterContact => {
                (WarningCode::ClearanceIssuedAfterContact, MsgId::WarningClearanceIssuedAfterContact)
            }
        };
        Some(Warning {
            field: vec!["input".to_owned(), "clearance".to_owned()],
            code,
            message: crate::i18n::Msg::new(message),
            params: self.params.clone(),
        })
    }
}

/// The deployment's clearance key, created on first use and shared by every instance.
pub(super) async fn clearance_key<C: ConnectionTrait>(cache: &reference::Cache, db: &C) -> ServiceResult<Vec<u8>> {
    if let Some(key) = cache.secret(CLEARANCE_SECRET) {
        return Ok(key);
    }
    let key = read_or_create_clearance_key(db).await?;
    cache.keep_secret(CLEARANCE_SECRET, &key);
    Ok(key)
}

async fn read_or_create_clearance_key<C: ConnectionTrait>(db: &C) -> ServiceResult<Vec<u8>> {
    use rand::RngCore;
    // Read first: permittedActions is a read path and must not take the write lock.
    if let Some(stored) = app_secret::Entity::find_by_id(CLEARANCE_SECRET.to_owned()).one(db).await? {
        return hex::decode(stored.value).map_err(|e| ServiceError::Internal(e.into()));
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let row = app_secret::ActiveModel { name: Set(CLEARANCE_SECRET.to_owned()), value: Set(hex::encode(bytes)) };
    app_secret::Entity::insert(row)
        .on_conflict(OnConflict::column(app_secret::Column::Name).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    let stored = app_secret::Entity::find_by_id(CLEARANCE_SECRET.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("clearance key missing")))?;
    hex::decode(stored.value).map_err(|e| ServiceError::Internal(e.into()))
}

#[derive(Debug, Serialize, Deserialize)]
struct ClearanceClaims {
    sub: String,
    loan: Uuid,
    action: CollectionAction,
    iat: i64,
    exp: i64,
}

/// Mints one caller's clearances: the key and the holder prepared once for a whole page of
/// verdicts.
pub(super) struct Minter {
    key: EncodingKey,
    header: Header,
    holder: String,
}

impl Minter {
    pub(super) fn new(key: &[u8], p: &Principal) -> Self {
        Self { key: EncodingKey::from_secret(key), header: Header::new(Algorithm::HS256), holder: p.key() }
    }

    /// A clearance for `action` on `loan`, valid from `at` until `expires_at`.
    pub(super) fn mint(
        &self,
        loan: Uuid,
        action: CollectionAction,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> ServiceResult<String> {
        let claims = ClearanceClaims {
            sub: self.holder.clone(),
            loan,
            action,
            iat: at.timestamp(),
            exp: expires_at.timestamp(),
        };
        jsonwebtoken::encode(&self.header, &claims, &self.key).map_err(|e| ServiceError::Internal(e.into()))
    }
}

/// Whether a clearance covers this contact: signed by us, for this principal, loan and
/// action, and the contact happened while it was valid (from a minute before its issue,
/// for clocks that differ, to its expiry). Judged on the contact's `occurredAt`, so a
/// retry of the same contact gets the same answer.
pub(super) fn judge_clearance(
    key: &[u8],
    token: Option<&str>,
    p: &Principal,
    loan: Uuid,
    action: CollectionAction,
    occurred_at: DateTime<Utc>,
) -> ClearanceCheck {
    let Some(token) = token else { return ClearanceCheck::of(ClearanceOutcome::Missing) };
    let mut v = Validation::new(Algorithm::HS256);
    v.validate_exp = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let Ok(data) = jsonwebtoken::decode::<ClearanceClaims>(token, &DecodingKey::from_secret(key), &v) else {
        return ClearanceCheck::of(ClearanceOutcome::Malformed);
    };
    let c = data.claims;
    let differs: Vec<&str> = [("holder", c.sub == p.key()), ("loan", c.loan == loan), ("action", c.action == action)]
        .into_iter()
        .filter_map(|(what, same)| (!same).then_some(what))
        .collect();
    // The instant a warning quotes (`expiredAt`, `issuedAt`), UTC to the second.
    let with_instant = |outcome, key: &str, t: i64| {
        let mut check = ClearanceCheck::of(outcome);
        if let Some(t) = DateTime::<Utc>::from_timestamp(t, 0) {
            check.params.insert(key.to_owned(), json!(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
        }
        check
    };
    if !differs.is_empty() {
        let mut check = ClearanceCheck::of(ClearanceOutcome::Foreign);
        check.params.insert("differs".to_owned(), json!(differs));
        check
    } else if occurred_at.timestamp() > c.exp {
        with_instant(ClearanceOutcome::Expired, "expiredAt", c.exp)
    } else if occurred_at.timestamp() < c.iat - 60 {
        with_instant(ClearanceOutcome::IssuedAfterContact, "issuedAt", c.iat)
    } else {
        ClearanceCheck::of(ClearanceOutcome::Accepted)
    }
}
