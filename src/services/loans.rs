//! Loans as the MFO's core-banking system reports them (borrowers, contracts, schedules,
//! payments, legal facts), and the loan queries every role uses within its scope.
//!
//! Ingestion is idempotent by the MFO's own external ids: sending the same row again
//! changes nothing; a bad row is refused whole with user errors naming its fields.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use entity::enums::{ClaimAssignee, Currency, EscalationKind, Language, LegalFactKind, LoanStatus, RepaymentOrder};
use entity::{DbDecimal, borrower, installment, loan, payment};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::write::{Actor, EscalationDraft, Subject, Visibility, Write};
use super::{Ctx, Page, reference, scope};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError};
use crate::ids::{BorrowerId, LoanId};
use crate::money;
use crate::rules::calendar::time_zone;
use crate::rules::loans::{self as rules, Ledger, ScheduleProblem};

const MAX_ID_LEN: usize = 100;
/// No microloan comes near a trillion; the bound keeps sums of amounts far from overflow.
pub(crate) const MAX_AMOUNT: Decimal = rust_decimal_macros::dec!(1_000_000_000_000);
/// Input sanity bounds (not figures of the law), shared with restructuring's new terms.
pub(crate) const MAX_ANNUAL_RATE: Decimal = rust_decimal_macros::dec!(10);
pub(crate) const MAX_TERM_MONTHS: i32 = 600;
/// The most lines a schedule may have (one a month over the longest term).
const MAX_SCHEDULE_LINES: usize = MAX_TERM_MONTHS as usize;
const MAX_TEXT_LEN: usize = 1000;

#[derive(Debug, Clone, Serialize)]
pub struct BorrowerInput {
    pub external_id: String,
    pub full_name: String,
    pub national_id: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: Language,
    pub socially_vulnerable: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstallmentInput {
    pub due_date: NaiveDate,
    pub principal: Decimal,
    pub interest: Decimal,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoanInput {
    pub external_id: String,
    pub borrower_external_id: String,
    pub contract_number: String,
    pub contract_date: NaiveDate,
    /// ISO 4217 code; parsed here so an unknown one is a user error on the field.
    pub currency: String,
    pub principal: Decimal,
    pub annual_rate: Decimal,
    pub term_months: i32,
    pub credit_limit: Option<Decimal>,
    pub status: LoanStatus,
    pub repayment_order: RepaymentOrder,
    pub mortgage_secured: bool,
    pub secured_by_dwelling: bool,
    pub business_purpose: bool,
    pub contract_allows_agency: bool,
    /// X4: the meeting terms the contract sets, if any (none: the policy's).
    pub contract_meetings: Option<MeetingTermsInput>,
    pub schedule: Vec<InstallmentInput>,
}

/// X4 "unless the contract sets other terms": what the contract agreed about meetings at
/// the MFO's premises. A term left out is the policy's.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MeetingTermsInput {
    /// Local time (borrower's jurisdiction) the window opens, included.
    pub window_start: Option<NaiveTime>,
    /// Local time it closes, excluded.
    pub window_end: Option<NaiveTime>,
    pub per_day: Option<i32>,
    /// Monday to Sunday.
    pub per_week: Option<i32>,
    /// Meetings also on weekends and official days off.
    pub on_days_off: bool,
}

/// A loan named by our id or by the MFO's own.
#[derive(Debug, Clone, Serialize)]
pub enum LoanRef {
    Id(LoanId),
    External(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct PaymentInput {
    pub loan: LoanRef,
    pub external_id: String,
    pub paid_at: DateTime<Utc>,
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize)]
pub struct LegalFactInput {
    pub loan: LoanRef,
    pub kind: LegalFactKind,
    pub occurred_on: NaiveDate,
    /// Only for an insolvency procedure that has ended.
    pub ended_on: Option<NaiveDate>,
    /// Only for an assigned claim: who took it (R14 applies to a collection agency).
    pub assignee: Option<ClaimAssignee>,
}

#[derive(Debug, Clone, Default)]
pub struct LoanFilter {
    pub status: Option<LoanStatus>,
    pub overdue: Option<bool>,
    pub borrower_id: Option<BorrowerId>,
    /// On `contract_date`.
    pub contract_date: super::Range<chrono::NaiveDate>,
    /// Records changed (created included) at or after this instant: see `services::changes`.
    pub updated_after: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct BorrowerFilter {
    /// On `created_at` (when the borrower was first synced).
    pub created: super::Range<DateTime<Utc>>,
    /// Records changed (created included) at or after this instant: see `services::changes`.
    pub updated_after: Option<DateTime<Utc>>,
}

pub(crate) fn require_ingest(p: &Principal) -> ServiceResult<()> {
    if p.acts_for_mfo() { Ok(()) } else { Err(ServiceError::Forbidden("only the MFO's staff keep its loans in sync")) }
}

fn check_text(problems: &mut Problems, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        problems.push(UserError::invalid(&[field], crate::error::UserErrorReason::Required));
    } else if value.chars().count() > max {
        problems
            .push(UserError::invalid(&[field], crate::error::UserErrorReason::TooLong).with_param("maxLength", max));
    }
}

fn check_optional_text(problems: &mut Problems, field: &str, value: Option<&str>, max: usize) {
    if let Some(v) = value {
        check_text(problems, field, v, max);
    }
}

/// A phone number as the core-banking system sends it: `+`, digits, spaces, dashes,
/// parentheses; 7 to 15 digits.
pub fn check_phone(problems: &mut Problems, field: &str, phone: Option<&str>) {
    if let Some(phone) = phone {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
        problems.check(allowed && (7..=15).contains(&digits), || {
            UserError::invalid(&[field], crate::error::UserErrorReason::Malformed).with_param("format", "phone")
        });
    }
}

pub fn check_email(problems: &mut Problems, field: &str, email: Option<&str>) {
    if let Some(email) = email {
        let ok = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
            && !email.contains(char::is_whitespace);
        problems.check(ok, || {
            UserError::invalid(&[field], crate::error::UserErrorReason::Malformed).with_param("format", "email")
        });
    }
}

fn borrower_snapshot(b: &borrower::Model) -> serde_json::Value {
    json!({
        "externalId": b.external_id, "fullName": b.full_name, "nationalId": b.national_id,
        "address": b.address, "phone": b.phone, "email": b.email, "language": b.language,
        "sociallyVulnerable": b.socially_vulnerable,
    })
}

/// What a sync item did to its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    /// The same data again: nothing written, nothing recorded.
    Unchanged,
}

/// The checks of a borrower that need no database.
pub(crate) fn validate_borrower(input: &BorrowerInput) -> ServiceResult<()> {
    let mut problems = Problems::new();
    check_text(&mut problems, "externalId", &input.external_id, MAX_ID_LEN);
    check_text(&mut problems, "fullName", &input.full_name, 300);
    check_optional_text(&mut problems, "nationalId", input.national_id.as_deref(), 32);
    check_optional_text(&mut problems, "address", input.address.as_deref(), MAX_TEXT_LEN);
    check_phone(&mut problems, "phone", input.phone.as_deref());
    check_email(&mut problems, "email", input.email.as_deref());
    problems.finish()
}

pub async fn upsert_borrower(ctx: &Ctx, p: &Principal, input: BorrowerInput) -> ServiceResult<borrower::Model> {
    require_ingest(p)?;
    validate_borrower(&input)?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let (row, outcome) = write_borrower(&mut w, p, input).await?;
    finish_one(w, outcome).await?;
    Ok(row)
}

/// Commits a single sync's change, or rolls back one that changed nothing.
async fn finish_one(w: Write, outcome: Outcome) -> ServiceResult<()> {
    match outcome {
        Outcome::Unchanged => w.rollback().await,
        Outcome::Created | Outcome::Updated => w.commit().await,
    }
}

/// Upserts a validated borrower within `w` (one call of `upsertBorrower`, or one item of
/// `upsertBorrowers`).
pub(crate) async fn write_borrower(
    w: &mut Write,
    p: &Principal,
    input: BorrowerInput,
) -> ServiceResult<(borrower::Model, Outcome)> {
    let mfo = p.org_id.0;
    let mut row = borrower::Model {
        id: w.new_id(),
        mfo_id: mfo,
        external_id: input.external_id.clone(),
        full_name: input.full_name.trim().to_owned(),
        national_id: input.national_id,
        address: input.address,
        phone: input.phone,
        email: input.email,
        language: input.language,
        socially_vulnerable: input.socially_vulnerable,
        created_at: w.now,
        updated_at: w.now,
    };
    // Inserted unless the external id is stored (or being stored by a concurrent sync,
    // whose commit this waits for): then that row is the one to update, locked.
    let existing = if w
        .insert_new(row.clone().into_active_model(), [borrower::Column::MfoId, borrower::Column::ExternalId])
        .await?
    {
        None
    } else {
        let which = Condition::all().add(borrower::Column::ExternalId.eq(&input.external_id));
        let e = w
            .for_change_where::<borrower::Entity>(Condition::all().add(borrower::Column::MfoId.eq(mfo)), which)
            .await?;
        row = borrower::Model { id: e.id, created_at: e.created_at, updated_at: e.updated_at, ..row };
        Some(e)
    };
    let before = existing.as_ref().map(borrower_snapshot);
    let after = borrower_snapshot(&row);
    if let Some(e) = existing.filter(|_| before.as_ref() == Some(&after)) {
        // The same row again: nothing changed, nothing to record.
        return Ok((e, Outcome::Unchanged));
    }
    if before.is_some() {
        row.updated_at = w.now;
        borrower::Entity::update(row.clone().into_active_model().reset_all()).exec(w.txn()).await?;
    }
    let subject = Subject::new("borrower", row.id);
    let (action, outcome) =
        if before.is_some() { ("borrower.updated", Outcome::Updated) } else { ("borrower.created", Outcome::Created) };
    w.audit(action, subject, Some(mfo), before, Some(after));
    w.event(action, subject, Visibility { org_id: Some(mfo), jurisdiction: Some(p.jurisdiction) }, json!({}));
    Ok((row, outcome))
}

fn loan_snapshot(l: &loan::Model, schedule: &[installment::Model]) -> serde_json::Value {
    json!({
        "externalId": l.external_id, "contractNumber": l.contract_number, "contractDate": l.contract_date,
        "currency": l.currency, "principal": l.principal.to_string(), "annualRate": l.annual_rate.to_string(),
        "termMonths": l.term_months, "creditLimit": l.credit_limit.map(|c| c.to_string()), "status": l.status,
        "repaymentOrder": l.repayment_order, "mortgageSecured": l.mortgage_secured,
        "securedByDwelling": l.secured_by_dwelling, "businessPurpose": l.business_purpose,
        "contractAllowsAgency": l.contract_allows_agency, "borrowerId": l.borrower_id,
        "courtActOn": l.court_act_on, "enforcementInscriptionOn": l.enforcement_inscription_on,
        "settlementAgreementOn": l.settlement_agreement_on, "reducingSettlementOn": l.reducing_settlement_on,
        "claimAssignedOn": l.claim_assigned_on, "claimAssignee": l.claim_assignee,
        "insolvencyFrom": l.insolvency_from, "insolvencyTo": l.insolvency_to,
        "contractMeetingTerms": {
            "windowStart": l.contract_meeting_window_start, "windowEnd": l.contract_meeting_window_end,
            "perDay": l.contract_meetings_per_day, "perWeek": l.contract_meetings_per_week,
            "onDaysOff": l.contract_meetings_on_days_off,
        },
        "schedule": schedule.iter().map(|i| json!([i.seq, i.due_date, i.principal.to_string(), i.interest.to_string()])).collect::<Vec<_>>(),
    })
}

fn parse_currency(code: &str) -> Option<Currency> {
    match code {
        "KZT" => Some(Currency::Kzt),
        "KGS" => Some(Currency::Kgs),
        "USD" => Some(Currency::Usd),
        _ => None,
    }
}

/// X4's contract terms must describe a window that opens before it closes and at least
/// one meeting a day and a week (a contract that forbids meetings sets no X4 terms).
fn check_meeting_terms(problems: &mut Problems, t: &MeetingTermsInput) {
    let field = "contractMeetingTerms";
    problems.check(t.window_start.is_some() == t.window_end.is_some(), || {
        UserError::invalid(&[field, "windowStart"], crate::error::UserErrorReason::BothOrNeither)
            .with_param("fields", vec!["windowStart", "windowEnd"])
    });
    if let (Some(start), Some(end)) = (t.window_start, t.window_end) {
        problems.check(start < end, || {
            UserError::invalid(&[field, "windowEnd"], crate::error::UserErrorReason::EndBeforeStart)
                .with_param("start", "windowStart")
        });
    }
    for (name, v) in [("perDay", t.per_day), ("perWeek", t.per_week)] {
        problems.check(v.is_none_or(|n| n >= 1), || {
            UserError::invalid(&[field, name], crate::error::UserErrorReason::OutOfRange).at_least(1)
        });
    }
    if let (Some(day), Some(week)) = (t.per_day, t.per_week) {
        problems.check(day <= week, || {
            UserError::invalid(&[field, "perDay"], crate::error::UserErrorReason::OutOfRange).at_most(week)
        });
    }
}

pub(crate) fn validate_loan(input: &LoanInput) -> ServiceResult<Currency> {
    let mut problems = Problems::new();
    check_text(&mut problems, "externalId", &input.external_id, MAX_ID_LEN);
    check_text(&mut problems, "borrowerExternalId", &input.borrower_external_id, MAX_ID_LEN);
    check_text(&mut problems, "contractNumber", &input.contract_number, MAX_ID_LEN);
    let currency = parse_currency(&input.currency);
    problems.check(currency.is_some(), || {
        UserError::invalid(&["currency"], crate::error::UserErrorReason::UnsupportedValue)
            .with_param("allowed", vec!["KZT", "KGS", "USD"])
    });
    problems.check(input.principal > Decimal::ZERO && input.principal <= MAX_AMOUNT, || {
        UserError::invalid(&["principal"], crate::error::UserErrorReason::OutOfRange).positive_up_to(MAX_AMOUNT)
    });
    problems.in_range(&["annualRate"], input.annual_rate, Decimal::ZERO, MAX_ANNUAL_RATE);
    problems.in_range(&["termMonths"], input.term_months, 1, MAX_TERM_MONTHS);
    if let Some(limit) = input.credit_limit {
        problems.in_range(&["creditLimit"], limit, Decimal::ZERO, MAX_AMOUNT);
    }
    if let Some(terms) = &input.contract_meetings {
        check_meeting_terms(&mut problems, terms);
    }
    if let Some(c) = currency {
        money::check_scale(&mut problems, &["principal"], input.principal, c);
        if let Some(limit) = input.credit_limit {
            money::check_scale(&mut problems, &["creditLimit"], limit, c);
        }
        for (i, line) in input.schedule.iter().enumerate() {
            for (field, amount) in [("principal", line.principal), ("interest", line.interest)] {
                money::check_scale(&mut problems, &["schedule", &i.to_string(), field], amount, c);
            }
        }
    }
    problems.check(input.schedule.len() <= MAX_SCHEDULE_LINES, || {
        UserError::invalid(&["schedule"], crate::error::UserErrorReason::TooMany)
            .with_param("maxItems", MAX_SCHEDULE_LINES)
    });
    for (i, line) in input.schedule.iter().enumerate() {
        for (field, amount) in [("principal", line.principal), ("interest", line.interest)] {
            problems.check(amount <= MAX_AMOUNT, || {
                UserError::invalid(&["schedule", &i.to_string(), field], crate::error::UserErrorReason::OutOfRange)
                    .at_most(MAX_AMOUNT)
            });
        }
    }
    if !problems.is_empty() {
        // The schedule checks below add amounts up: only bounded ones.
        problems.finish()?;
    }
    let schedule: Vec<rules::Installment> = input
        .schedule
        .iter()
        .enumerate()
        .map(|(i, s)| rules::Installment {
            seq: i as i32 + 1,
            due_date: s.due_date,
            principal: s.principal,
            interest: s.interest,
        })
        .collect();
    for problem in rules::check_schedule(&schedule, input.principal, input.contract_date) {
        problems.push(match problem {
            ScheduleProblem::Empty => UserError::invalid(&["schedule"], crate::error::UserErrorReason::Required),
            ScheduleProblem::NegativeAmount { index, field } => {
                UserError::invalid(&["schedule", &index.to_string(), field], crate::error::UserErrorReason::OutOfRange)
                    .at_least(0)
            }
            ScheduleProblem::DateOutOfOrder { index } => UserError::invalid(
                &["schedule", &index.to_string(), "dueDate"],
                crate::error::UserErrorReason::OutOfOrder,
            ),
            ScheduleProblem::BeforeContract { index } => UserError::invalid(
                &["schedule", &index.to_string(), "dueDate"],
                crate::error::UserErrorReason::DateOutOfRange,
            ),
            ScheduleProblem::PrincipalMismatch { scheduled, principal } => {
                // Money, at the currency's scale like every amount the API returns.
                let at_scale = |a: Decimal| currency.map_or(a, |c| money::at_scale(a, c));
                UserError::invalid(&["schedule"], crate::error::UserErrorReason::SumMismatch)
                    .with_param("sum", at_scale(scheduled).to_string())
                    .with_param("expected", at_scale(principal).to_string())
            }
        });
    }
    problems.finish()?;
    currency.ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("currency checked above")))
}

pub async fn upsert_loan(ctx: &Ctx, p: &Principal, input: LoanInput) -> ServiceResult<loan::Model> {
    require_ingest(p)?;
    let currency = validate_loan(&input)?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let (row, outcome) = write_loan(&mut w, p, &input, currency).await?;
    finish_one(w, outcome).await?;
    Ok(row)
}

/// Upserts a validated loan with its schedule within `w` (one call of `upsertLoan`, or
/// one item of `upsertLoans`).
pub(crate) async fn write_loan(
    w: &mut Write,
    p: &Principal,
    input: &LoanInput,
    currency: Currency,
) -> ServiceResult<(loan::Model, Outcome)> {
    let mfo = p.org_id.0;
    let Some(borrower) = borrower::Entity::find()
        .filter(borrower::Column::MfoId.eq(mfo))
        .filter(borrower::Column::ExternalId.eq(&input.borrower_external_id))
        .one(w.txn())
        .await?
    else {
        return Err(ServiceError::user(UserError::invalid(
            &["borrowerExternalId"],
            crate::error::UserErrorReason::UnknownReference,
        )));
    };
    let mut row = loan::Model {
        id: w.new_id(),
        mfo_id: mfo,
        borrower_id: borrower.id,
        jurisdiction: p.jurisdiction,
        external_id: input.external_id.clone(),
        contract_number: String::new(),
        contract_date: input.contract_date,
        currency,
        principal: DbDecimal::default(),
        annual_rate: DbDecimal::default(),
        term_months: 0,
        credit_limit: None,
        status: input.status,
        repayment_order: input.repayment_order,
        mortgage_secured: false,
        secured_by_dwelling: false,
        business_purpose: false,
        contract_allows_agency: false,
        court_act_on: None,
        enforcement_inscription_on: None,
        settlement_agreement_on: None,
        reducing_settlement_on: None,
        claim_assigned_on: None,
        insolvency_from: None,
        insolvency_to: None,
        first_unpaid_due_date: None,
        notice_episode_since: None,
        notice_checked_due_date: None,
        contract_meeting_window_start: None,
        contract_meeting_window_end: None,
        contract_meetings_per_day: None,
        contract_meetings_per_week: None,
        contract_meetings_on_days_off: false,
        claim_assignee: None,
        created_at: w.now,
        updated_at: w.now,
    };
    apply_loan_input(&mut row, input, borrower.id, currency);
    // Inserted unless the external id is stored (or being stored by a concurrent sync,
    // whose commit this waits for): then that row is the one to update, locked, with what
    // the MFO does not send (legal facts, derived dates) kept.
    let existing =
        if w.insert_new(row.clone().into_active_model(), [loan::Column::MfoId, loan::Column::ExternalId]).await? {
            None
        } else {
            let which = Condition::all().add(loan::Column::ExternalId.eq(&input.external_id));
            let e =
                w.for_change_where::<loan::Entity>(Condition::all().add(loan::Column::MfoId.eq(mfo)), which).await?;
            row = e.clone();
            apply_loan_input(&mut row, input, borrower.id, currency);
            Some(e)
        };
    let old_schedule = match &existing {
        Some(l) => schedule_of(w.txn(), l.id).await?,
        None => Vec::new(),
    };
    let new_schedule: Vec<installment::Model> = input
        .schedule
        .iter()
        .enumerate()
        .map(|(i, s)| installment::Model {
            id: w.new_id(),
            loan_id: row.id,
            seq: i as i32 + 1,
            due_date: s.due_date,
            principal: s.principal.normalize().into(),
            interest: s.interest.normalize().into(),
        })
        .collect();

    let before = existing.as_ref().map(|l| loan_snapshot(l, &old_schedule));
    let after = loan_snapshot(&row, &new_schedule);
    if let Some(e) = existing.filter(|_| before.as_ref() == Some(&after)) {
        return Ok((e, Outcome::Unchanged));
    }
    if before.is_some() {
        row.updated_at = w.now;
        loan::Entity::update(row.clone().into_active_model().reset_all()).exec(w.txn()).await?;
    }
    let schedule_changed = before.as_ref().map(|b| b["schedule"] != after["schedule"]).unwrap_or(true);
    if schedule_changed {
        replace_schedule(w, row.id, new_schedule).await?;
    }
    let row = refresh_derived(w, row).await?;
    let subject = Subject::new("loan", row.id);
    let (action, outcome) =
        if before.is_some() { ("loan.updated", Outcome::Updated) } else { ("loan.created", Outcome::Created) };
    w.audit(action, subject, Some(mfo), before, Some(after));
    w.event(action, subject, visibility(&row), json!({ "loanId": row.id }));
    Ok((row, outcome))
}

/// What the MFO sends of a loan, onto its row.
fn apply_loan_input(row: &mut loan::Model, input: &LoanInput, borrower_id: Uuid, currency: Currency) {
    row.borrower_id = borrower_id;
    row.contract_number = input.contract_number.trim().to_owned();
    row.contract_date = input.contract_date;
    row.currency = currency;
    row.principal = input.principal.normalize().into();
    row.annual_rate = input.annual_rate.normalize().into();
    row.term_months = input.term_months;
    row.credit_limit = input.credit_limit.map(|c| c.normalize().into());
    row.status = input.status;
    row.repayment_order = input.repayment_order;
    row.mortgage_secured = input.mortgage_secured;
    row.secured_by_dwelling = input.secured_by_dwelling;
    row.business_purpose = input.business_purpose;
    row.contract_allows_agency = input.contract_allows_agency;
    // X4: the whole loan is sent each time; no terms sent means none agreed.
    let terms = input.contract_meetings.clone().unwrap_or_default();
    row.contract_meeting_window_start = terms.window_start;
    row.contract_meeting_window_end = terms.window_end;
    row.contract_meetings_per_day = terms.per_day;
    row.contract_meetings_per_week = terms.per_week;
    row.contract_meetings_on_days_off = terms.on_days_off;
}

pub(crate) fn visibility(l: &loan::Model) -> Visibility {
    Visibility { org_id: Some(l.mfo_id), jurisdiction: Some(l.jurisdiction) }
}

/// Rows for a schedule the rules computed (R11, M2, M3).
pub(crate) fn installment_rows(w: &Write, loan_id: Uuid, schedule: &[rules::Installment]) -> Vec<installment::Model> {
    schedule
        .iter()
        .map(|i| installment::Model {
            id: w.new_id(),
            loan_id,
            seq: i.seq,
            due_date: i.due_date,
            principal: DbDecimal(i.principal.normalize()),
            interest: DbDecimal(i.interest.normalize()),
        })
        .collect()
}

/// Replaces a loan's schedule (ingestion, R11 and M2 regenerate it). The audit entry of
/// the caller records the schedule before and after.
pub(crate) async fn replace_schedule(w: &Write, loan_id: Uuid, schedule: Vec<installment::Model>) -> ServiceResult<()> {
    installment::Entity::delete_many().filter(installment::Column::LoanId.eq(loan_id)).exec(w.txn()).await?;
    if !schedule.is_empty() {
        installment::Entity::insert_many(schedule.into_iter().map(IntoActiveModel::into_active_model))
            .exec_without_returning(w.txn())
            .await?;
    }
    Ok(())
}

pub(crate) async fn schedule_of<C: ConnectionTrait>(db: &C, loan_id: Uuid) -> ServiceResult<Vec<installment::Model>> {
    Ok(installment::Entity::find()
        .filter(installment::Column::LoanId.eq(loan_id))
        .order_by_asc(installment::Column::Seq)
        .all(db)
        .await?)
}

pub(crate) async fn payments_of_loan<C: ConnectionTrait>(db: &C, loan_id: Uuid) -> ServiceResult<Vec<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(payment::Column::LoanId.eq(loan_id))
        .order_by_asc(payment::Column::PaidAt)
        .all(db)
        .await?)
}

/// The ledger of a loan from its rows (R1, C9): payments dated in the loan's local time.
pub fn ledger(l: &loan::Model, schedule: &[installment::Model], payments: &[payment::Model]) -> Ledger {
    let tz = time_zone(l.jurisdiction);
    let installments: Vec<rules::Installment> = schedule
        .iter()
        .map(|i| rules::Installment {
            seq: i.seq,
            due_date: i.due_date,
            principal: i.principal.0,
            interest: i.interest.0,
        })
        .collect();
    let payments: Vec<rules::Payment> = payments
        .iter()
        .map(|p| rules::Payment { paid_on: p.paid_at.with_timezone(&tz).date_naive(), amount: p.amount.0 })
        .collect();
    Ledger::build(&installments, &payments, l.repayment_order)
}

/// The loan's local date at `now`.
pub fn local_today(l: &loan::Model, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&time_zone(l.jurisdiction)).date_naive()
}

/// Recomputes what is derived from schedule and payments and stores it on the loan.
pub(crate) async fn refresh_derived(w: &mut Write, mut l: loan::Model) -> ServiceResult<loan::Model> {
    let schedule = schedule_of(w.txn(), l.id).await?;
    let payments = payments_of_loan(w.txn(), l.id).await?;
    let ledger = ledger(&l, &schedule, &payments);
    let first_unpaid = ledger.first_unpaid().map(|s| s.due_date);
    if l.notice_episode_since.is_some() && !ledger.overdue(local_today(&l, w.now)).is_overdue() {
        super::restructuring::overdue_cleared(w, &l).await?;
    }
    if first_unpaid != l.first_unpaid_due_date {
        loan::Entity::update_many()
            .col_expr(loan::Column::FirstUnpaidDueDate, Expr::value(first_unpaid))
            .filter(loan::Column::Id.eq(l.id))
            .exec(w.txn())
            .await?;
        l.first_unpaid_due_date = first_unpaid;
    }
    Ok(l)
}

/// Reads a loan of the principal's MFO, by our id or the MFO's own, for a change of it
/// (locked: `Write::for_change`).
async fn own_loan_for_change(w: &Write, p: &Principal, loan_ref: &LoanRef) -> ServiceResult<loan::Model> {
    let scope = Condition::all().add(loan::Column::MfoId.eq(p.org_id.0));
    let which = match loan_ref {
        LoanRef::Id(id) => loan::Column::Id.eq(id.0),
        LoanRef::External(ext) => loan::Column::ExternalId.eq(ext),
    };
    w.for_change_where::<loan::Entity>(scope, Condition::all().add(which)).await
}

/// Reads a loan in `scope` for a change of it or of what hangs on it (a hand-over, a
/// deferral, a contact counted against its limits), locked until the commit, so that
/// changes of one loan apply one after the other.
pub(crate) async fn for_change(w: &Write, scope: Condition, id: LoanId) -> ServiceResult<loan::Model> {
    w.for_change::<loan::Entity>(scope, id.0).await
}

/// The checks of a payment that need no database (its scale needs the loan's currency).
pub(crate) fn validate_payment(input: &PaymentInput, now: DateTime<Utc>) -> ServiceResult<()> {
    let mut problems = Problems::new();
    check_text(&mut problems, "externalId", &input.external_id, MAX_ID_LEN);
    problems.check(input.amount > Decimal::ZERO && input.amount <= MAX_AMOUNT, || {
        UserError::invalid(&["amount"], crate::error::UserErrorReason::OutOfRange).positive_up_to(MAX_AMOUNT)
    });
    problems
        .check(input.paid_at <= now, || UserError::invalid(&["paidAt"], crate::error::UserErrorReason::DateInFuture));
    problems.finish()
}

pub async fn record_payment(
    ctx: &Ctx,
    p: &Principal,
    input: PaymentInput,
) -> ServiceResult<(payment::Model, loan::Model)> {
    require_ingest(p)?;
    validate_payment(&input, ctx.clock.now())?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let (payment, loan, outcome) = write_payment(&mut w, p, &input).await?;
    finish_one(w, outcome).await?;
    Ok((payment, loan))
}

/// Records a validated payment within `w` (one call of `recordPayment`, or one item of
/// `recordPayments`). The same external id again is the same payment (`Unchanged`), or a
/// CONFLICT when it says otherwise.
pub(crate) async fn write_payment(
    w: &mut Write,
    p: &Principal,
    input: &PaymentInput,
) -> ServiceResult<(payment::Model, loan::Model, Outcome)> {
    let l = own_loan_for_change(w, p, &input.loan).await?;
    let mut problems = Problems::new();
    money::check_scale(&mut problems, &["amount"], input.amount, l.currency);
    problems.finish()?;
    let row = payment::Model {
        id: w.new_id(),
        loan_id: l.id,
        external_id: input.external_id.clone(),
        paid_at: input.paid_at,
        amount: input.amount.normalize().into(),
        created_at: w.now,
    };
    if !w.insert_new(row.clone().into_active_model(), [payment::Column::LoanId, payment::Column::ExternalId]).await? {
        // A payment is a fact: the same external id again is the same payment (a retry),
        // or a CONFLICT when it says otherwise.
        let existing = payment::Entity::find()
            .filter(payment::Column::LoanId.eq(l.id))
            .filter(payment::Column::ExternalId.eq(&input.external_id))
            .one(w.txn())
            .await?
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("a payment's key conflicted but is not visible")))?;
        return if existing.amount.0 == input.amount && existing.paid_at == input.paid_at {
            Ok((existing, l, Outcome::Unchanged))
        } else {
            Err(ServiceError::user(UserError::conflict(
                &["externalId"],
                crate::error::UserErrorReason::RetryWithOtherInput,
            )))
        };
    }
    let l = refresh_derived(w, l).await?;
    let subject = Subject::new("payment", row.id);
    let after = json!({ "loanId": l.id, "externalId": row.external_id, "paidAt": row.paid_at, "amount": row.amount.to_string() });
    w.audit("payment.recorded", subject, Some(l.mfo_id), None, Some(after.clone()));
    w.event("payment.recorded", Subject::new("loan", l.id), visibility(&l), after);
    Ok((row, l, Outcome::Created))
}

pub async fn record_legal_fact(ctx: &Ctx, p: &Principal, input: LegalFactInput) -> ServiceResult<loan::Model> {
    require_ingest(p)?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let l = own_loan_for_change(&w, p, &input.loan).await?;
    let today = reference::calendar(w.reference(), w.txn(), l.jurisdiction).await?.local_date(w.now);
    let mut problems = Problems::new();
    problems.check(input.occurred_on <= today, || {
        UserError::invalid(&["occurredOn"], crate::error::UserErrorReason::DateInFuture)
    });
    match (input.kind, input.ended_on) {
        (LegalFactKind::InsolvencyProcedure, Some(end)) => {
            problems.check(end >= input.occurred_on && end <= today, || {
                UserError::invalid(&["endedOn"], crate::error::UserErrorReason::DateOutOfRange)
                    .with_param("notBefore", input.occurred_on.to_string())
                    .with_param("notAfter", today.to_string())
            });
        }
        (LegalFactKind::InsolvencyProcedure, None) => {}
        (_, Some(_)) => problems.push(UserError::invalid(&["endedOn"], crate::error::UserErrorReason::NotApplicable)),
        (_, None) => {}
    }
    problems.check(input.assignee.is_none() || input.kind == LegalFactKind::ClaimAssigned, || {
        UserError::invalid(&["assignee"], crate::error::UserErrorReason::NotApplicable)
    });
    // Dropping `w` on the error path rolls the (so far read-only) transaction back.
    problems.finish()?;
    let schedule = schedule_of(w.txn(), l.id).await?;
    let before = loan_snapshot(&l, &schedule);
    let mut row = l.clone();
    let on = Some(input.occurred_on);
    match input.kind {
        LegalFactKind::CourtAct => row.court_act_on = on,
        LegalFactKind::EnforcementInscription => row.enforcement_inscription_on = on,
        LegalFactKind::SettlementAgreement => row.settlement_agreement_on = on,
        LegalFactKind::ReducingSettlement => row.reducing_settlement_on = on,
        LegalFactKind::ClaimAssigned => {
            row.claim_assigned_on = on;
            row.claim_assignee = input.assignee;
        }
        LegalFactKind::InsolvencyProcedure => {
            row.insolvency_from = on;
            row.insolvency_to = input.ended_on;
        }
    }
    let after = loan_snapshot(&row, &schedule);
    if after == before {
        // The same fact again: nothing changed, nothing to record or flag twice.
        w.rollback().await?;
        return Ok(row);
    }
    row.updated_at = w.now;
    loan::Entity::update(row.clone().into_active_model().reset_all()).exec(w.txn()).await?;
    let subject = Subject::new("loan", row.id);
    if input.kind == LegalFactKind::ClaimAssigned {
        // R17.3 / R14: an assignment is a fact that already happened, so it is recorded
        // whatever it broke (R3 must know of it); what it broke is escalated.
        if let Some((v, reason)) =
            super::collection::assignment_verdict(w.reference(), w.txn(), &row, input.occurred_on, input.assignee)
                .await?
            && !v.allowed
        {
            for rule in &v.basis {
                w.escalate(EscalationDraft {
                    kind: EscalationKind::RuleBreach,
                    rule: (*rule).to_owned(),
                    org_id: row.mfo_id,
                    jurisdiction: row.jurisdiction,
                    subject_type: "loan".into(),
                    subject_id: row.id,
                    deadline_id: None,
                    message: crate::i18n::Msg::new(crate::i18n::MsgId::EscalationClaimAssigned)
                        .arg("contract", row.contract_number.clone())
                        .arg("on", input.occurred_on.to_string())
                        .arg("rule", *rule),
                    details: json!({ "loanId": row.id, "action": v.action, "assignee": input.assignee,
                        "occurredOn": input.occurred_on, "reason": reason }),
                });
            }
        }
    }
    w.audit("loan.legal_fact_recorded", subject, Some(row.mfo_id), Some(before), Some(after));
    w.event(
        "loan.legal_fact_recorded",
        subject,
        visibility(&row),
        json!({ "kind": input.kind, "occurredOn": input.occurred_on, "endedOn": input.ended_on, "assignee": input.assignee }),
    );
    w.commit().await?;
    Ok(row)
}

/// A loan the principal may see, or NOT_FOUND (also when it exists outside the scope).
pub async fn get(ctx: &Ctx, p: &Principal, id: LoanId) -> ServiceResult<loan::Model> {
    loan::Entity::find_by_id(id.0).filter(scope::loans(p)).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}

/// A page of loans in the principal's scope, oldest first, after the cursor.
/// `loans`: in id order (UUIDv7: the order the loans were first synced), after `after`.
pub async fn list(
    ctx: &Ctx,
    p: &Principal,
    filter: &LoanFilter,
    after: Option<Uuid>,
    first: u64,
) -> ServiceResult<Page<loan::Model>> {
    super::changes::check_since(ctx, filter.updated_after)?;
    let mut query = filtered(ctx, p, filter);
    if let Some(after) = after {
        query = query.filter(loan::Column::Id.gt(after));
    }
    super::read_page(&ctx.db, query.order_by_asc(loan::Column::Id), first).await
}

/// `loans { totalCount }`: every loan of `list`'s scope and filter.
pub async fn count(ctx: &Ctx, p: &Principal, filter: &LoanFilter) -> ServiceResult<u64> {
    super::count_rows(&ctx.db, filtered(ctx, p, filter)).await
}

fn filtered(ctx: &Ctx, p: &Principal, filter: &LoanFilter) -> sea_orm::Select<loan::Entity> {
    let mut query =
        loan::Entity::find().filter(scope::loans(p)).filter(filter.contract_date.condition(loan::Column::ContractDate));
    if let Some(status) = filter.status {
        query = query.filter(loan::Column::Status.eq(status));
    }
    if let Some(b) = filter.borrower_id {
        query = query.filter(loan::Column::BorrowerId.eq(b.0));
    }
    if let Some(overdue) = filter.overdue {
        query = query.filter(overdue_now(ctx.clock.now(), overdue));
    }
    if let Some(t) = filter.updated_after {
        query = query.filter(super::changes::updated_since("loan", loan::Column::Id, t));
    }
    query
}

/// R1: the loans that are (`true`) or are not (`false`) overdue at `now`, each in the local
/// time of its jurisdiction. Overdue: the oldest unpaid installment fell due before today
/// (`first_unpaid_due_date < today`), whatever the loan's status. Not overdue is exactly
/// the rest: nothing unpaid (`first_unpaid_due_date` NULL: repaid, closed, or a loan with no
/// schedule) or nothing unpaid due before today. Written positively for both answers
/// because `NOT (date < today)` is NULL, not true, for a NULL date: the two filters
/// partition every loan.
fn overdue_now(now: DateTime<Utc>, overdue: bool) -> sea_orm::Condition {
    let mut any = sea_orm::Condition::any();
    for j in [entity::enums::Jurisdiction::Kz, entity::enums::Jurisdiction::Kg] {
        let today = now.with_timezone(&time_zone(j)).date_naive();
        let position = if overdue {
            sea_orm::Condition::all().add(loan::Column::FirstUnpaidDueDate.lt(today))
        } else {
            sea_orm::Condition::any()
                .add(loan::Column::FirstUnpaidDueDate.is_null())
                .add(loan::Column::FirstUnpaidDueDate.gte(today))
        };
        any = any.add(sea_orm::Condition::all().add(loan::Column::Jurisdiction.eq(j)).add(position));
    }
    any
}

/// Borrowers by id, for a loader; the caller has already scoped the loans they hang off.
pub async fn borrowers_by_id<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> ServiceResult<HashMap<Uuid, borrower::Model>> {
    let rows = borrower::Entity::find().filter(borrower::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    Ok(rows.into_iter().map(|b| (b.id, b)).collect())
}

pub async fn schedules_by_loan<C: ConnectionTrait>(
    db: &C,
    loan_ids: &[Uuid],
) -> ServiceResult<HashMap<Uuid, Vec<installment::Model>>> {
    use installment::Column as C;
    // Read by position, not by name: a page of 50 loans is 600 lines, and sea-orm's model
    // decoding looks every column of every row up by name (a profile of the loan page put
    // ~4% of the CPU in those lookups).
    type Line = (Uuid, Uuid, i32, NaiveDate, DbDecimal, DbDecimal);
    let rows: Vec<Line> = installment::Entity::find()
        .select_only()
        .columns([C::Id, C::LoanId, C::Seq, C::DueDate, C::Principal, C::Interest])
        .filter(C::LoanId.is_in(loan_ids.iter().copied()))
        .order_by_asc(C::Seq)
        .into_tuple()
        .all(db)
        .await?;
    let mut map: HashMap<Uuid, Vec<installment::Model>> = HashMap::new();
    for (id, loan_id, seq, due_date, principal, interest) in rows {
        let line = installment::Model { id, loan_id, seq, due_date, principal, interest };
        map.entry(loan_id).or_default().push(line);
    }
    Ok(map)
}

pub async fn payments_by_loan<C: ConnectionTrait>(
    db: &C,
    loan_ids: &[Uuid],
) -> ServiceResult<HashMap<Uuid, Vec<payment::Model>>> {
    let rows = payment::Entity::find()
        .filter(payment::Column::LoanId.is_in(loan_ids.iter().copied()))
        .order_by_asc(payment::Column::PaidAt)
        .all(db)
        .await?;
    let mut map: HashMap<Uuid, Vec<payment::Model>> = HashMap::new();
    for r in rows {
        map.entry(r.loan_id).or_default().push(r);
    }
    Ok(map)
}

/// A borrower the principal may see.
pub async fn get_borrower(ctx: &Ctx, p: &Principal, id: BorrowerId) -> ServiceResult<borrower::Model> {
    borrower::Entity::find_by_id(id.0).filter(scope::borrowers(p)).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}

/// Loans in the principal's scope with the MFO's own id `external_id` (optionally of one
/// MFO); at most two, so the caller can tell "one" from "ambiguous" (several MFOs may use
/// the same external id; a regulator or agency then names the MFO).
pub async fn find_by_external_id(
    ctx: &Ctx,
    p: &Principal,
    external_id: &str,
    mfo: Option<Uuid>,
) -> ServiceResult<Vec<loan::Model>> {
    let mut q = loan::Entity::find().filter(scope::loans(p)).filter(loan::Column::ExternalId.eq(external_id));
    if let Some(m) = mfo {
        q = q.filter(loan::Column::MfoId.eq(m));
    }
    Ok(q.order_by_asc(loan::Column::Id).limit(2).all(&ctx.db).await?)
}

/// Loans in the principal's scope with the contract number `number` (what call centres
/// and analysts know, e.g. "MK-2001/24"), optionally of one MFO; at most two, as
/// `find_by_external_id`.
pub async fn find_by_contract_number(
    ctx: &Ctx,
    p: &Principal,
    number: &str,
    mfo: Option<Uuid>,
) -> ServiceResult<Vec<loan::Model>> {
    let mut q = loan::Entity::find().filter(scope::loans(p)).filter(loan::Column::ContractNumber.eq(number.trim()));
    if let Some(m) = mfo {
        q = q.filter(loan::Column::MfoId.eq(m));
    }
    Ok(q.order_by_asc(loan::Column::Id).limit(2).all(&ctx.db).await?)
}

/// Borrowers in the principal's scope with the MFO's own id `external_id`; see
/// `find_by_external_id`.
pub async fn find_borrowers_by_external_id(
    ctx: &Ctx,
    p: &Principal,
    external_id: &str,
    mfo: Option<Uuid>,
) -> ServiceResult<Vec<borrower::Model>> {
    let mut q =
        borrower::Entity::find().filter(scope::borrowers(p)).filter(borrower::Column::ExternalId.eq(external_id));
    if let Some(m) = mfo {
        q = q.filter(borrower::Column::MfoId.eq(m));
    }
    Ok(q.order_by_asc(borrower::Column::Id).limit(2).all(&ctx.db).await?)
}

/// A page of borrowers in the principal's scope (`scope::borrowers`), by id (UUIDv7, so
/// in the order they were first synced), after the cursor.
/// `borrowers`: in id order (UUIDv7: the order they were first synced), after `after`.
pub async fn list_borrowers(
    ctx: &Ctx,
    p: &Principal,
    f: &BorrowerFilter,
    after: Option<Uuid>,
    first: u64,
) -> ServiceResult<Page<borrower::Model>> {
    super::changes::check_since(ctx, f.updated_after)?;
    let mut q = borrowers_filtered(p, f);
    if let Some(after) = after {
        q = q.filter(borrower::Column::Id.gt(after));
    }
    super::read_page(&ctx.db, q.order_by_asc(borrower::Column::Id), first).await
}

/// `borrowers { totalCount }`.
pub async fn count_borrowers(ctx: &Ctx, p: &Principal, f: &BorrowerFilter) -> ServiceResult<u64> {
    super::count_rows(&ctx.db, borrowers_filtered(p, f)).await
}

fn borrowers_filtered(p: &Principal, f: &BorrowerFilter) -> sea_orm::Select<borrower::Entity> {
    let q =
        borrower::Entity::find().filter(scope::borrowers(p)).filter(f.created.condition(borrower::Column::CreatedAt));
    match f.updated_after {
        Some(t) => q.filter(super::changes::updated_since("borrower", borrower::Column::Id, t)),
        None => q,
    }
}

/// A payment, seen by whoever may see its loan (`scope::loans`); NOT_FOUND otherwise.
pub async fn get_payment(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<payment::Model> {
    let row = payment::Entity::find_by_id(id).one(&ctx.db).await?.ok_or(ServiceError::NotFound)?;
    get(ctx, p, LoanId(row.loan_id)).await?;
    Ok(row)
}
