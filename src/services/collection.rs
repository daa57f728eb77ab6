//! Collection: handing loans to agencies (R17.2, R18), `permittedActions` (one load of
//! facts, then the pure `rules::collection::verdict`), signed clearances for allowed
//! contacts, the contact log (X1–X7: every contact is stored, with the rules it broke, and
//! a breach raises an escalation), and the borrower's own contact details (X7).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::enums::{
    AppealStatus, ClaimAssignee, CollectionAction, ContactChannel, ContactClearance, ContactOutcome, ContactParty,
    DeferralStatus, EscalationKind, Language, Misrepresentation, OrgKind, Role, ThirdPartyPurpose,
};
use entity::{
    app_secret, borrower, collection_assignment, contact_detail_change, contact_event, loan, military_deferral,
    organization, regulator_appeal as appeal, restructuring_application as application,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    FromQueryResult, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::write::{Actor, Begun, EscalationDraft, Subject, Submission, Write};
use super::{Ctx, loans, reference, restructuring, scope};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError};
use crate::ids::{ContactId, LoanId, OrgId};
use crate::rules::calendar::Calendar;
use crate::rules::collection::{self as rules, ContactFact, Facts, Verdict};
use crate::rules::policy::PolicyVersion;

const CLEARANCE_SECRET: &str = "clearance";

/// What `permittedActions` answers per action.
#[derive(Debug, Clone)]
pub struct VerdictView {
    pub verdict: Verdict,
    /// Why, as messages: the GraphQL layer renders them in the reader's language.
    pub reasons: Vec<crate::i18n::Msg>,
    /// The borrower's language, for the text addressed to the borrower.
    pub borrower_language: crate::i18n::Lang,
    pub clearance: Option<String>,
    /// Until when the clearance covers a contact (UTC): issue + the policy's
    /// `contact.clearance_minutes`.
    pub clearance_expires_at: Option<DateTime<Utc>>,
}

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
    fn of(outcome: ClearanceOutcome) -> Self {
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

/// A recorded contact and what became of the clearance it quoted.
#[derive(Debug, Clone)]
pub struct RecordedContact {
    pub contact: contact_event::Model,
    pub clearance: ClearanceCheck,
}

/// Everything the verdicts need about one loan, read in one round.
pub struct Loaded {
    pub loan: loan::Model,
    pub language: Language,
    pub facts: Facts,
    pub calendar: Calendar,
    pub policy: PolicyVersion,
}

/// What a loan's facts need beyond its own row, read in the same statement as the row
/// (scalar subqueries), because `permittedActions` runs before every step a collector
/// takes (four statements at most per call).
#[derive(Debug, FromQueryResult)]
struct Situation {
    /// The borrower's language, for the reasons.
    s_language: Language,
    /// R1/R18: an agency works the loan now.
    s_at_agency: bool,
    /// R9: a restructuring application is under review.
    s_under_review: bool,
    /// R16: the latest end of a home-protection window of an appeal under review.
    s_home_protected_until: Option<NaiveDate>,
    /// M: the latest military deferral that applies.
    s_deferral_status: Option<DeferralStatus>,
    s_deferral_service_start: Option<NaiveDate>,
    s_deferral_protected_until: Option<NaiveDate>,
}

#[derive(Debug, FromQueryResult)]
struct LoanInSituation {
    #[sea_orm(nested)]
    loan: loan::Model,
    #[sea_orm(nested)]
    situation: Situation,
}

/// Adds `Situation`'s columns to a select of loans.
fn with_situation(q: sea_orm::Select<loan::Entity>) -> sea_orm::Select<loan::Entity> {
    use sea_orm::sea_query::{Query, SelectStatement};
    let of_loan = |col: sea_orm::sea_query::Expr| col.equals((loan::Entity, loan::Column::Id));
    let scalar = |sel: SelectStatement| Expr::SubQuery(None, Box::new(sel.into()));
    let latest_deferral = |col: military_deferral::Column| {
        scalar(
            Query::select()
                .column((military_deferral::Entity, col))
                .from(military_deferral::Entity)
                .and_where(of_loan(Expr::col((military_deferral::Entity, military_deferral::Column::LoanId))))
                .and_where(
                    Expr::col((military_deferral::Entity, military_deferral::Column::Status))
                        .ne(DeferralStatus::NotApplicable.into_value()),
                )
                .order_by((military_deferral::Entity, military_deferral::Column::CreatedAt), sea_orm::Order::Desc)
                .limit(1)
                .to_owned(),
        )
    };
    q.column_as(
        scalar(
            Query::select()
                .column((borrower::Entity, borrower::Column::Language))
                .from(borrower::Entity)
                .and_where(
                    Expr::col((borrower::Entity, borrower::Column::Id))
                        .equals((loan::Entity, loan::Column::BorrowerId)),
                )
                .to_owned(),
        ),
        "s_language",
    )
    .column_as(
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(collection_assignment::Entity)
                .and_where(of_loan(Expr::col((collection_assignment::Entity, collection_assignment::Column::LoanId))))
                .and_where(Expr::col((collection_assignment::Entity, collection_assignment::Column::EndedAt)).is_null())
                .to_owned(),
        ),
        "s_at_agency",
    )
    .column_as(
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(application::Entity)
                .and_where(of_loan(Expr::col((application::Entity, application::Column::LoanId))))
                .and_where(
                    Expr::col((application::Entity, application::Column::Status))
                        .is_in(restructuring::UNDER_REVIEW.map(|s| s.into_value())),
                )
                .to_owned(),
        ),
        "s_under_review",
    )
    .column_as(
        scalar(
            Query::select()
                .expr(Expr::col((appeal::Entity, appeal::Column::HomeProtectedUntil)).max())
                .from(appeal::Entity)
                .and_where(of_loan(Expr::col((appeal::Entity, appeal::Column::LoanId))))
                .and_where(
                    Expr::col((appeal::Entity, appeal::Column::Status)).eq(AppealStatus::UnderReview.into_value()),
                )
                .to_owned(),
        ),
        "s_home_protected_until",
    )
    .column_as(latest_deferral(military_deferral::Column::Status), "s_deferral_status")
    .column_as(latest_deferral(military_deferral::Column::ServiceStart), "s_deferral_service_start")
    .column_as(latest_deferral(military_deferral::Column::ProtectedUntil), "s_deferral_protected_until")
}

/// Loads the facts of a loan at `at` (contacts before `at` in its local week).
pub async fn load_facts<C: ConnectionTrait>(
    cache: &reference::Cache,
    db: &C,
    l: loan::Model,
    at: DateTime<Utc>,
) -> ServiceResult<Loaded> {
    // Only the situation: the caller has the row (with its own transaction's changes).
    let situation = with_situation(loan::Entity::find_by_id(l.id).select_only())
        .into_model::<Situation>()
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    facts_of(cache, db, LoanInSituation { loan: l, situation }, at).await
}

async fn facts_of<C: ConnectionTrait>(
    cache: &reference::Cache,
    db: &C,
    row: LoanInSituation,
    at: DateTime<Utc>,
) -> ServiceResult<Loaded> {
    facts_of_many(cache, db, vec![row], at)
        .await?
        .pop()
        .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the facts of a loan went missing")))
}

/// Loans per round of `facts_of_many`: the id lists stay far below either engine's bound
/// on a statement's parameters.
const FACTS_CHUNK: usize = 500;

/// The facts of many loans at `at`, in their order: three statements per 500 loans
/// (schedules, payments, the week's contacts), whatever else they have; then each loan's
/// facts are put together the same way as one loan's (`facts_from`).
async fn facts_of_many<C: ConnectionTrait>(
    cache: &reference::Cache,
    db: &C,
    rows: Vec<LoanInSituation>,
    at: DateTime<Utc>,
) -> ServiceResult<Vec<Loaded>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<LoanInSituation> = rows.by_ref().take(FACTS_CHUNK).collect();
        let mut laws: Vec<(entity::enums::Jurisdiction, reference::Law)> = Vec::new();
        for r in &chunk {
            if !laws.iter().any(|(j, _)| *j == r.loan.jurisdiction) {
                laws.push((r.loan.jurisdiction, reference::law(cache, db, r.loan.jurisdiction, at).await?));
            }
        }
        let ids: Vec<Uuid> = chunk.iter().map(|r| r.loan.id).collect();
        let mut schedules = loans::schedules_by_loan(db, &ids).await?;
        let mut payments = loans::payments_by_loan(db, &ids).await?;
        // The earliest week start of the chunk's jurisdictions; each loan keeps its own week.
        let since = laws.iter().map(|(_, law)| rules::week_start(&law.calendar, at)).min().unwrap_or(at);
        let borrowers: Vec<Uuid> = chunk.iter().map(|r| r.loan.borrower_id).collect();
        let mut contacts: std::collections::HashMap<Uuid, Vec<contact_event::Model>> = Default::default();
        for c in contact_event::Entity::find()
            .filter(contact_event::Column::BorrowerId.is_in(borrowers))
            .filter(contact_event::Column::OccurredAt.gte(since))
            .filter(contact_event::Column::OccurredAt.lte(at))
            .all(db)
            .await?
        {
            contacts.entry(c.borrower_id).or_default().push(c);
        }
        for row in chunk {
            let law = laws
                .iter()
                .find(|(j, _)| *j == row.loan.jurisdiction)
                .map(|(_, law)| law)
                .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("a jurisdiction's law went missing")))?;
            let schedule = schedules.remove(&row.loan.id).unwrap_or_default();
            let paid = payments.remove(&row.loan.id).unwrap_or_default();
            let week_start = rules::week_start(&law.calendar, at);
            let seen: Vec<ContactFact> = contacts
                .get(&row.loan.borrower_id)
                .map(|list| {
                    list.iter()
                        .filter(|c| c.occurred_at >= week_start)
                        .map(|c| ContactFact { at: c.occurred_at, channel: c.channel, party: c.party })
                        .collect()
                })
                .unwrap_or_default();
            out.push(facts_from(row, law, &schedule, paid, seen, at));
        }
    }
    Ok(out)
}

/// One loan's facts from its rows: the part `permittedActions` and the worklist share.
fn facts_from(
    row: LoanInSituation,
    law: &reference::Law,
    schedule: &[entity::installment::Model],
    mut payments: Vec<entity::payment::Model>,
    contacts: Vec<ContactFact>,
    at: DateTime<Utc>,
) -> Loaded {
    let LoanInSituation { loan: l, situation: s } = row;
    let today = law.calendar.local_date(at);
    // The facts at `at`: money received later had not paid anything yet.
    payments.retain(|p| p.paid_at <= at);
    let overdue_since = loans::ledger(&l, schedule, &payments).overdue(today).since;
    let conscript = match (s.s_deferral_status, s.s_deferral_service_start, s.s_deferral_protected_until) {
        (Some(status), Some(service_start), Some(protected_until)) => Some(rules::Conscript {
            service_start,
            protected_until,
            deferral_in_force: status == DeferralStatus::Granted,
        }),
        _ => None,
    };
    let facts = Facts {
        overdue_since,
        mortgage_secured: l.mortgage_secured,
        business_purpose: l.business_purpose,
        contract_allows_agency: l.contract_allows_agency,
        at_agency: s.s_at_agency,
        court_act_on: l.court_act_on,
        enforcement_inscription_on: l.enforcement_inscription_on,
        settlement_agreement_on: l.settlement_agreement_on,
        reducing_settlement_on: l.reducing_settlement_on,
        claim_assigned_on: l.claim_assigned_on,
        insolvency_from: l.insolvency_from,
        insolvency_to: l.insolvency_to,
        application_under_review: s.s_under_review,
        // R16: a window that ended before today protects nothing.
        home_protected_until: s.s_home_protected_until.filter(|until| *until >= today),
        conscript,
        contract_meetings: contract_meeting_terms(&l),
        contacts,
    };
    Loaded { loan: l, language: s.s_language, facts, calendar: law.calendar.clone(), policy: law.policy.clone() }
}

/// X4: the meeting terms stored on the loan from its contract.
pub fn contract_meeting_terms(l: &loan::Model) -> rules::ContractMeetingTerms {
    let count = |n: Option<i32>| n.and_then(|n| u32::try_from(n).ok());
    rules::ContractMeetingTerms {
        window_start: l.contract_meeting_window_start,
        window_end: l.contract_meeting_window_end,
        per_day: count(l.contract_meetings_per_day),
        per_week: count(l.contract_meetings_per_week),
        on_days_off: l.contract_meetings_on_days_off,
    }
}

/// R17.3 and, for a collection agency, R14: the verdict on assigning the claim on the
/// local date `on`, judged at that day's start on the facts then (the assignment being
/// recorded aside: it is what is judged), with its reason in the borrower's language.
/// `None` when no policy version was in force then: there is no law of ours to judge by.
/// An assignee not reported is judged as another third party (R17.3 only).
pub async fn assignment_verdict<C: ConnectionTrait>(
    cache: &reference::Cache,
    db: &C,
    l: &loan::Model,
    on: NaiveDate,
    assignee: Option<ClaimAssignee>,
) -> ServiceResult<Option<(Verdict, String)>> {
    if reference::policies(cache, db).await?.in_force(l.jurisdiction, on).is_none() {
        return Ok(None);
    }
    let calendar = reference::calendar(cache, db, l.jurisdiction).await?;
    let at = calendar.instant(on, chrono::NaiveTime::MIN);
    let mut loaded = load_facts(cache, db, l.clone(), at).await?;
    loaded.facts.claim_assigned_on = None;
    let action = match assignee {
        Some(ClaimAssignee::CollectionAgency) => CollectionAction::AssignClaimToAgency,
        Some(ClaimAssignee::OtherThirdParty) | None => CollectionAction::AssignClaim,
    };
    let v = rules::verdict(action, &loaded.facts, at, &loaded.calendar, &loaded.policy.policy);
    // Kept in the escalation's details as the borrower would read it (a record's text).
    let lang = crate::i18n::Lang::of_record(loaded.language);
    let reason = crate::i18n::render_all(&v.messages(), lang);
    Ok(Some((v, reason)))
}

/// The deployment's clearance key, created on first use and shared by every instance.
async fn clearance_key<C: ConnectionTrait>(cache: &reference::Cache, db: &C) -> ServiceResult<Vec<u8>> {
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

/// A clearance for `action` on `loan`, valid from `at` until `expires_at`.
fn mint_clearance(
    key: &[u8],
    p: &Principal,
    loan: Uuid,
    action: CollectionAction,
    at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> ServiceResult<String> {
    let claims = ClearanceClaims { sub: p.key(), loan, action, iat: at.timestamp(), exp: expires_at.timestamp() };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(key))
        .map_err(|e| ServiceError::Internal(e.into()))
}

/// Whether a clearance covers this contact: signed by us, for this principal, loan and
/// action, and the contact happened while it was valid (from a minute before its issue,
/// for clocks that differ, to its expiry). Judged on the contact's `occurredAt`, so a
/// retry of the same contact gets the same answer.
fn judge_clearance(
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

/// Whether the role's allowed contacts get clearances; a borrower asks nothing here.
fn clears(p: &Principal) -> ServiceResult<bool> {
    match p.role {
        Role::CollectionAgency | Role::MfoStaff | Role::MfoManager => Ok(true),
        Role::Regulator => Ok(false),
        Role::Borrower => Err(ServiceError::Forbidden("collectors ask what they may do")),
    }
}

/// The loan as the principal may act on it: an agency only while it is assigned, staff of
/// its MFO, a regulator of its jurisdiction (read-only).
/// `permittedActions`: a verdict on every action the caller's role can take, at `at`
/// (now by default), each allowed contact with a short-lived clearance.
pub async fn permitted_actions(
    ctx: &Ctx,
    p: &Principal,
    id: LoanId,
    at: Option<DateTime<Utc>>,
) -> ServiceResult<Vec<VerdictView>> {
    let mut many = permitted_actions_many(ctx, p, &[id], at).await?;
    many.remove(&id.0).ok_or(ServiceError::NotFound)
}

/// `permittedActions` of many loans (`Loan.permittedActions` on a page): the same verdicts,
/// reasons and clearances, in four statements per 500 loans. Loans outside the caller's
/// scope are left out.
pub async fn permitted_actions_many(
    ctx: &Ctx,
    p: &Principal,
    ids: &[LoanId],
    at: Option<DateTime<Utc>>,
) -> ServiceResult<std::collections::HashMap<Uuid, Vec<VerdictView>>> {
    clears(p)?;
    let now = ctx.clock.now();
    let at = at.unwrap_or(now);
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(FACTS_CHUNK) {
        let rows = with_situation(
            loan::Entity::find().filter(loan::Column::Id.is_in(chunk.iter().map(|id| id.0))).filter(scope::loans(p)),
        )
        .into_model::<LoanInSituation>()
        .all(&ctx.db)
        .await?;
        for loaded in facts_of_many(&ctx.reference, &ctx.db, rows, at).await? {
            let verdicts = judge(p, &loaded, at);
            out.insert(loaded.loan.id, decorate(ctx, p, &loaded, verdicts, at, now).await?);
        }
    }
    Ok(out)
}

/// Every verdict of the caller's role on a loan at `at`: the pure rules on its facts.
fn judge(p: &Principal, loaded: &Loaded, at: DateTime<Utc>) -> Vec<Verdict> {
    rules::verdicts(p.role, &loaded.facts, at, &loaded.calendar, &loaded.policy.policy)
}

/// Verdicts as the caller reads them: with their reasons, and each allowed contact with a
/// clearance when `at` is now (a clearance is for acting now, not for a hypothetical moment).
async fn decorate(
    ctx: &Ctx,
    p: &Principal,
    loaded: &Loaded,
    verdicts: Vec<Verdict>,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<VerdictView>> {
    let lifetime = Duration::minutes(i64::from(loaded.policy.policy.contact.clearance_minutes));
    let key = if clears(p)? && (at - now).num_seconds().abs() <= 60 {
        Some(clearance_key(&ctx.reference, &ctx.db).await?)
    } else {
        None
    };
    verdicts
        .into_iter()
        .map(|v| {
            let reasons = v.messages();
            let (clearance, clearance_expires_at) = match (&key, v.allowed && rules::is_contact(v.action)) {
                (Some(k), true) => {
                    let expires_at = at + lifetime;
                    (Some(mint_clearance(k, p, loaded.loan.id, v.action, at, expires_at)?), Some(expires_at))
                }
                _ => (None, None),
            };
            Ok(VerdictView {
                verdict: v,
                reasons,
                borrower_language: crate::i18n::Lang::of_record(loaded.language),
                clearance,
                clearance_expires_at,
            })
        })
        .collect()
}

/// One loan of the worklist: the loan and its verdict on the action asked about.
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub loan: loan::Model,
    pub verdict: VerdictView,
}

/// Where a loan stands in the worklist: allowed now first, then by when it becomes
/// allowed (unknown last), then by id. Also the cursor's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct WorkPosition {
    pub later: bool,
    pub next_allowed_at: Option<DateTime<Utc>>,
    pub unknown: bool,
    pub id: Uuid,
}

impl WorkPosition {
    fn of(v: &Verdict, id: Uuid) -> Self {
        // `unknown` before the instant sorts "no known end" after every known one.
        let next = if v.allowed { None } else { v.next_allowed_at };
        Self { later: !v.allowed, unknown: !v.allowed && next.is_none(), next_allowed_at: next, id }
    }

    /// The ordering key: `(later, unknown, next_allowed_at, id)`.
    fn key(&self) -> (bool, bool, Option<DateTime<Utc>>, Uuid) {
        (self.later, self.unknown, self.next_allowed_at, self.id)
    }
}

/// `collectionWorklist`: the caller's loans (an agency: those handed to it now) with their
/// verdict on `action` at `at`: the loans where it is allowed first, then the others by
/// `nextAllowedAt` (those with no known date last), by id within each; the `first` after
/// `after`. Every loan in scope is judged (the order needs every verdict), in a bounded
/// number of statements: one for the loans, then three per 500 loans; the page's
/// clearances are minted for the page only.
pub async fn worklist(
    ctx: &Ctx,
    p: &Principal,
    action: CollectionAction,
    at: Option<DateTime<Utc>>,
    after: Option<WorkPosition>,
    first: usize,
) -> ServiceResult<(Vec<(WorkPosition, WorkItem)>, bool, usize)> {
    clears(p)?;
    let now = ctx.clock.now();
    let at = at.unwrap_or(now);
    let rows = with_situation(loan::Entity::find().filter(scope::loans(p)).order_by_asc(loan::Column::Id))
        .into_model::<LoanInSituation>()
        .all(&ctx.db)
        .await?;
    let mut judged: Vec<(WorkPosition, Loaded, Verdict)> = Vec::new();
    for loaded in facts_of_many(&ctx.reference, &ctx.db, rows, at).await? {
        if let Some(v) = judge(p, &loaded, at).into_iter().find(|v| v.action == action) {
            judged.push((WorkPosition::of(&v, loaded.loan.id), loaded, v));
        }
    }
    judged.sort_by_key(|(pos, _, _)| pos.key());
    let total = judged.len();
    let mut rest = judged.into_iter().filter(|(pos, _, _)| after.is_none_or(|a| pos.key() > a.key()));
    let mut page = Vec::new();
    for (pos, loaded, v) in rest.by_ref().take(first) {
        let verdict = decorate(ctx, p, &loaded, vec![v], at, now)
            .await?
            .pop()
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("a verdict went missing")))?;
        page.push((pos, WorkItem { loan: loaded.loan, verdict }));
    }
    let has_next = rest.next().is_some();
    Ok((page, has_next, total))
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Disclosure {
    pub organization_name: Option<String>,
    pub organization_location: Option<String>,
    pub person_name: Option<String>,
    pub person_position: Option<String>,
}

impl Disclosure {
    /// X2: every contact states the organisation's name and location and the contacting
    /// person's full name and position.
    fn complete(&self) -> bool {
        let filled = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        filled(&self.organization_name)
            && filled(&self.organization_location)
            && filled(&self.person_name)
            && filled(&self.person_position)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactInput {
    pub client_submission_id: Uuid,
    pub loan_id: LoanId,
    pub channel: ContactChannel,
    pub occurred_at: DateTime<Utc>,
    pub party: ContactParty,
    pub third_party_purpose: Option<ThirdPartyPurpose>,
    pub destination: Option<String>,
    pub disclosure: Disclosure,
    pub outcome: ContactOutcome,
    pub note: Option<String>,
    pub clearance: Option<String>,
}

/// Where a contact to the borrower went, against the details the borrower gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Destination {
    /// One of the details in force at the contact (the current ones, or old ones whose
    /// change was not yet reported, X7).
    Known,
    /// One of the borrower's old details, used after the change was reported (X7).
    Outdated,
    /// None of the borrower's details, then or before.
    Unknown,
}

/// X1, X7: what `destination` was to the borrower at `occurred_at` (before a change is
/// reported, the old details count as valid).
async fn destination_of<C: ConnectionTrait>(
    db: &C,
    b: &borrower::Model,
    destination: &str,
    occurred_at: DateTime<Utc>,
) -> ServiceResult<Destination> {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '(' && *c != ')')
            .collect::<String>()
            .to_lowercase()
    };
    let dest = norm(destination);
    let current = [&b.phone, &b.email, &b.address];
    if current.iter().any(|v| v.as_deref().is_some_and(|v| norm(v) == dest)) {
        return Ok(Destination::Known);
    }
    let changes = contact_detail_change::Entity::find()
        .filter(contact_detail_change::Column::BorrowerId.eq(b.id))
        .all(db)
        .await?;
    let was = |c: &contact_detail_change::Model| {
        ["phone", "email", "address"]
            .iter()
            .any(|k| c.previous.get(k).and_then(|v| v.as_str()).is_some_and(|v| norm(v) == dest))
    };
    let mut former = changes.iter().filter(|c| was(c));
    Ok(match former.clone().next() {
        None => Destination::Unknown,
        Some(_) if former.any(|c| c.reported_at <= occurred_at) => Destination::Outdated,
        Some(_) => Destination::Known,
    })
}

/// Records a contact. It is always stored (the contact happened): one the rules did not
/// permit at that moment, without the X2 disclosure, with a third party for another
/// purpose than finding the borrower (X5), or to details the borrower had replaced (X7),
/// is stored with those rules and raises an escalation per rule. A clearance that does not
/// cover it is no reason to refuse it either: the answer says what became of it.
pub async fn record_contact(ctx: &Ctx, p: &Principal, input: ContactInput) -> ServiceResult<RecordedContact> {
    match p.role {
        Role::CollectionAgency | Role::MfoStaff | Role::MfoManager => {}
        Role::Borrower | Role::Regulator => {
            return Err(ServiceError::Forbidden("contacts are recorded by the MFO or its agency"));
        }
    }
    let mut problems = Problems::new();
    problems.check(input.occurred_at <= ctx.clock.now() + Duration::minutes(5), || {
        UserError::invalid(&["occurredAt"], crate::error::UserErrorReason::DateInFuture)
    });
    problems.check(input.party == ContactParty::Borrower || input.third_party_purpose.is_some(), || {
        UserError::invalid(&["thirdPartyPurpose"], crate::error::UserErrorReason::Required)
    });
    problems.finish()?;
    let submission = Submission {
        client_submission_id: Some(input.client_submission_id),
        operation: "recordContact",
        input: &input,
    };
    let mut w = match Write::begin_submission(ctx, Actor::from(p), submission).await? {
        Begun::Fresh(w) => *w,
        Begun::Replay(id) => {
            let contact = get_contact(ctx, p, ContactId(id)).await?;
            // The same input judged again: the verdict depends on nothing that moves.
            let key = clearance_key(&ctx.reference, &ctx.db).await?;
            let action = rules::action_of(input.channel, input.party);
            let clearance =
                judge_clearance(&key, input.clearance.as_deref(), p, contact.loan_id, action, input.occurred_at);
            return Ok(RecordedContact { contact, clearance });
        }
    };
    // Locked: contacts of one loan are counted against its limits (X3, X4) one at a time.
    let l = loans::for_change(&w, scope::loans(p), input.loan_id).await?;
    let action = rules::action_of(input.channel, input.party);
    // The rules as they stood when the contact happened, without this contact counted.
    let loaded = load_facts(w.reference(), w.txn(), l.clone(), input.occurred_at - Duration::microseconds(1)).await?;
    let verdict = rules::verdict(action, &loaded.facts, input.occurred_at, &loaded.calendar, &loaded.policy.policy);
    let by_contract = verdict.basis.contains(&rules::CONTRACT);
    // CONTRACT says whose terms X4 used; it is not a rule a contact can break.
    let mut violations: Vec<&'static str> = if verdict.allowed {
        vec![]
    } else {
        verdict.basis.iter().copied().filter(|b| *b != rules::CONTRACT).collect()
    };
    if !input.disclosure.complete() {
        violations.push("X2");
    }
    // X6: the organisation named is not the one that made the contact.
    let contactor = organization::Entity::find_by_id(p.org_id.0).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
    let named_falsely = input
        .disclosure
        .organization_name
        .as_deref()
        .is_some_and(|n| !n.trim().is_empty() && !rules::same_name(n, &contactor.name));
    if named_falsely {
        violations.push("X6");
    }
    if input.party == ContactParty::ThirdParty && input.third_party_purpose != Some(ThirdPartyPurpose::LocateBorrower) {
        violations.push("X5");
    }
    let b = borrower::Entity::find_by_id(l.borrower_id).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
    if input.party == ContactParty::Borrower
        && let Some(dest) = &input.destination
    {
        match destination_of(w.txn(), &b, dest, input.occurred_at).await? {
            Destination::Known => {}
            Destination::Outdated => violations.push("X7"),
            // X1: a letter goes to the contract address or the one last reported.
            Destination::Unknown if input.channel == ContactChannel::Letter => violations.push("X1"),
            Destination::Unknown => {}
        }
    }
    let clearance = match &input.clearance {
        Some(token) => {
            let key = clearance_key(w.reference(), w.txn()).await?;
            judge_clearance(&key, Some(token), p, l.id, action, input.occurred_at)
        }
        None => ClearanceCheck::of(ClearanceOutcome::Missing),
    };
    let cleared = clearance.outcome == ClearanceOutcome::Accepted;
    let row = contact_event::Model {
        id: w.new_id(),
        loan_id: l.id,
        borrower_id: l.borrower_id,
        mfo_id: l.mfo_id,
        jurisdiction: l.jurisdiction,
        contactor_org_id: p.org_id.0,
        recorded_by: p.key(),
        channel: input.channel,
        occurred_at: input.occurred_at,
        party: input.party,
        third_party_purpose: input.third_party_purpose,
        destination: input.destination.clone(),
        disclosure: serde_json::to_value(&input.disclosure).map_err(|e| ServiceError::Internal(e.into()))?,
        outcome: input.outcome,
        note: input.note.clone(),
        clearance: if cleared { ContactClearance::Cleared } else { ContactClearance::Uncleared },
        violations: json!(violations),
        misrepresentation: None,
        created_at: w.now,
    };
    contact_event::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
    let subject = Subject::new("contact", row.id);
    let after = json!({ "loanId": l.id, "channel": row.channel, "party": row.party, "occurredAt": row.occurred_at,
        "violations": row.violations, "clearance": row.clearance, "by": p.org_id });
    w.audit("contact.recorded", subject, Some(l.mfo_id), None, Some(after.clone()));
    w.event("contact.recorded", subject, loans::visibility(&l), after);
    for rule in &violations {
        w.escalate(EscalationDraft {
            kind: EscalationKind::RuleBreach,
            rule: (*rule).to_owned(),
            org_id: l.mfo_id,
            jurisdiction: l.jurisdiction,
            subject_type: "contact".into(),
            subject_id: row.id,
            deadline_id: None,
            message: crate::i18n::Msg::new(crate::i18n::MsgId::EscalationContactBreach)
                .arg("channel", sea_orm::ActiveEnum::to_value(&row.channel))
                .arg("contract", l.contract_number.clone())
                .arg("rule", *rule),
            details: contact_breach_details(&row, rule, by_contract, &contactor, &input.disclosure),
        });
    }
    w.produced(row.id);
    w.commit().await?;
    Ok(RecordedContact { contact: row, clearance })
}

/// What an escalation about a contact records: the organisation responsible for it (the
/// one that made the contact, `responsibleOrgId`), and for X4 whether the contract's terms
/// were the ones broken, for X6 the name given against the registered one.
fn contact_breach_details(
    row: &contact_event::Model,
    rule: &str,
    by_contract: bool,
    contactor: &organization::Model,
    disclosure: &Disclosure,
) -> serde_json::Value {
    let mut details = json!({ "contactId": row.id, "loanId": row.loan_id, "contactor": row.contactor_org_id,
        "responsibleOrgId": row.contactor_org_id, "occurredAt": row.occurred_at });
    if rule == "X4" && by_contract {
        details["terms"] = json!(rules::CONTRACT);
    }
    if rule == "X6" {
        details["disclosedOrganizationName"] = json!(disclosure.organization_name);
        details["registeredOrganizationName"] = json!(contactor.name);
    }
    details
}

/// X6: the MFO found that a collector's stated name or position was false.
#[derive(Debug, Clone, Serialize)]
pub struct MisrepresentationInput {
    pub contact_id: ContactId,
    pub fields: Vec<Misrepresentation>,
    pub note: Option<String>,
}

/// The longest note a misrepresentation finding keeps.
const MAX_NOTE_CHARS: usize = 2000;

/// X6: the loan's MFO (staff or manager) flags a contact's stated name and/or position
/// as false. The contact is marked X6 (once) and an escalation attributed to the
/// organisation that made the contact is raised.
pub async fn flag_misrepresentation(
    ctx: &Ctx,
    p: &Principal,
    input: MisrepresentationInput,
) -> ServiceResult<contact_event::Model> {
    match p.role {
        Role::MfoStaff | Role::MfoManager => {}
        Role::Borrower | Role::CollectionAgency | Role::Regulator => {
            return Err(ServiceError::Forbidden("the loan's MFO flags what its collectors said"));
        }
    }
    let mut problems = Problems::new();
    problems
        .check(!input.fields.is_empty(), || UserError::invalid(&["fields"], crate::error::UserErrorReason::Required));
    problems.check(input.note.as_deref().is_none_or(|n| n.chars().count() <= MAX_NOTE_CHARS), || {
        UserError::invalid(&["note"], crate::error::UserErrorReason::TooLong).with_param("maxLength", MAX_NOTE_CHARS)
    });
    problems.finish()?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let own = Condition::all().add(contact_event::Column::MfoId.eq(p.org_id.0));
    let c = w.for_change::<contact_event::Entity>(own, input.contact_id.0).await?;
    if c.misrepresentation.is_some() {
        w.rollback().await?;
        return Err(ServiceError::user(UserError::conflict(
            &["contactId"],
            crate::error::UserErrorReason::AlreadyDone,
        )));
    }
    let l = loan::Entity::find_by_id(c.loan_id).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
    let mut fields = input.fields.clone();
    fields.sort();
    fields.dedup();
    let flag = json!({ "fields": fields, "note": input.note, "flaggedBy": p.key(), "flaggedAt": w.now });
    let mut violations: Vec<String> = serde_json::from_value(c.violations.clone()).unwrap_or_default();
    if !violations.iter().any(|v| v == "X6") {
        violations.push("X6".into());
    }
    let row =
        contact_event::Model { misrepresentation: Some(flag.clone()), violations: json!(violations), ..c.clone() };
    contact_event::Entity::update(row.clone().into_active_model().reset_all()).exec(w.txn()).await?;
    let subject = Subject::new("contact", row.id);
    w.audit(
        "contact.misrepresentation_flagged",
        subject,
        Some(row.mfo_id),
        Some(json!({ "violations": c.violations, "misrepresentation": null })),
        Some(json!({ "violations": row.violations, "misrepresentation": flag })),
    );
    w.event("contact.misrepresentation_flagged", subject, loans::visibility(&l), json!({ "fields": fields }));
    w.escalate(EscalationDraft {
        kind: EscalationKind::RuleBreach,
        rule: "X6".into(),
        org_id: row.mfo_id,
        jurisdiction: row.jurisdiction,
        subject_type: "contact".into(),
        subject_id: row.id,
        deadline_id: None,
        message: crate::i18n::Msg::new(crate::i18n::MsgId::EscalationMisrepresentation)
            .arg("contract", l.contract_number.clone()),
        details: json!({ "contactId": row.id, "loanId": l.id, "contactor": row.contactor_org_id,
            "responsibleOrgId": row.contactor_org_id, "occurredAt": row.occurred_at, "source": "MFO_FLAG",
            "fields": fields, "note": input.note }),
    });
    w.commit().await?;
    Ok(row)
}

/// X6: a complaint registered about a contact is a report of unfair practice: an
/// escalation attributed to the organisation that made the contact. The contact must be
/// on a loan of the MFO (and the named borrower's, when one is named); it is returned so
/// the complaint can take its loan and borrower.
pub async fn contact_for_complaint(w: &Write, mfo: Uuid, contact: ContactId) -> ServiceResult<contact_event::Model> {
    contact_event::Entity::find_by_id(contact.0)
        .filter(contact_event::Column::MfoId.eq(mfo))
        .one(w.txn())
        .await?
        .ok_or(ServiceError::NotFound)
}

/// X6: raises the escalation of a complaint about a contact.
pub fn escalate_complaint_about_contact(
    w: &mut Write,
    c: &contact_event::Model,
    complaint: Uuid,
    journal_number: &str,
) {
    w.escalate(EscalationDraft {
        kind: EscalationKind::RuleBreach,
        rule: "X6".into(),
        org_id: c.mfo_id,
        jurisdiction: c.jurisdiction,
        subject_type: "contact".into(),
        subject_id: c.id,
        deadline_id: None,
        message: crate::i18n::Msg::new(crate::i18n::MsgId::EscalationComplaintAboutContact)
            .arg("journal", journal_number),
        details: json!({ "contactId": c.id, "loanId": c.loan_id, "contactor": c.contactor_org_id,
            "responsibleOrgId": c.contactor_org_id, "occurredAt": c.occurred_at, "source": "COMPLAINT",
            "complaintId": complaint }),
    });
}

/// A contact the principal may see: the MFO's staff, the regulator, or the agency that made it.
pub async fn get_contact(ctx: &Ctx, p: &Principal, id: ContactId) -> ServiceResult<contact_event::Model> {
    // The scope of the contact log (`scope::contacts`): an agency sees its own contacts
    // while it works the loan, as it sees the loan.
    contact_event::Entity::find_by_id(id.0).filter(scope::contacts(p)).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}

/// Narrows `contacts`.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    /// On `occurred_at`.
    pub occurred: super::Range<DateTime<Utc>>,
    pub channel: Option<ContactChannel>,
    /// `Some(true)`: contacts that broke a rule (X1–X7: `violations` not empty);
    /// `Some(false)`: those that broke none.
    pub flagged: Option<bool>,
    pub loan_id: Option<LoanId>,
    /// Records changed (created included) at or after this instant: see `services::changes`.
    pub updated_after: Option<DateTime<Utc>>,
}

/// The position of a contact in `contacts`' order (newest first by `occurred_at`, then id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactCursor {
    pub occurred_at: DateTime<Utc>,
    pub id: Uuid,
}

/// Every contact in the principal's scope (`scope::contacts`), newest first by
/// `occurred_at`, then by id (descending), after `after`.
pub async fn list_contacts(
    ctx: &Ctx,
    p: &Principal,
    f: &ContactFilter,
    after: Option<ContactCursor>,
    first: u64,
) -> ServiceResult<super::Page<contact_event::Model>> {
    super::changes::check_since(ctx, f.updated_after)?;
    let mut q = contacts_filtered(p, f);
    if let Some(a) = after {
        q = q.filter(
            Condition::any().add(contact_event::Column::OccurredAt.lt(a.occurred_at)).add(
                Condition::all()
                    .add(contact_event::Column::OccurredAt.eq(a.occurred_at))
                    .add(contact_event::Column::Id.lt(a.id)),
            ),
        );
    }
    let q = q.order_by_desc(contact_event::Column::OccurredAt).order_by_desc(contact_event::Column::Id);
    super::read_page(&ctx.db, q, first).await
}

/// `contacts { totalCount }`.
pub async fn count_contacts(ctx: &Ctx, p: &Principal, f: &ContactFilter) -> ServiceResult<u64> {
    super::count_rows(&ctx.db, contacts_filtered(p, f)).await
}

fn contacts_filtered(p: &Principal, f: &ContactFilter) -> sea_orm::Select<contact_event::Entity> {
    let mut q = contact_event::Entity::find()
        .filter(scope::contacts(p))
        .filter(f.occurred.condition(contact_event::Column::OccurredAt));
    if let Some(t) = f.updated_after {
        q = q.filter(super::changes::updated_since("contact", contact_event::Column::Id, t));
    }
    if let Some(c) = f.channel {
        q = q.filter(contact_event::Column::Channel.eq(c));
    }
    if let Some(l) = f.loan_id {
        q = q.filter(contact_event::Column::LoanId.eq(l.0));
    }
    // `violations` is a JSON array written by `record_contact` and `flag_misrepresentation`
    // (`json!(Vec<String>)`), so an unflagged contact's is exactly `[]` on both engines.
    match f.flagged {
        Some(true) => q = q.filter(contact_event::Column::Violations.ne(json!([]))),
        Some(false) => q = q.filter(contact_event::Column::Violations.eq(json!([]))),
        None => {}
    }
    q
}

/// The contact logs of loans already in the principal's scope, as it may read them: the
/// MFO and the regulator all of it, an agency its own contacts, a borrower none.
pub async fn contacts_of<C: ConnectionTrait>(
    db: &C,
    p: Option<&Principal>,
    loan_ids: &[Uuid],
) -> ServiceResult<Vec<contact_event::Model>> {
    let mut q = contact_event::Entity::find().filter(contact_event::Column::LoanId.is_in(loan_ids.iter().copied()));
    match p.map(|p| (p.role, p.org_id)) {
        Some((Role::MfoStaff | Role::MfoManager | Role::Regulator, _)) => {}
        Some((Role::CollectionAgency, org)) => q = q.filter(contact_event::Column::ContactorOrgId.eq(org.0)),
        Some((Role::Borrower, _)) | None => return Ok(Vec::new()),
    }
    Ok(q.order_by_asc(contact_event::Column::OccurredAt).all(db).await?)
}

/// R17.2: the manager hands an overdue loan to an agency, when the contract allows it.
pub async fn assign(
    ctx: &Ctx,
    p: &Principal,
    id: LoanId,
    agency: OrgId,
) -> ServiceResult<collection_assignment::Model> {
    scope::require_manager(p)?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let l = loans::for_change(&w, Condition::all().add(loan::Column::MfoId.eq(p.org_id.0)), id).await?;
    // One agency at a time (R17.2): a loan handed over is recalled before it goes to another.
    if current_assignment(&w, l.id).await?.is_some() {
        return Err(ServiceError::user(
            UserError::conflict(&["loanId"], crate::error::UserErrorReason::AlreadyAtAgency).with_rule("R17.2"),
        ));
    }
    let org = organization::Entity::find_by_id(agency.0).one(w.txn()).await?;
    let Some(org) = org.filter(|o| o.kind == OrgKind::CollectionAgency && o.jurisdiction == l.jurisdiction) else {
        return Err(ServiceError::user(UserError::invalid(
            &["agencyId"],
            crate::error::UserErrorReason::NotACollectionAgency,
        )));
    };
    let loaded = load_facts(w.reference(), w.txn(), l.clone(), w.now).await?;
    let v = rules::verdict(
        CollectionAction::HandToCollectionAgency,
        &loaded.facts,
        w.now,
        &loaded.calendar,
        &loaded.policy.policy,
    );
    if !v.allowed {
        let mut e = UserError::rule(
            v.basis.first().copied().unwrap_or("R17.2"),
            &["loanId"],
            crate::error::UserErrorReason::HandOverNotAllowed,
        )
        .with_param("basis", v.basis.clone());
        e.details = v.messages();
        if let Some(next) = v.next_allowed_at {
            e = e.with_param("nextAllowedAt", next.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
        return Err(ServiceError::user(e));
    }
    let row = collection_assignment::Model {
        id: w.new_id(),
        loan_id: l.id,
        agency_id: org.id,
        assigned_at: w.now,
        ended_at: None,
        assigned_by: p.key(),
    };
    collection_assignment::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
    let subject = Subject::new("loan", l.id);
    w.audit("loan.assigned_to_agency", subject, Some(l.mfo_id), None, Some(json!({ "agencyId": org.id })));
    w.event("loan.assigned_to_agency", subject, loans::visibility(&l), json!({ "agencyId": org.id }));
    w.commit().await?;
    Ok(row)
}

/// Ends the agency's work on the loan.
pub async fn recall(ctx: &Ctx, p: &Principal, id: LoanId) -> ServiceResult<collection_assignment::Model> {
    scope::require_manager(p)?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let l = loans::for_change(&w, Condition::all().add(loan::Column::MfoId.eq(p.org_id.0)), id).await?;
    let Some(current) = current_assignment(&w, l.id).await? else {
        return Err(ServiceError::user(UserError::conflict(&["loanId"], crate::error::UserErrorReason::NotAtAgency)));
    };
    collection_assignment::Entity::update_many()
        .col_expr(collection_assignment::Column::EndedAt, Expr::value(w.now))
        .filter(collection_assignment::Column::Id.eq(current.id))
        .exec(w.txn())
        .await?;
    let subject = Subject::new("loan", l.id);
    w.audit("loan.recalled_from_agency", subject, Some(l.mfo_id), None, Some(json!({ "agencyId": current.agency_id })));
    w.event("loan.recalled_from_agency", subject, loans::visibility(&l), json!({ "agencyId": current.agency_id }));
    let ended = collection_assignment::Model { ended_at: Some(w.now), ..current };
    w.commit().await?;
    Ok(ended)
}

/// The loan's active hand-over, read under the loan's lock (`loans::for_change`).
async fn current_assignment(w: &Write, loan: Uuid) -> ServiceResult<Option<collection_assignment::Model>> {
    Ok(collection_assignment::Entity::find()
        .filter(collection_assignment::Column::LoanId.eq(loan))
        .filter(collection_assignment::Column::EndedAt.is_null())
        .one(w.txn())
        .await?)
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactDetailsInput {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// When the details changed (X7: reported within 10 calendar days).
    pub changed_on: Option<NaiveDate>,
}

/// What a report of changed details says.
pub struct DetailsChanged {
    pub borrower: borrower::Model,
    /// Reported more than the allowed days after the change (X7): until the report, the
    /// old details counted.
    pub reported_late: bool,
}

/// X7: the borrower reports new contact details; contacts to the old ones before the
/// report are not violations, after it they are.
pub async fn update_my_contact_details(
    ctx: &Ctx,
    p: &Principal,
    input: ContactDetailsInput,
) -> ServiceResult<DetailsChanged> {
    let Some(b_id) = (match p.role {
        Role::Borrower => p.borrower_id,
        Role::MfoStaff | Role::MfoManager | Role::CollectionAgency | Role::Regulator => None,
    }) else {
        return Err(ServiceError::Forbidden("borrowers update their own details"));
    };
    let mut problems = Problems::new();
    loans::check_phone(&mut problems, "phone", input.phone.as_deref());
    loans::check_email(&mut problems, "email", input.email.as_deref());
    problems.check(input.phone.is_some() || input.email.is_some() || input.address.is_some(), || {
        UserError::invalid(&["phone"], crate::error::UserErrorReason::Required)
    });
    problems.finish()?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let b = w.for_change::<borrower::Entity>(scope::borrowers(p), b_id.0).await?;
    let law = reference::law(w.reference(), w.txn(), p.jurisdiction, w.now).await?;
    let today = law.calendar.local_date(w.now);
    let changed_on = input.changed_on.unwrap_or(today);
    if changed_on > today {
        return Err(ServiceError::user(UserError::invalid(
            &["changedOn"],
            crate::error::UserErrorReason::DateInFuture,
        )));
    }
    let previous = json!({ "phone": b.phone, "email": b.email, "address": b.address });
    let mut after = b.clone();
    if input.phone.is_some() {
        after.phone = input.phone.clone();
    }
    if input.email.is_some() {
        after.email = input.email.clone();
    }
    if input.address.is_some() {
        after.address = input.address.clone();
    }
    let current = json!({ "phone": after.phone, "email": after.email, "address": after.address });
    if current == previous {
        // The details as they stand: nothing changed, nothing to record (a retry, too).
        w.rollback().await?;
        let reported_late = false;
        return Ok(DetailsChanged { borrower: b, reported_late });
    }
    after.updated_at = w.now;
    borrower::Entity::update(after.clone().into_active_model().reset_all()).exec(w.txn()).await?;
    let change = contact_detail_change::Model {
        id: w.new_id(),
        borrower_id: b.id,
        reported_at: w.now,
        changed_on,
        previous: previous.clone(),
        current: current.clone(),
    };
    contact_detail_change::Entity::insert(change.into_active_model()).exec_without_returning(w.txn()).await?;
    let subject = Subject::new("borrower", b.id);
    w.audit("borrower.contact_details_changed", subject, Some(b.mfo_id), Some(previous), Some(current));
    w.event(
        "borrower.contact_details_changed",
        subject,
        super::write::Visibility { org_id: Some(b.mfo_id), jurisdiction: Some(p.jurisdiction) },
        json!({}),
    );
    w.commit().await?;
    let reported_late =
        (today - changed_on).num_days() > i64::from(law.policy.policy.contact.details_change_report_calendar_days);
    Ok(DetailsChanged { borrower: after, reported_late })
}

/// A hand-over to an agency, seen by whoever may see its loan now (an agency: while the
/// loan is handed to it, R17.2); NOT_FOUND otherwise.
pub async fn get_assignment(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<collection_assignment::Model> {
    let row = collection_assignment::Entity::find_by_id(id).one(&ctx.db).await?.ok_or(ServiceError::NotFound)?;
    super::loans::get(ctx, p, LoanId(row.loan_id)).await?;
    Ok(row)
}
