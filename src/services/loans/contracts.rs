//! Loans with their schedules as the core-banking system sends them (`upsertLoan`, and one
//! item of a batch), idempotent by the MFO's external id; the contract's X4 meeting terms.
//! A bad row is refused whole, never stored in part.

use chrono::{NaiveDate, NaiveTime};
use entity::enums::{Currency, LoanStatus, RepaymentOrder};
use entity::{DbDecimal, borrower, installment, loan};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    MAX_AMOUNT, MAX_ANNUAL_RATE, MAX_ID_LEN, MAX_SCHEDULE_LINES, MAX_TERM_MONTHS, Outcome, check_text, refresh_derived,
    replace_schedule, require_ingest, schedule_of, visibility,
};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::money::{self, Money};
use crate::rules::loans::{self as rules, ScheduleProblem};
use crate::services::Ctx;
use crate::services::write::{Actor, Subject, Write};

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

pub(super) fn loan_snapshot(l: &loan::Model, schedule: &[installment::Model]) -> serde_json::Value {
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
        UserError::invalid(&[field, "windowStart"], UserErrorReason::BothOrNeither)
            .with_param("fields", vec!["windowStart", "windowEnd"])
    });
    if let (Some(start), Some(end)) = (t.window_start, t.window_end) {
        problems.check(start < end, || {
            UserError::invalid(&[field, "windowEnd"], UserErrorReason::EndBeforeStart)
                .with_param("start", "windowStart")
        });
    }
    for (name, v) in [("perDay", t.per_day), ("perWeek", t.per_week)] {
        problems.check(v.is_none_or(|n| n >= 1), || {
            UserError::invalid(&[field, name], UserErrorReason::OutOfRange).at_least(1)
        });
    }
    if let (Some(day), Some(week)) = (t.per_day, t.per_week) {
        problems
            .check(day <= week, || UserError::invalid(&[field, "perDay"], UserErrorReason::OutOfRange).at_most(week));
    }
}

pub(crate) fn validate_loan(input: &LoanInput) -> ServiceResult<Currency> {
    let mut problems = Problems::new();
    check_text(&mut problems, "externalId", &input.external_id, MAX_ID_LEN);
    check_text(&mut problems, "borrowerExternalId", &input.borrower_external_id, MAX_ID_LEN);
    check_text(&mut problems, "contractNumber", &input.contract_number, MAX_ID_LEN);
    let currency = parse_currency(&input.currency);
    problems.check(currency.is_some(), || {
        UserError::invalid(&["currency"], UserErrorReason::UnsupportedValue)
            .with_param("allowed", vec!["KZT", "KGS", "USD"])
    });
    problems.check(input.principal > Decimal::ZERO && input.principal <= MAX_AMOUNT, || {
        UserError::invalid(&["principal"], UserErrorReason::OutOfRange).positive_up_to(MAX_AMOUNT)
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
        UserError::invalid(&["schedule"], UserErrorReason::TooMany).with_param("maxItems", MAX_SCHEDULE_LINES)
    });
    for (i, line) in input.schedule.iter().enumerate() {
        for (field, amount) in [("principal", line.principal), ("interest", line.interest)] {
            problems.check(amount <= MAX_AMOUNT, || {
                UserError::invalid(&["schedule", &i.to_string(), field], UserErrorReason::OutOfRange)
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
            ScheduleProblem::Empty => UserError::invalid(&["schedule"], UserErrorReason::Required),
            ScheduleProblem::NegativeAmount { index, field } => {
                UserError::invalid(&["schedule", &index.to_string(), field], UserErrorReason::OutOfRange).at_least(0)
            }
            ScheduleProblem::DateOutOfOrder { index } => {
                UserError::invalid(&["schedule", &index.to_string(), "dueDate"], UserErrorReason::OutOfOrder)
            }
            ScheduleProblem::BeforeContract { index } => {
                UserError::invalid(&["schedule", &index.to_string(), "dueDate"], UserErrorReason::DateOutOfRange)
            }
            ScheduleProblem::PrincipalMismatch { scheduled, principal } => {
                // Money, at the currency's scale like every amount the API returns.
                let written = |a: Decimal| currency.map_or_else(|| a.to_string(), |c| Money::new(a, c).to_string());
                UserError::invalid(&["schedule"], UserErrorReason::SumMismatch)
                    .with_param("sum", written(scheduled))
                    .with_param("expected", written(principal))
            }
        });
    }
    problems.finish()?;
    currency.ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("currency checked above")))
}

pub async fn upsert_loan(ctx: &Ctx, p: &Principal, input: LoanInput) -> ServiceResult<loan::Model> {
    require_ingest(p)?;
    let currency = validate_loan(&input)?;
    ctx.write(Actor::from(p), async |w| Ok(write_loan(w, p, &input, currency).await?.0)).await
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
        return Err(ServiceError::user(UserError::invalid(&["borrowerExternalId"], UserErrorReason::UnknownReference)));
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
