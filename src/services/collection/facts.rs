//! The facts `rules::collection` judges a loan on, read in a bounded number of statements:
//! the loan's situation as scalar subqueries of its own row, then schedules, payments and
//! the week's contacts per 500 loans. It loads; it never judges.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{AppealStatus, DeferralStatus, Language};
use entity::{
    borrower, collection_assignment, contact_event, loan, military_deferral, regulator_appeal as appeal,
    restructuring_application as application,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};
use crate::rules::collection::{self as rules, ContactFact, Facts};
use crate::services::{loans, reference, restructuring};

/// Everything the verdicts need about one loan, read in one round. The law (calendar and
/// policy) is shared by every loan of a jurisdiction in the round, not copied per loan.
pub struct Loaded {
    pub loan: loan::Model,
    pub language: Language,
    pub facts: Facts,
    pub law: Arc<reference::Law>,
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
pub(super) struct LoanInSituation {
    #[sea_orm(nested)]
    loan: loan::Model,
    #[sea_orm(nested)]
    situation: Situation,
}

/// A loan's situation by its id, for loans whose rows the caller has already read.
#[derive(Debug, FromQueryResult)]
struct SituationOf {
    id: Uuid,
    #[sea_orm(nested)]
    situation: Situation,
}

/// The situations of `loans` (rows the caller read, e.g. a page of a list) in one
/// statement, joined to their rows, in their order; a loan `within` leaves out (the
/// caller's scope) is left out.
pub(super) async fn situations_of<C: ConnectionTrait>(
    db: &C,
    loans: &[loan::Model],
    within: sea_orm::Condition,
) -> ServiceResult<Vec<LoanInSituation>> {
    let mut found: std::collections::HashMap<Uuid, Situation> = with_situation(
        loan::Entity::find()
            .select_only()
            .column(loan::Column::Id)
            .filter(loan::Column::Id.is_in(loans.iter().map(|l| l.id)))
            .filter(within),
    )
    .into_model::<SituationOf>()
    .all(db)
    .await?
    .into_iter()
    .map(|s| (s.id, s.situation))
    .collect();
    Ok(loans
        .iter()
        .filter_map(|l| found.remove(&l.id).map(|situation| LoanInSituation { loan: l.clone(), situation }))
        .collect())
}

/// Adds `Situation`'s columns to a select of loans.
pub(super) fn with_situation(q: sea_orm::Select<loan::Entity>) -> sea_orm::Select<loan::Entity> {
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
pub(super) const FACTS_CHUNK: usize = 500;

/// The facts of many loans at `at`, in their order: three statements per 500 loans
/// (schedules, payments, the week's contacts), whatever else they have; then each loan's
/// facts are put together the same way as one loan's (`facts_from`).
pub(super) async fn facts_of_many<C: ConnectionTrait>(
    cache: &reference::Cache,
    db: &C,
    rows: Vec<LoanInSituation>,
    at: DateTime<Utc>,
) -> ServiceResult<Vec<Loaded>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<LoanInSituation> = rows.by_ref().take(FACTS_CHUNK).collect();
        let mut laws: Vec<(entity::enums::Jurisdiction, Arc<reference::Law>)> = Vec::new();
        for r in &chunk {
            if !laws.iter().any(|(j, _)| *j == r.loan.jurisdiction) {
                laws.push((r.loan.jurisdiction, Arc::new(reference::law(cache, db, r.loan.jurisdiction, at).await?)));
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
    law: &Arc<reference::Law>,
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
    Loaded { loan: l, language: s.s_language, facts, law: Arc::clone(law) }
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
