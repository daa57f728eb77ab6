//! `permittedActions`, `collectionWorklist` and the verdict on assigning a claim: the facts
//! loaded once, judged by the pure `rules::collection`, then decorated with reasons and
//! clearances. Nothing here writes but the clearance key's first use.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::enums::{ClaimAssignee, CollectionAction, Role};
use entity::loan;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{
    FACTS_CHUNK, Loaded, LoanInSituation, clearance_key, facts_of_many, load_facts, mint_clearance, with_situation,
};
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::ids::LoanId;
use crate::rules::collection::{self as rules, Verdict};
use crate::services::paging::Window;
use crate::services::{Ctx, Page, reference, scope};

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

/// Whether the role's allowed contacts get clearances; a borrower asks nothing here.
fn clears(p: &Principal) -> ServiceResult<bool> {
    match p.role {
        Role::CollectionAgency | Role::MfoStaff | Role::MfoManager => Ok(true),
        Role::Regulator => Ok(false),
        Role::Borrower => Err(ServiceError::Forbidden("collectors ask what they may do")),
    }
}

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

/// The cursor text of a position: `later|unknown|nextAllowedAt or -|id`.
impl std::fmt::Display for WorkPosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = self.next_allowed_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
        write!(f, "{}|{}|{}|{}", u8::from(self.later), u8::from(self.unknown), at.as_deref().unwrap_or("-"), self.id)
    }
}

impl std::str::FromStr for WorkPosition {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let parts: Vec<&str> = s.split('|').collect();
        let [later, unknown, at, id] = parts[..] else { return Err(()) };
        let flag = |f: &str| match f {
            "0" => Ok(false),
            "1" => Ok(true),
            _ => Err(()),
        };
        let next_allowed_at = match at {
            "-" => None,
            t => Some(DateTime::parse_from_rfc3339(t).map_err(|_| ())?.with_timezone(&Utc)),
        };
        let id = Uuid::parse_str(id).map_err(|_| ())?;
        Ok(Self { later: flag(later)?, unknown: flag(unknown)?, next_allowed_at, id })
    }
}

/// `collectionWorklist`: the caller's loans (an agency: those handed to it now) with their
/// verdict on `action` at `at`: the loans where it is allowed first, then the others by
/// `nextAllowedAt` (those with no known date last), by id within each; the window's page
/// of them. Every loan in scope is judged (the order needs every verdict), in a bounded
/// number of statements: one for the loans, then three per 500 loans; the page's
/// clearances are minted for the page only.
pub async fn worklist(
    ctx: &Ctx,
    p: &Principal,
    action: CollectionAction,
    at: Option<DateTime<Utc>>,
    w: &Window<WorkPosition>,
) -> ServiceResult<(Page<(WorkPosition, WorkItem)>, usize)> {
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
    let within: Vec<_> = judged
        .into_iter()
        .filter(|(pos, _, _)| w.after.as_ref().is_none_or(|a| pos.key() > a.key.key()))
        .filter(|(pos, _, _)| w.before.as_ref().is_none_or(|b| pos.key() < b.key.key()))
        .collect();
    let size = usize::try_from(w.size).unwrap_or(usize::MAX);
    let has_next = within.len() > size;
    // Going back, the page is the last `size` of what lies before `before`.
    let skip = if w.backward { within.len().saturating_sub(size) } else { 0 };
    let mut items = Vec::new();
    for (pos, loaded, v) in within.into_iter().skip(skip).take(size) {
        let verdict = decorate(ctx, p, &loaded, vec![v], at, now)
            .await?
            .pop()
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("a verdict went missing")))?;
        items.push((pos, WorkItem { loan: loaded.loan, verdict }));
    }
    Ok((Page { items, has_next }, total))
}
