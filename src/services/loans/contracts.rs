//! Loans with their schedules as the core-banking system sends them (`upsertLoan`, and one
//! item of a batch), idempotent by the MFO's external id; the contract's X4 meeting terms.
//! A bad row is refused whole, never stored in part.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use entity::enums::{Currency, LoanStatus, RepaymentOrder};
use entity::{DbDecimal, borrower, installment, loan, payment};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    MAX_AMOUNT, MAX_ANNUAL_RATE, MAX_ID_LEN, MAX_SCHEDULE_LINES, MAX_TERM_MONTHS, Outcome, check_text, derived_of,
    require_ingest, visibility, write_order,
};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::money::{self, Money};
use crate::rules::loans::{self as rules, ScheduleProblem};
use crate::services::Ctx;
use crate::services::write::{Actor, Subject, Write, in_statements};

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
    // A batch of one: the judgement and the writes are `upsertLoans`' own.
    ctx.write(Actor::from(p), async |w| {
        let mut answers = write_loans(w, p, &[(&input, currency)]).await?;
        answers.pop().ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("a loan left unanswered")))?.map(|a| a.0)
    })
    .await
}

/// A loan as the items judged so far left it (stored, or planned by the batch).
#[derive(Clone)]
struct LoanState {
    row: loan::Model,
    schedule: Vec<installment::Model>,
    /// Its schedule differs from the stored one (always, for a new loan).
    schedule_changed: bool,
    changed: bool,
    overdue_cleared: bool,
}

/// A loan item judged: the row it leaves, what became of it, and its trail.
struct Judged {
    row: loan::Model,
    outcome: Outcome,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
}

/// What a batch of loans reads before judging: the stored rows of its keys (locked), their
/// schedules and payments, each by one statement.
#[derive(Default)]
struct Stored {
    loans: HashMap<String, loan::Model>,
    schedules: HashMap<Uuid, Vec<installment::Model>>,
    payments: HashMap<Uuid, Vec<payment::Model>>,
}

impl Stored {
    async fn read(&mut self, w: &Write, mfo: Uuid, keys: &BTreeSet<&str>) -> ServiceResult<()> {
        let which = Condition::all().add(loan::Column::ExternalId.is_in(keys.iter().copied()));
        let scope = Condition::all().add(loan::Column::MfoId.eq(mfo));
        let found = w.for_change_many::<loan::Entity, _>(scope, which, loan::Column::ExternalId).await?;
        if found.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = found.iter().map(|l| l.id).collect();
        for i in installment::Entity::find()
            .filter(installment::Column::LoanId.is_in(ids.clone()))
            .order_by_asc(installment::Column::Seq)
            .all(w.txn())
            .await?
        {
            self.schedules.entry(i.loan_id).or_default().push(i);
        }
        for p in payment::Entity::find().filter(payment::Column::LoanId.is_in(ids)).all(w.txn()).await? {
            self.payments.entry(p.loan_id).or_default().push(p);
        }
        self.loans.extend(found.into_iter().map(|l| (l.external_id.clone(), l)));
        Ok(())
    }
}

/// The judgement of one loan item against `current` (the loan as the items before it left
/// it, or none), pure: the row and schedule it leaves, what is derived from them with the
/// stored `payments`, and the trail. `ids` names new rows.
fn judge(
    now: DateTime<Utc>,
    ids: &mut impl FnMut() -> Uuid,
    p: &Principal,
    borrower_id: Uuid,
    current: Option<&LoanState>,
    payments: &[payment::Model],
    (input, currency): (&LoanInput, Currency),
) -> (Judged, LoanState) {
    let mut row = match current {
        Some(c) => c.row.clone(),
        None => new_loan_row(ids(), p, borrower_id, input, currency, now),
    };
    apply_loan_input(&mut row, input, borrower_id, currency);
    let schedule: Vec<installment::Model> = input
        .schedule
        .iter()
        .enumerate()
        .map(|(i, s)| installment::Model {
            id: ids(),
            loan_id: row.id,
            seq: i as i32 + 1,
            due_date: s.due_date,
            principal: s.principal.normalize().into(),
            interest: s.interest.normalize().into(),
        })
        .collect();
    let before = current.map(|c| loan_snapshot(&c.row, &c.schedule));
    let after = loan_snapshot(&row, &schedule);
    if let Some(c) = current.filter(|_| before.as_ref() == Some(&after)) {
        return (Judged { row: c.row.clone(), outcome: Outcome::Unchanged, before, after }, c.clone());
    }
    let schedule_changed = before.as_ref().is_none_or(|b| b["schedule"] != after["schedule"]);
    let (schedule, schedule_changed) = match current {
        Some(c) if !schedule_changed => (c.schedule.clone(), c.schedule_changed),
        _ => (schedule, true),
    };
    let derived = derived_of(&row, &schedule, payments, now);
    row.first_unpaid_due_date = derived.first_unpaid;
    let outcome = if current.is_some() {
        row.updated_at = now;
        Outcome::Updated
    } else {
        Outcome::Created
    };
    let state = LoanState {
        row: row.clone(),
        schedule,
        schedule_changed,
        changed: true,
        overdue_cleared: derived.overdue_cleared || current.is_some_and(|c| c.overdue_cleared),
    };
    (Judged { row, outcome, before, after }, state)
}

/// Upserts validated loans with their schedules within `w` (`upsertLoans`, and `upsertLoan`
/// as a batch of one), answering each in the order given: its loan and outcome, or its
/// refusal. Statements per batch, whatever its size: one read each of the borrowers, the
/// stored loans (locked), their schedules and their payments; the judgement of every item
/// in memory; then one multi-row statement each to insert the new loans, overwrite the
/// changed ones, delete the replaced schedules and insert the new schedules (chunked only
/// past the database's parameter limit). A new loan whose external id a concurrent sync
/// stored meanwhile (its insert did nothing) is read and judged again as stored.
pub(crate) async fn write_loans(
    w: &mut Write,
    p: &Principal,
    items: &[(&LoanInput, Currency)],
) -> ServiceResult<Vec<ServiceResult<(loan::Model, Outcome)>>> {
    let mfo = p.org_id.0;
    let borrower_keys: BTreeSet<&str> = items.iter().map(|(i, _)| i.borrower_external_id.as_str()).collect();
    let borrowers: HashMap<String, Uuid> = borrower::Entity::find()
        .filter(borrower::Column::MfoId.eq(mfo))
        .filter(borrower::Column::ExternalId.is_in(borrower_keys))
        .all(w.txn())
        .await?
        .into_iter()
        .map(|b| (b.external_id, b.id))
        .collect();
    let order = write_order(items.iter().map(|(i, _)| i.external_id.as_str()));
    let mut pending: BTreeSet<&str> = items.iter().map(|(i, _)| i.external_id.as_str()).collect();
    let mut stored = Stored::default();
    let mut judged: Vec<Option<ServiceResult<Judged>>> = items.iter().map(|_| None).collect();
    let mut finals: BTreeMap<&str, LoanState> = BTreeMap::new();
    let now = w.now;
    let mut ids = || crate::ids::new_id(now);
    for round in 0..2 {
        stored.read(w, mfo, &pending).await?;
        let mut state: BTreeMap<&str, LoanState> = BTreeMap::new();
        for &i in &order {
            let input = items[i].0;
            let key = input.external_id.as_str();
            if !pending.contains(key) {
                continue;
            }
            let Some(&borrower_id) = borrowers.get(&input.borrower_external_id) else {
                judged[i] = Some(Err(ServiceError::user(UserError::invalid(
                    &["borrowerExternalId"],
                    UserErrorReason::UnknownReference,
                ))));
                continue;
            };
            let from_store = stored.loans.get(key).map(|l| LoanState {
                row: l.clone(),
                schedule: stored.schedules.get(&l.id).cloned().unwrap_or_default(),
                schedule_changed: false,
                changed: false,
                overdue_cleared: false,
            });
            let current = state.get(key).cloned().or(from_store);
            let payments = current.as_ref().and_then(|c| stored.payments.get(&c.row.id)).map_or(&[][..], Vec::as_slice);
            let (j, next) = judge(now, &mut ids, p, borrower_id, current.as_ref(), payments, items[i]);
            state.insert(key, next);
            judged[i] = Some(Ok(j));
        }
        let new: Vec<loan::ActiveModel> = state
            .iter()
            .filter(|(k, _)| !stored.loans.contains_key(**k))
            .map(|(_, s)| s.row.clone().into_active_model())
            .collect();
        let inserted: HashSet<Uuid> =
            w.insert_new_many(new, [loan::Column::MfoId, loan::Column::ExternalId]).await?.into_iter().collect();
        pending = super::settle(
            state,
            &mut finals,
            |k, s| !stored.loans.contains_key(k) && !inserted.contains(&s.row.id),
            round,
        )?;
        if pending.is_empty() {
            break;
        }
    }

    let is_stored = |k: &str| stored.loans.contains_key(k);
    let changed: Vec<loan::ActiveModel> = finals
        .iter()
        .filter(|(k, s)| is_stored(k) && s.changed)
        .map(|(_, s)| s.row.clone().into_active_model())
        .collect();
    w.overwrite_many(changed).await?;
    let replaced: Vec<Uuid> =
        finals.iter().filter(|(k, s)| is_stored(k) && s.schedule_changed).map(|(_, s)| s.row.id).collect();
    if !replaced.is_empty() {
        installment::Entity::delete_many().filter(installment::Column::LoanId.is_in(replaced)).exec(w.txn()).await?;
    }
    let schedules: Vec<installment::ActiveModel> = finals
        .values()
        .filter(|s| s.schedule_changed)
        .flat_map(|s| s.schedule.iter().cloned().map(IntoActiveModel::into_active_model))
        .collect();
    for chunk in in_statements(w.txn().get_database_backend(), schedules) {
        installment::Entity::insert_many(chunk).exec_without_returning(w.txn()).await?;
    }
    for s in finals.values().filter(|s| s.overdue_cleared) {
        // Only a stored loan has a notice episode: rare, one loan at a time.
        crate::services::restructuring::overdue_cleared(w, &s.row).await?;
    }

    for &i in &order {
        let Some(Ok(j)) = &judged[i] else { continue };
        let action = match j.outcome {
            Outcome::Unchanged => continue,
            Outcome::Updated => "loan.updated",
            Outcome::Created => "loan.created",
        };
        let subject = Subject::new("loan", j.row.id);
        w.audit(action, subject, Some(mfo), j.before.clone(), Some(j.after.clone()));
        w.event(action, subject, visibility(&j.row), json!({ "loanId": j.row.id }));
    }
    judged
        .into_iter()
        .enumerate()
        .map(|(i, j)| match j {
            Some(Ok(j)) => Ok(Ok((j.row, j.outcome))),
            Some(Err(e)) => Ok(Err(e)),
            None => Err(ServiceError::Internal(anyhow::anyhow!("loan item {i} was not judged"))),
        })
        .collect()
}

/// A new loan's row before the MFO's data is applied (`apply_loan_input`): what the MFO
/// does not send starts empty.
fn new_loan_row(
    id: Uuid,
    p: &Principal,
    borrower_id: Uuid,
    input: &LoanInput,
    currency: Currency,
    now: DateTime<Utc>,
) -> loan::Model {
    loan::Model {
        id,
        mfo_id: p.org_id.0,
        borrower_id,
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
        created_at: now,
        updated_at: now,
    }
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
