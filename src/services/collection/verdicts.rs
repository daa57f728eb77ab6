//! `permittedActions`, `collectionWorklist` and the verdict on assigning a claim: the facts
//! loaded once, judged by the pure `rules::collection`, then decorated with short-lived
//! clearances (their reasons are rendered by the GraphQL layer, for the fields selected).
//! Nothing here writes but the clearance key's first use.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::enums::{ClaimAssignee, CollectionAction, Role};
use entity::loan;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{
    FACTS_CHUNK, Loaded, LoanInSituation, Minter, clearance_key, facts_of_many, load_facts, situations_of,
    with_situation,
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
    /// The borrower's language, for the text addressed to the borrower.
    pub borrower_language: crate::i18n::Lang,
    pub clearance: Option<String>,
    /// Until when the clearance covers a contact (UTC): issue + the policy's
    /// `contact.clearance_minutes`.
    pub clearance_expires_at: Option<DateTime<Utc>>,
}

impl VerdictView {
    /// Why, as messages: the GraphQL layer renders them in the reader's language, and
    /// only for the fields a client selects.
    pub fn reasons(&self) -> Vec<crate::i18n::Msg> {
        self.verdict.messages()
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
    let v = rules::verdict(action, &loaded.facts, at, &loaded.law.calendar, &loaded.law.policy.policy);
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

/// `permittedActions` of many loans by id: the same verdicts, reasons and clearances, in
/// four statements per 500 loans. Loans outside the caller's scope are left out.
pub async fn permitted_actions_many(
    ctx: &Ctx,
    p: &Principal,
    ids: &[LoanId],
    at: Option<DateTime<Utc>>,
) -> ServiceResult<HashMap<Uuid, Vec<VerdictView>>> {
    let (at, minter) = instant(ctx, p, at).await?;
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(FACTS_CHUNK) {
        let rows = with_situation(
            loan::Entity::find().filter(loan::Column::Id.is_in(chunk.iter().map(|id| id.0))).filter(scope::loans(p)),
        )
        .into_model::<LoanInSituation>()
        .all(&ctx.db)
        .await?;
        out.extend(judge_rows(ctx, p, rows, at, minter.as_ref()).await?);
    }
    Ok(out)
}

/// `permittedActions` of loans whose rows the caller has read (`Loan.permittedActions` on
/// a page of `loans`): as `permitted_actions_many`, with the situation read beside the
/// rows rather than the rows again.
pub async fn permitted_actions_of(
    ctx: &Ctx,
    p: &Principal,
    loans: &[loan::Model],
    at: Option<DateTime<Utc>>,
) -> ServiceResult<HashMap<Uuid, Vec<VerdictView>>> {
    let (at, minter) = instant(ctx, p, at).await?;
    let mut out = HashMap::with_capacity(loans.len());
    for chunk in loans.chunks(FACTS_CHUNK) {
        let rows = situations_of(&ctx.db, chunk, scope::loans(p)).await?;
        out.extend(judge_rows(ctx, p, rows, at, minter.as_ref()).await?);
    }
    Ok(out)
}

/// The instant a call judges at (`at`, or now) and who mints its clearances, once for
/// all its loans.
async fn instant(
    ctx: &Ctx,
    p: &Principal,
    at: Option<DateTime<Utc>>,
) -> ServiceResult<(DateTime<Utc>, Option<Minter>)> {
    clears(p)?;
    let now = ctx.clock.now();
    let at = at.unwrap_or(now);
    Ok((at, minter(ctx, p, at, now).await?))
}

/// The verdicts of loans read with their situation, decorated for the caller.
async fn judge_rows(
    ctx: &Ctx,
    p: &Principal,
    rows: Vec<LoanInSituation>,
    at: DateTime<Utc>,
    minter: Option<&Minter>,
) -> ServiceResult<Vec<(Uuid, Vec<VerdictView>)>> {
    let mut out = Vec::with_capacity(rows.len());
    for loaded in facts_of_many(&ctx.reference, &ctx.db, rows, at).await? {
        let verdicts = judge(p, &loaded, at);
        out.push((loaded.loan.id, decorate(minter, &loaded, verdicts, at)?));
    }
    Ok(out)
}

/// Every verdict of the caller's role on a loan at `at`: the pure rules on its facts.
fn judge(p: &Principal, loaded: &Loaded, at: DateTime<Utc>) -> Vec<Verdict> {
    rules::verdicts(p.role, &loaded.facts, at, &loaded.law.calendar, &loaded.law.policy.policy)
}

/// Who mints the caller's clearances: none when `at` is not now (a clearance is for acting
/// now, not for a hypothetical moment) or the role gets none.
async fn minter(ctx: &Ctx, p: &Principal, at: DateTime<Utc>, now: DateTime<Utc>) -> ServiceResult<Option<Minter>> {
    if clears(p)? && (at - now).num_seconds().abs() <= 60 {
        Ok(Some(Minter::new(&clearance_key(&ctx.reference, &ctx.db).await?, p)))
    } else {
        Ok(None)
    }
}

/// Verdicts as the caller reads them: each allowed contact with a clearance when there is
/// a minter.
fn decorate(
    minter: Option<&Minter>,
    loaded: &Loaded,
    verdicts: Vec<Verdict>,
    at: DateTime<Utc>,
) -> ServiceResult<Vec<VerdictView>> {
    let lifetime = Duration::minutes(i64::from(loaded.law.policy.policy.contact.clearance_minutes));
    verdicts
        .into_iter()
        .map(|v| {
            let (clearance, clearance_expires_at) = match minter {
                Some(m) if v.allowed && rules::is_contact(v.action) => {
                    let expires_at = at + lifetime;
                    (Some(m.mint(loaded.loan.id, v.action, at, expires_at)?), Some(expires_at))
                }
                _ => (None, None),
            };
            Ok(VerdictView {
                verdict: v,
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
    let minter = minter(ctx, p, at, now).await?;
    let mut items = Vec::new();
    for (pos, loaded, v) in within.into_iter().skip(skip).take(size) {
        let verdict = decorate(minter.as_ref(), &loaded, vec![v], at)?
            .pop()
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("a verdict went missing")))?;
        items.push((pos, WorkItem { loan: loaded.loan, verdict }));
    }
    Ok((Page { items, has_next }, total))
}
