//! Delinquency notices and restructuring applications (R1–R13, R19, D1): the overdue
//! sweep that opens the notice duty, registration and admissibility, document requests,
//! decisions with their debt-burden check, counter-proposals, implementation, and the
//! automatic consequences of lapsed periods.
//!
//! An application is always registered (R5): inadmissibility, missing documents or a
//! missing income never stop registration; they shape what happens next.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::enums::{
    ApplicationStatus, CounterProposalResponse, DeadlineKind, DeadlineStatus, DecisionKind, DocumentRequestStatus,
    HardshipGround, Jurisdiction, Language, LoanStatus, NoticeChannel, NoticeSender, Obligor, RestructuringMeasure,
    Role, SubmissionChannel,
};
use entity::{
    DbDecimal, borrower, deadline, decision, delinquency_notice, document_counter, document_request, loan,
    organization, restructuring_application as application,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::deadlines::{self, NewDeadline};
use super::write::{Actor, Begun, Subject, Submission, Visibility, Write};
use super::{Ctx, Page, loans, reference, refused, scope};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError};
use crate::ids::{ApplicationId, LoanId};
use crate::money;
use crate::rules::calendar::Calendar;
use crate::rules::restructuring::{self as rules, AppStep, BlockingFacts, Burden, RefusalLetterFacts, Terms};

const SUBJECT: &str = "application";

fn vis(a: &application::Model) -> Visibility {
    Visibility { org_id: Some(a.mfo_id), jurisdiction: Some(a.jurisdiction) }
}

fn snapshot(a: &application::Model) -> Value {
    json!({
        "number": rules::incoming_number(a.incoming_year, a.incoming_seq), "status": a.status,
        "admissible": a.admissible, "admissibilityRule": a.admissibility_rule, "inadmissibleFacts": a.inadmissible_facts,
        "overdueSince": a.overdue_since, "monthlyIncome": a.monthly_income.map(|m| m.to_string()),
        "borrowerNotice": a.borrower_notice, "closedAt": a.closed_at,
    })
}

// ---- R1: the overdue sweep and the notice -------------------------------------------------

/// R1: the loans of `j` that may have fallen overdue since they were last looked at (their
/// oldest unpaid due date is past and not yet examined), after `after` in id order. Only
/// ids: each loan is then examined on its own (`examine_overdue`), so a row that cannot be
/// read or handled stalls nothing but itself (the scanner isolates and retries it).
pub async fn overdue_candidates(
    ctx: &Ctx,
    j: Jurisdiction,
    today: NaiveDate,
    after: Option<Uuid>,
    limit: u64,
) -> ServiceResult<Vec<Uuid>> {
    let mut q = loan::Entity::find()
        .select_only()
        .column(loan::Column::Id)
        .filter(loan::Column::Jurisdiction.eq(j))
        .filter(loan::Column::Status.eq(LoanStatus::Active))
        .filter(loan::Column::FirstUnpaidDueDate.lt(today))
        .filter(
            Condition::any()
                .add(loan::Column::NoticeCheckedDueDate.is_null())
                .add(Expr::col(loan::Column::NoticeCheckedDueDate).ne(Expr::col(loan::Column::FirstUnpaidDueDate))),
        );
    if let Some(after) = after {
        q = q.filter(loan::Column::Id.gt(after));
    }
    Ok(q.order_by_asc(loan::Column::Id).limit(limit).into_tuple::<Uuid>().all(&ctx.db).await?)
}

/// What the R1 sweep did with one loan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverdueExamined {
    /// Nothing to do: not overdue, the same episode as before, or examined elsewhere.
    Unchanged,
    /// A new overdue episode: its notice deadline is open.
    NoticeDutyOpened,
    /// A new overdue episode that began before the jurisdiction's first policy version:
    /// R1 was not law when its clock would have started, so no duty opens (recorded).
    BeforeTheLaw,
}

/// R1: examines one loan once per move of its oldest unpaid due date and, for a new
/// overdue episode, opens the notice deadline dated from the overdue date itself, under
/// the policy version in force on that date (docs/law.md, "Figures are data"). The loan is read
/// for a change (locked), so of two scanners the second finds it examined.
pub async fn examine_overdue(ctx: &Ctx, loan_id: Uuid, cal: &Calendar) -> ServiceResult<OverdueExamined> {
    let mut w = Write::begin(ctx, Actor::system("overdue-sweep")).await?;
    let l = match w.for_change::<loan::Entity>(Condition::all(), loan_id).await {
        Ok(l) if l.notice_checked_due_date != l.first_unpaid_due_date => l,
        // Gone, or examined for this oldest-unpaid date already (by another instance).
        Ok(_) | Err(ServiceError::NotFound) => {
            w.rollback().await?;
            return Ok(OverdueExamined::Unchanged);
        }
        Err(e) => return Err(e),
    };
    loan::Entity::update_many()
        .col_expr(loan::Column::NoticeCheckedDueDate, Expr::value(l.first_unpaid_due_date))
        .filter(loan::Column::Id.eq(l.id))
        .exec(w.txn())
        .await?;
    let schedule = loans::schedule_of(w.txn(), l.id).await?;
    let payments = loans::payments_of_loan(w.txn(), l.id).await?;
    let today = cal.local_date(w.now);
    let Some(since) = loans::ledger(&l, &schedule, &payments).overdue(today).since else {
        w.commit().await?;
        return Ok(OverdueExamined::Unchanged);
    };
    if l.notice_episode_since == Some(since) {
        // The same, still running overdue: its duty is already open (or met).
        w.commit().await?;
        return Ok(OverdueExamined::Unchanged);
    }
    loan::Entity::update_many()
        .col_expr(loan::Column::NoticeEpisodeSince, Expr::value(since))
        .filter(loan::Column::Id.eq(l.id))
        .exec(w.txn())
        .await?;
    let subject = Subject::new("loan", l.id);
    // The clock started on the overdue date: the policy in force then sets the figure.
    let book = reference::policies(w.reference(), w.txn()).await?;
    let Some(policy) = book.in_force(l.jurisdiction, since) else {
        // R1 did not exist when this overdue began (a book migrated from before the first
        // version): no notice duty opens for it. The duties whose clocks start later (an
        // application's R5–R13, contacts' X rules, R17.3's day count) apply as usual.
        let first = book.first(l.jurisdiction).map(|v| v.effective_from);
        let after = json!({ "overdueSince": since, "noticeDuty": null, "lawInForceFrom": first });
        w.audit("loan.overdue", subject, Some(l.mfo_id), None, Some(after.clone()));
        w.event("loan.overdue", subject, loans::visibility(&l), after);
        w.commit().await?;
        return Ok(OverdueExamined::BeforeTheLaw);
    };
    let due = rules::notice_due(cal, &policy.policy, since);
    // R1's clock started on the overdue date, not when the sweep noticed it.
    let started = cal.instant(since, chrono::NaiveTime::MIN);
    deadlines::open_started(
        &mut w,
        NewDeadline {
            subject,
            org_id: l.mfo_id,
            jurisdiction: l.jurisdiction,
            kind: DeadlineKind::DelinquencyNotice,
            rule: "R1",
            obligor: Obligor::Mfo,
            due,
            policy_version_id: policy.id,
            occurrence: since.to_string(),
        },
        started,
    )
    .await?;
    let after = json!({ "overdueSince": since, "policyVersionId": policy.id });
    w.audit("loan.overdue", subject, Some(l.mfo_id), None, Some(after.clone()));
    w.event("loan.overdue", subject, loans::visibility(&l), after);
    w.commit().await?;
    Ok(OverdueExamined::NoticeDutyOpened)
}

/// R1: a payment that clears the overdue ends the episode, and with it the notice duty.
pub(crate) async fn overdue_cleared(w: &mut Write, l: &loan::Model) -> ServiceResult<()> {
    deadlines::close(w, l.id, DeadlineKind::DelinquencyNotice, DeadlineStatus::Cancelled).await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct NoticeInput {
    pub loan_id: LoanId,
    pub sent_at: DateTime<Utc>,
    pub channel: NoticeChannel,
    pub overdue_amount: Option<Decimal>,
    pub amount_as_of: Option<NaiveDate>,
    pub states_right_to_apply: bool,
    pub states_consequences: bool,
    pub text: Option<String>,
}

/// R1: records a delinquency notice sent by the MFO or by the agency it engaged.
pub async fn record_notice(ctx: &Ctx, p: &Principal, input: NoticeInput) -> ServiceResult<delinquency_notice::Model> {
    let sender = match p.role {
        Role::MfoStaff | Role::MfoManager => NoticeSender::Mfo,
        Role::CollectionAgency => NoticeSender::CollectionAgency,
        Role::Borrower | Role::Regulator => {
            return Err(ServiceError::Forbidden("notices are sent by the MFO or its agency"));
        }
    };
    let mut problems = Problems::new();
    for (field, r) in rules::missing_notice_contents(&rules::NoticeContents {
        overdue_amount: input.overdue_amount,
        amount_as_of: input.amount_as_of,
        right_to_apply: input.states_right_to_apply,
        consequences: input.states_consequences,
    }) {
        problems.push(super::refusal_error(r, &[field]));
    }
    problems.check(input.sent_at <= ctx.clock.now(), || {
        UserError::invalid(&["sentAt"], crate::error::UserErrorReason::DateInFuture)
    });
    problems.finish()?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    // scope::loans gives an agency only the loans handed to it now (R1: it may deliver).
    // Locked: the notice closes the loan's R1 duty once.
    let l = loans::for_change(&w, scope::loans(p), input.loan_id).await?;
    if let Some(amount) = input.overdue_amount {
        let mut problems = Problems::new();
        money::check_scale(&mut problems, &["overdueAmount"], amount, l.currency);
        problems.finish()?;
    }
    let Some(since) = l.notice_episode_since else {
        return Err(ServiceError::user(
            UserError::conflict(&["loanId"], crate::error::UserErrorReason::NothingOverdue).with_rule("R1"),
        ));
    };
    let row = delinquency_notice::Model {
        id: w.new_id(),
        loan_id: l.id,
        mfo_id: l.mfo_id,
        jurisdiction: l.jurisdiction,
        overdue_since: since,
        sent_at: input.sent_at,
        channel: input.channel,
        sender,
        sender_org_id: p.org_id.0,
        overdue_amount: input.overdue_amount.unwrap_or_default().into(),
        amount_as_of: input.amount_as_of.unwrap_or(since),
        states_right_to_apply: true,
        states_consequences: true,
        text: input.text.clone(),
        recorded_by: p.key(),
        created_at: w.now,
    };
    delinquency_notice::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
    deadlines::close(&mut w, l.id, DeadlineKind::DelinquencyNotice, DeadlineStatus::Met).await?;
    let subject = Subject::new("loan", l.id);
    let after = json!({ "noticeId": row.id, "sender": row.sender, "channel": row.channel, "sentAt": row.sent_at,
        "overdueAmount": row.overdue_amount.to_string(), "amountAsOf": row.amount_as_of });
    w.audit("delinquency_notice.recorded", subject, Some(l.mfo_id), None, Some(after.clone()));
    w.event("delinquency_notice.recorded", subject, loans::visibility(&l), after);
    w.commit().await?;
    Ok(row)
}

pub async fn notices_of<C: ConnectionTrait>(
    db: &C,
    loan_ids: &[Uuid],
) -> ServiceResult<std::collections::HashMap<Uuid, Vec<delinquency_notice::Model>>> {
    let rows = delinquency_notice::Entity::find()
        .filter(delinquency_notice::Column::LoanId.is_in(loan_ids.iter().copied()))
        .order_by_asc(delinquency_notice::Column::SentAt)
        .all(db)
        .await?;
    let mut map: std::collections::HashMap<Uuid, Vec<delinquency_notice::Model>> = std::collections::HashMap::new();
    for r in rows {
        map.entry(r.loan_id).or_default().push(r);
    }
    Ok(map)
}

// ---- R2, R3, R5, R19: submission ------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroundInput {
    pub ground: HardshipGround,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeasureInput {
    pub measure: RestructuringMeasure,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentInput {
    pub kind: String,
    pub name: String,
    pub checksum: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubmitInput {
    pub client_submission_id: Option<Uuid>,
    pub loan_id: LoanId,
    pub channel: SubmissionChannel,
    pub language: Language,
    pub application_date: Option<NaiveDate>,
    pub grounds: Vec<GroundInput>,
    pub requested_measures: Vec<MeasureInput>,
    pub monthly_income: Option<Decimal>,
    pub other_monthly_debt_payments: Option<Decimal>,
    pub circumstances: Option<String>,
    pub documents: Vec<DocumentInput>,
    /// When the application reached the MFO (posted, handed in at a branch), if before it
    /// was entered; R8's days and R2/R3's day count run from it. Staff only: the app's
    /// submissions are received when sent.
    pub received_at: Option<DateTime<Utc>>,
}

/// The next incoming number of an organisation's series for the year; like the complaint
/// journal, the counter row is incremented inside the registering transaction.
async fn next_incoming_number(w: &Write, org: Uuid, series: &str, year: i32) -> ServiceResult<i32> {
    use document_counter::Column as C;
    let stmt = Query::insert()
        .into_table(document_counter::Entity)
        .columns([C::OrgId, C::Series, C::Year, C::LastNumber])
        .values_panic([org.into(), series.into(), year.into(), 1.into()])
        .on_conflict(
            OnConflict::columns([C::OrgId, C::Series, C::Year])
                .value(C::LastNumber, Expr::col((document_counter::Entity, C::LastNumber)).add(1))
                .to_owned(),
        )
        .returning_col(C::LastNumber)
        .to_owned();
    super::next_number(w, stmt).await
}

fn to_json<T: Serialize>(v: &T) -> ServiceResult<Value> {
    serde_json::to_value(v).map_err(|e| ServiceError::Internal(e.into()))
}

/// R2, R5: submits an application. It is always registered with an incoming number; if it
/// is late and an R3 fact exists it is marked INADMISSIBLE and a refusal is drafted (D1).
pub async fn submit(ctx: &Ctx, p: &Principal, input: SubmitInput) -> ServiceResult<application::Model> {
    let is_borrower = match p.role {
        Role::Borrower => true,
        Role::MfoStaff | Role::MfoManager => false,
        Role::CollectionAgency | Role::Regulator => {
            return Err(ServiceError::Forbidden("applications come from the borrower or the MFO on their behalf"));
        }
    };
    let mut problems = Problems::new();
    if is_borrower {
        problems.check(input.client_submission_id.is_some(), || {
            UserError::invalid(&["clientSubmissionId"], crate::error::UserErrorReason::Required)
        });
    }
    for (i, g) in input.grounds.iter().enumerate() {
        problems.check(
            g.ground != HardshipGround::Other || g.text.as_deref().is_some_and(|t| !t.trim().is_empty()),
            || UserError::invalid(&["grounds", &i.to_string(), "text"], crate::error::UserErrorReason::Required),
        );
    }
    for (i, m) in input.requested_measures.iter().enumerate() {
        problems.check(
            m.measure != RestructuringMeasure::Other || m.text.as_deref().is_some_and(|t| !t.trim().is_empty()),
            || {
                UserError::invalid(
                    &["requestedMeasures", &i.to_string(), "text"],
                    crate::error::UserErrorReason::Required,
                )
            },
        );
    }
    for (field, v) in
        [("monthlyIncome", input.monthly_income), ("otherMonthlyDebtPayments", input.other_monthly_debt_payments)]
    {
        if let Some(v) = v {
            problems.in_range(&[field], v, Decimal::ZERO, super::loans::MAX_AMOUNT);
        }
    }
    problems.each_filled("documents", "name", &input.documents, |x| &x.name);
    let now = ctx.clock.now();
    if !is_borrower {
        problems.check(input.received_at.is_none_or(|r| r <= now), || {
            UserError::invalid(&["receivedAt"], crate::error::UserErrorReason::DateInFuture).with_rule("R8")
        });
    }
    problems.finish()?;

    let submission = Submission {
        client_submission_id: input.client_submission_id,
        operation: "submitRestructuringApplication",
        input: &input,
    };
    let mut w = match Write::begin_submission(ctx, Actor::from(p), submission).await? {
        Begun::Fresh(w) => *w,
        Begun::Replay(id) => return get(ctx, p, ApplicationId(id)).await,
    };
    // Locked: applications of one loan are registered one after the other (R2, R3 read
    // the loan's facts).
    let l = loans::for_change(&w, scope::loans(p).add(loan::Column::MfoId.eq(p.org_id.0)), input.loan_id).await?;
    let mut problems = Problems::new();
    for (field, v) in
        [("monthlyIncome", input.monthly_income), ("otherMonthlyDebtPayments", input.other_monthly_debt_payments)]
    {
        if let Some(v) = v {
            money::check_scale(&mut problems, &[field], v, l.currency);
        }
    }
    problems.finish()?;
    // R8, R2: the clocks run from receipt; the app's submissions are received when sent.
    let received_at = if is_borrower { w.now } else { input.received_at.unwrap_or(w.now) };
    // The law in force at receipt: the R8 deadline keeps the version its clock started under.
    let law = reference::law(w.reference(), w.txn(), l.jurisdiction, received_at).await?;
    let received_on = law.calendar.local_date(received_at);
    if received_on < l.contract_date {
        return Err(ServiceError::user(
            UserError::invalid(&["receivedAt"], crate::error::UserErrorReason::DateOutOfRange)
                .with_param("notBefore", l.contract_date.to_string())
                .with_rule("R8"),
        ));
    }
    let schedule = loans::schedule_of(w.txn(), l.id).await?;
    // R2/R3 as they stood at receipt: payments made after it do not move the overdue date.
    let payments: Vec<_> = loans::payments_of_loan(w.txn(), l.id)
        .await?
        .into_iter()
        .filter(|pay| law.calendar.local_date(pay.paid_at) <= received_on)
        .collect();
    let overdue_since = loans::ledger(&l, &schedule, &payments).overdue(received_on).since;
    let facts = BlockingFacts {
        court_act_on: l.court_act_on,
        enforcement_inscription_on: l.enforcement_inscription_on,
        settlement_agreement_on: l.settlement_agreement_on,
        claim_assigned_on: l.claim_assigned_on,
    };
    let verdict = rules::admissibility(overdue_since, received_on, &facts, &law.policy.policy);
    // The incoming number belongs to the series of the year the MFO registers it in.
    let year = law.calendar.local_date(w.now).year();
    let seq = next_incoming_number(&w, l.mfo_id, "application", year).await?;
    let row = application::Model {
        id: w.new_id(),
        mfo_id: l.mfo_id,
        jurisdiction: l.jurisdiction,
        loan_id: l.id,
        borrower_id: l.borrower_id,
        incoming_year: year,
        incoming_seq: seq,
        received_at,
        application_date: input.application_date.unwrap_or(received_on),
        language: input.language,
        channel: if is_borrower { SubmissionChannel::MobileApp } else { input.channel },
        grounds: to_json(&input.grounds)?,
        requested_measures: to_json(&input.requested_measures)?,
        monthly_income: input.monthly_income.map(|m| DbDecimal(m.normalize())),
        other_monthly_debt_payments: DbDecimal(input.other_monthly_debt_payments.unwrap_or_default().normalize()),
        circumstances: input.circumstances.clone(),
        documents: to_json(&input.documents)?,
        status: if verdict.admissible { ApplicationStatus::Registered } else { ApplicationStatus::Inadmissible },
        overdue_since,
        admissible: verdict.admissible,
        admissibility_rule: verdict.rule.to_owned(),
        inadmissible_facts: (!verdict.admissible).then(|| to_json(&verdict.facts)).transpose()?,
        borrower_notice: None,
        submitted_by: p.key(),
        closed_at: None,
        updated_at: w.now,
    };
    application::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
    let subject = Subject::new(SUBJECT, row.id);
    // R8: the answer is due within 15 calendar days of receipt, admissible or not.
    deadlines::open_started(
        &mut w,
        NewDeadline {
            subject,
            org_id: l.mfo_id,
            jurisdiction: l.jurisdiction,
            kind: DeadlineKind::ApplicationDecision,
            rule: "R8",
            obligor: Obligor::Mfo,
            due: rules::decision_due(&law.calendar, &law.policy.policy, received_on),
            policy_version_id: law.policy.id,
            occurrence: "1".into(),
        },
        received_at,
    )
    .await?;
    if !verdict.admissible {
        // D1: the refusal is drafted for the manager to sign.
        let facts: Vec<String> = verdict.facts.iter().map(|f| fact_words(*f, row.language)).collect();
        let reasons = match rules::refusal_letter_language(row.language) {
            Language::Kk => format!(
                "өтініш мерзімі өткен соң ({} күн) берілді және {} бар (Заңның 9-2-бабы 2-тармағы).",
                verdict.days_after_overdue.unwrap_or_default(),
                facts.join(", ")
            ),
            Language::Ru | Language::Ky => format!(
                "подачей заявления по истечении тридцати календарных дней с даты наступления просрочки ({} дн.) при наличии: {} (пункт 2 статьи 9-2 Закона).",
                verdict.days_after_overdue.unwrap_or_default(),
                facts.join(", ")
            ),
        };
        let draft = decision::Model {
            id: w.new_id(),
            application_id: row.id,
            kind: DecisionKind::Refuse,
            draft: true,
            terms: None,
            reasons: Some(reasons),
            signatory_name: None,
            signatory_position: None,
            decided_by: None,
            decided_at: None,
            delivered_at: None,
            burden_before: None,
            burden_after: None,
            burden_limit: None,
            burden_payment_before: None,
            burden_payment_after: None,
            reply_by: None,
            response: None,
            responded_at: None,
            implemented_at: None,
            created_at: w.now,
        };
        decision::Entity::insert(draft.into_active_model()).exec_without_returning(w.txn()).await?;
    }
    w.audit("application.submitted", subject, Some(l.mfo_id), None, Some(snapshot(&row)));
    w.event("application.submitted", subject, vis(&row), json!({ "status": row.status }));
    w.produced(row.id);
    w.commit().await?;
    Ok(row)
}

fn fact_words(f: rules::BlockingFact, language: Language) -> String {
    use rules::BlockingFact as F;
    let (ru, kk) = match f {
        F::CourtAct => ("вступившего в законную силу судебного акта", "заңды күшіне енген сот актісі"),
        F::EnforcementInscription => ("исполнительной надписи", "атқарушылық жазба"),
        F::SettlementAgreement => (
            "мирового соглашения или соглашения об урегулировании спора в порядке медиации",
            "татуласу немесе медиация тәртібімен дауды реттеу туралы келісім",
        ),
        F::ClaimAssigned => ("уступки права (требования) третьему лицу", "талап ету құқығын үшінші тұлғаға беру"),
    };
    match rules::refusal_letter_language(language) {
        Language::Kk => kk.to_owned(),
        Language::Ru | Language::Ky => ru.to_owned(),
    }
}

/// An application the principal may see; NOT_FOUND otherwise (agencies see none).
pub async fn get(ctx: &Ctx, p: &Principal, id: ApplicationId) -> ServiceResult<application::Model> {
    let scope = application_scope(p).ok_or(ServiceError::NotFound)?;
    application::Entity::find_by_id(id.0).filter(scope).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}

/// A borrower their own, staff their MFO's, a regulator its jurisdiction's, agencies none.
pub fn application_scope(p: &Principal) -> Option<Condition> {
    match p.role {
        Role::Borrower => p.borrower_id.map(|b| {
            Condition::all().add(application::Column::BorrowerId.eq(b.0)).add(application::Column::MfoId.eq(p.org_id.0))
        }),
        Role::MfoStaff | Role::MfoManager => Some(Condition::all().add(application::Column::MfoId.eq(p.org_id.0))),
        Role::Regulator => Some(Condition::all().add(application::Column::Jurisdiction.eq(p.jurisdiction))),
        Role::CollectionAgency => None,
    }
}

#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub status: Option<ApplicationStatus>,
    pub loan_id: Option<LoanId>,
    /// On `received_at` (R5: when the application reached the MFO).
    pub received: super::Range<DateTime<Utc>>,
    /// Records changed (created included) at or after this instant: see `services::changes`.
    pub updated_after: Option<DateTime<Utc>>,
}

/// `restructuringApplications`: in id order (UUIDv7: the order they were submitted).
pub async fn list(
    ctx: &Ctx,
    p: &Principal,
    f: &ApplicationFilter,
    after: Option<Uuid>,
    first: u64,
) -> ServiceResult<Page<application::Model>> {
    super::changes::check_since(ctx, f.updated_after)?;
    let mut q = filtered(p, f)?;
    if let Some(a) = after {
        q = q.filter(application::Column::Id.gt(a));
    }
    super::read_page(&ctx.db, q.order_by_asc(application::Column::Id), first).await
}

/// `restructuringApplications { totalCount }`.
pub async fn count(ctx: &Ctx, p: &Principal, f: &ApplicationFilter) -> ServiceResult<u64> {
    super::count_rows(&ctx.db, filtered(p, f)?).await
}

fn filtered(p: &Principal, f: &ApplicationFilter) -> ServiceResult<sea_orm::Select<application::Entity>> {
    let scope = application_scope(p).ok_or(ServiceError::Forbidden("collection agencies do not see applications"))?;
    let mut q = application::Entity::find().filter(scope).filter(f.received.condition(application::Column::ReceivedAt));
    if let Some(s) = f.status {
        q = q.filter(application::Column::Status.eq(s));
    }
    if let Some(l) = f.loan_id {
        q = q.filter(application::Column::LoanId.eq(l.0));
    }
    if let Some(t) = f.updated_after {
        q = q.filter(super::changes::updated_since("application", application::Column::Id, t));
    }
    Ok(q)
}

/// Loads an application for a change by the principal: MFO staff of its MFO, or the
/// borrower it belongs to (when `borrower_may` is true).
async fn for_change(
    w: &Write,
    p: &Principal,
    id: ApplicationId,
    borrower_may: bool,
) -> ServiceResult<application::Model> {
    let allowed = match p.role {
        Role::MfoStaff | Role::MfoManager => true,
        Role::Borrower => borrower_may,
        Role::CollectionAgency | Role::Regulator => false,
    };
    if !allowed {
        return Err(ServiceError::Forbidden("not for this role"));
    }
    let scope = application_scope(p).ok_or(ServiceError::NotFound)?;
    // Of two concurrent decisions the second sees the first's.
    w.for_change::<application::Entity>(scope, id.0).await
}

/// Moves an application to its next status and records the change.
async fn transition(
    w: &mut Write,
    before: &application::Model,
    step: AppStep,
    action: &str,
    change: impl FnOnce(&mut application::Model),
) -> ServiceResult<application::Model> {
    let status = rules::next_status(before.status, step).map_err(|r| refused(r, &["applicationId"]))?;
    let mut after = before.clone();
    after.status = status;
    after.updated_at = w.now;
    if !rules::under_review(status) && status != ApplicationStatus::Approved && status != ApplicationStatus::Agreed {
        after.closed_at = Some(w.now);
    }
    change(&mut after);
    application::Entity::update(after.clone().into_active_model().reset_all()).exec(w.txn()).await?;
    let subject = Subject::new(SUBJECT, after.id);
    w.audit(action, subject, Some(after.mfo_id), Some(snapshot(before)), Some(snapshot(&after)));
    w.event(action, subject, vis(&after), json!({ "status": after.status }));
    Ok(after)
}

fn new_deadline(
    a: &application::Model,
    kind: DeadlineKind,
    rule: &'static str,
    obligor: Obligor,
    due: crate::rules::calendar::Due,
    policy: Uuid,
    occurrence: String,
) -> NewDeadline {
    NewDeadline {
        subject: Subject::new(SUBJECT, a.id),
        org_id: a.mfo_id,
        jurisdiction: a.jurisdiction,
        kind,
        rule,
        obligor,
        due,
        policy_version_id: policy,
        occurrence,
    }
}

// ---- R6: documents ----------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestedItem {
    pub kind: String,
    pub description: String,
}

/// R6: asks for what is missing; the borrower has five business days from the request's
/// sending (`sent_at`, when it went out before it was recorded; now otherwise).
pub async fn request_documents(
    ctx: &Ctx,
    p: &Principal,
    id: ApplicationId,
    items: Vec<RequestedItem>,
    sent_at: Option<DateTime<Utc>>,
) -> ServiceResult<application::Model> {
    scope::require_staff(p)?;
    let mut problems = Problems::new();
    problems.check(!items.is_empty(), || UserError::invalid(&["items"], crate::error::UserErrorReason::Required));
    problems.each_filled("items", "description", &items, |x| &x.description);
    problems.check(sent_at.is_none_or(|s| s <= ctx.clock.now()), || {
        UserError::invalid(&["sentAt"], crate::error::UserErrorReason::DateInFuture).with_rule("R6")
    });
    problems.finish()?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let a = for_change(&w, p, id, false).await?;
    let sent_at = sent_at.unwrap_or(w.now);
    if sent_at < a.received_at {
        return Err(ServiceError::user(
            UserError::invalid(&["sentAt"], crate::error::UserErrorReason::DateOutOfRange)
                .with_param("notBefore", a.received_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .with_rule("R6"),
        ));
    }
    // The law in force when the request went out: its clock started then.
    let law = reference::law(w.reference(), w.txn(), a.jurisdiction, sent_at).await?;
    let due = rules::documents_due(&law.calendar, &law.policy.policy, law.calendar.local_date(sent_at));
    let after = transition(&mut w, &a, AppStep::RequestDocuments, "application.documents_requested", |_| {}).await?;
    let request = document_request::Model {
        id: w.new_id(),
        application_id: a.id,
        items: to_json(&items)?,
        requested_at: sent_at,
        requested_by: p.key(),
        due_date: due.date,
        status: DocumentRequestStatus::Open,
        provided: None,
        provided_at: None,
    };
    document_request::Entity::insert(request.clone().into_active_model()).exec_without_returning(w.txn()).await?;
    deadlines::open_started(
        &mut w,
        new_deadline(
            &a,
            DeadlineKind::ApplicationDocuments,
            "R6",
            Obligor::Borrower,
            due,
            law.policy.id,
            request.id.to_string(),
        ),
        sent_at,
    )
    .await?;
    w.commit().await?;
    Ok(after)
}

/// R6: the borrower (or staff on their behalf) provides the requested documents in time.
pub async fn provide_documents(
    ctx: &Ctx,
    p: &Principal,
    id: ApplicationId,
    documents: Vec<DocumentInput>,
) -> ServiceResult<application::Model> {
    let mut problems = Problems::new();
    problems
        .check(!documents.is_empty(), || UserError::invalid(&["documents"], crate::error::UserErrorReason::Required));
    problems.each_filled("documents", "name", &documents, |x| &x.name);
    problems.finish()?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let a = for_change(&w, p, id, true).await?;
    let mut all: Vec<DocumentInput> = serde_json::from_value(a.documents.clone()).unwrap_or_default();
    all.extend(documents.iter().cloned());
    let all = to_json(&all)?;
    let after =
        transition(&mut w, &a, AppStep::ProvideDocuments, "application.documents_provided", |x| x.documents = all)
            .await?;
    let open = document_request::Entity::find()
        .filter(document_request::Column::ApplicationId.eq(a.id))
        .filter(document_request::Column::Status.eq(DocumentRequestStatus::Open))
        .all(w.txn())
        .await?;
    for r in open {
        let mut done = r.clone();
        done.status = DocumentRequestStatus::Provided;
        done.provided = Some(to_json(&documents)?);
        done.provided_at = Some(w.now);
        document_request::Entity::update(done.into_active_model().reset_all()).exec(w.txn()).await?;
    }
    deadlines::close(&mut w, a.id, DeadlineKind::ApplicationDocuments, DeadlineStatus::Met).await?;
    w.commit().await?;
    Ok(after)
}

/// R6: the documents were not provided in time: the application is left without review
/// and the borrower is told (the scanner runs this when the deadline passes).
pub(crate) async fn documents_lapsed(w: &mut Write, d: &deadline::Model) -> ServiceResult<()> {
    let Some(a) = application::Entity::find_by_id(d.subject_id).one(w.txn()).await? else { return Ok(()) };
    if a.status != ApplicationStatus::DocumentsRequested {
        return Ok(());
    }
    let notice = json!({
        "channel": "MOBILE_APP", "sentAt": w.now,
        "text": match rules::refusal_letter_language(a.language) {
            Language::Kk => "Сұратылған құжаттар бес жұмыс күні ішінде ұсынылмағандықтан, өтініш қараусыз қалдырылды.",
            Language::Ru | Language::Ky => "Заявление оставлено без рассмотрения: запрошенные документы не представлены в течение пяти рабочих дней.",
        },
    });
    transition(w, &a, AppStep::DocumentsLapsed, "application.left_without_review", |x| {
        x.borrower_notice = Some(notice)
    })
    .await?;
    document_request::Entity::update_many()
        .col_expr(
            document_request::Column::Status,
            Expr::value(sea_orm::ActiveEnum::to_value(&DocumentRequestStatus::Lapsed)),
        )
        .filter(document_request::Column::ApplicationId.eq(a.id))
        .filter(document_request::Column::Status.eq(DocumentRequestStatus::Open))
        .exec(w.txn())
        .await?;
    deadlines::close(w, a.id, DeadlineKind::ApplicationDecision, DeadlineStatus::Cancelled).await?;
    Ok(())
}

// ---- R7, R8, R10, R12: the decision -------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct DecideInput {
    pub kind: DecisionKind,
    pub terms: Option<Terms>,
    pub reasons: Option<String>,
    pub signatory_name: String,
    pub signatory_position: Option<String>,
    pub reply_by: Option<NaiveDate>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// What a decision was checked with.
#[derive(Debug, Clone)]
pub struct Decided {
    pub application: application::Model,
    pub burden: Option<Burden>,
}

/// Input sanity bound on a proposed deferral (not a figure of the law).
const MAX_DEFERRAL_MONTHS: u32 = 60;

fn check_terms(t: &Terms) -> Problems {
    let mut problems = Problems::new();
    problems.check(t.changes_anything(), || {
        UserError::invalid(&["terms"], crate::error::UserErrorReason::TermsChangeNothing)
    });
    if let Some(r) = t.new_annual_rate {
        problems.in_range(&["terms", "newAnnualRate"], r, Decimal::ZERO, super::loans::MAX_ANNUAL_RATE);
    }
    if let Some(d) = t.deferral {
        problems.in_range(&["terms", "deferral", "months"], d.months, 1, MAX_DEFERRAL_MONTHS);
    }
    if let Some(n) = t.new_term_months {
        problems.in_range(&["terms", "newTermMonths"], n, 1, super::loans::MAX_TERM_MONTHS.unsigned_abs());
    }
    for (field, v) in [
        ("forgiveOverduePrincipal", t.forgive_overdue_principal),
        ("forgiveOverdueInterest", t.forgive_overdue_interest),
    ] {
        problems.check(v >= Decimal::ZERO, || {
            UserError::invalid(&["terms", field], crate::error::UserErrorReason::OutOfRange).at_least(0)
        });
    }
    problems
}

/// R2.5: forgiven amounts are money of the loan's currency, never finer than its minor unit.
fn check_terms_scale(t: &Terms, currency: entity::enums::Currency) -> ServiceResult<()> {
    let mut problems = Problems::new();
    for (field, v) in [
        ("forgiveOverduePrincipal", t.forgive_overdue_principal),
        ("forgiveOverdueInterest", t.forgive_overdue_interest),
    ] {
        money::check_scale(&mut problems, &["terms", field], v, currency);
    }
    problems.finish()
}

/// R8: the manager's answer: agreement, counter-proposal (R12) or motivated refusal (D1).
/// Agreed or proposed terms must lower the debt burden (R7, R10).
pub async fn decide(ctx: &Ctx, p: &Principal, id: ApplicationId, input: DecideInput) -> ServiceResult<Decided> {
    scope::require_manager(p)?;
    let mut problems = Problems::new();
    problems.check(!input.signatory_name.trim().is_empty(), || {
        UserError::rule("R8", &["signatoryName"], crate::error::UserErrorReason::DecisionUnsigned)
    });
    match input.kind {
        DecisionKind::Refuse => {
            problems.check(input.terms.is_none(), || {
                UserError::invalid(&["terms"], crate::error::UserErrorReason::NotApplicable)
            });
        }
        DecisionKind::Approve | DecisionKind::CounterProposal => match &input.terms {
            Some(t) => problems.absorb(check_terms(t)),
            None => problems.push(UserError::invalid(&["terms"], crate::error::UserErrorReason::Required)),
        },
    }
    if input.kind == DecisionKind::CounterProposal {
        problems.check(input.reply_by.is_some(), || {
            UserError::rule("R12", &["replyBy"], crate::error::UserErrorReason::ReplyDateRequired)
        });
    }
    problems.finish()?;

    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let a = for_change(&w, p, id, false).await?;
    let step = AppStep::Decide(input.kind);
    rules::next_status(a.status, step).map_err(|r| refused(r, &["applicationId"]))?;
    let delivered_at = input.delivered_at.unwrap_or(w.now);
    if delivered_at > w.now || delivered_at < a.received_at {
        return Err(ServiceError::user(
            UserError::invalid(&["deliveredAt"], crate::error::UserErrorReason::DateOutOfRange)
                .with_param("notBefore", a.received_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .with_param("notAfter", w.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        ));
    }
    let law = reference::law(w.reference(), w.txn(), a.jurisdiction, w.now).await?;
    let policy = &law.policy.policy;
    let today = law.calendar.local_date(w.now);
    let delivered_on = law.calendar.local_date(delivered_at);
    let l = loan::Entity::find_by_id(a.loan_id).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
    if let Some(t) = &input.terms {
        check_terms_scale(t, l.currency)?;
    }

    let mut burden = None;
    if let Some(terms) = &input.terms {
        let schedule = loans::schedule_of(w.txn(), l.id).await?;
        let payments = loans::payments_of_loan(w.txn(), l.id).await?;
        let ledger = loans::ledger(&l, &schedule, &payments);
        // Terms that cannot be scheduled (R2) are refused on the terms, before the burden.
        rules::new_schedule(&ledger, terms, l.annual_rate.0, today).map_err(|r| refused(r, &["terms"]))?;
        let income = a.monthly_income.map(|m| m.0).unwrap_or_default();
        let b = rules::burden(&ledger, terms, l.annual_rate.0, today, income, a.other_monthly_debt_payments.0, policy)
            .map_err(|r| refused(r, &["applicationId"]))?;
        rules::check_lowers_burden(&b, l.currency).map_err(|r| refused(r, &["terms"]))?;
        burden = Some(b);
    }
    if let Some(reply_by) = input.reply_by {
        rules::check_reply_by(policy, delivered_on, reply_by).map_err(|r| refused(r, &["replyBy"]))?;
    }
    let reasons = match input.kind {
        DecisionKind::Refuse => {
            let existing_draft =
                decision::Entity::find().filter(decision::Column::ApplicationId.eq(a.id)).one(w.txn()).await?;
            let reasons = input
                .reasons
                .clone()
                .filter(|r| !r.trim().is_empty())
                .or_else(|| existing_draft.and_then(|d| d.reasons));
            match reasons {
                Some(r) => Some(r),
                None => {
                    return Err(ServiceError::user(UserError::rule(
                        "R8",
                        &["reasons"],
                        crate::error::UserErrorReason::RefusalReasonsRequired,
                    )));
                }
            }
        }
        DecisionKind::Approve | DecisionKind::CounterProposal => input.reasons.clone(),
    };
    let row = decision::Model {
        id: w.new_id(),
        application_id: a.id,
        kind: input.kind,
        draft: false,
        terms: input.terms.as_ref().map(to_json).transpose()?,
        reasons,
        signatory_name: Some(input.signatory_name.trim().to_owned()),
        signatory_position: input.signatory_position.clone(),
        decided_by: Some(p.key()),
        decided_at: Some(w.now),
        delivered_at: Some(delivered_at),
        burden_before: burden.map(|b| DbDecimal(b.ratio_before)),
        burden_after: burden.map(|b| DbDecimal(b.ratio_after)),
        burden_limit: burden.map(|b| DbDecimal(b.limit)),
        burden_payment_before: burden.map(|b| DbDecimal(b.payment_before)),
        burden_payment_after: burden.map(|b| DbDecimal(b.payment_after)),
        reply_by: input.reply_by,
        response: None,
        responded_at: None,
        implemented_at: None,
        created_at: w.now,
    };
    // A drafted refusal (R3) is replaced by the signed decision.
    decision::Entity::delete_many().filter(decision::Column::ApplicationId.eq(a.id)).exec(w.txn()).await?;
    decision::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
    let after = transition(&mut w, &a, step, "application.decided", |_| {}).await?;
    w.audit(
        "decision.signed",
        Subject::new(SUBJECT, a.id),
        Some(a.mfo_id),
        None,
        Some(json!({ "kind": row.kind, "terms": row.terms, "reasons": row.reasons, "signatory": row.signatory_name,
            "burdenBefore": row.burden_before.map(|b| b.to_string()), "burdenAfter": row.burden_after.map(|b| b.to_string()),
            "monthlyPaymentBefore": row.burden_payment_before.map(|b| b.to_string()),
            "monthlyPaymentAfter": row.burden_payment_after.map(|b| b.to_string()),
            "replyBy": row.reply_by, "deliveredAt": row.delivered_at })),
    );
    deadlines::close(&mut w, a.id, DeadlineKind::ApplicationDecision, DeadlineStatus::Met).await?;
    match input.kind {
        DecisionKind::Approve => {
            let due = rules::implementation_due(&law.calendar, policy, today);
            deadlines::open(
                &mut w,
                new_deadline(
                    &a,
                    DeadlineKind::DecisionImplementation,
                    "R11",
                    Obligor::Mfo,
                    due,
                    law.policy.id,
                    "1".into(),
                ),
            )
            .await?;
        }
        DecisionKind::CounterProposal => {
            let due = rules::deemed_refusal_due(&law.calendar, policy, delivered_on);
            deadlines::open(
                &mut w,
                new_deadline(
                    &a,
                    DeadlineKind::CounterProposalReply,
                    "R13",
                    Obligor::Borrower,
                    due,
                    law.policy.id,
                    "1".into(),
                ),
            )
            .await?;
        }
        DecisionKind::Refuse => {}
    }
    w.commit().await?;
    Ok(Decided { application: after, burden })
}

/// R12: the borrower accepts or rejects the counter-proposal.
pub async fn respond(
    ctx: &Ctx,
    p: &Principal,
    id: ApplicationId,
    response: CounterProposalResponse,
) -> ServiceResult<application::Model> {
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let a = for_change(&w, p, id, true).await?;
    let step = match response {
        CounterProposalResponse::Accept => AppStep::Accept,
        CounterProposalResponse::Reject => AppStep::Reject,
    };
    let action = match response {
        CounterProposalResponse::Accept => "application.counter_proposal_accepted",
        CounterProposalResponse::Reject => "application.counter_proposal_rejected",
    };
    let after = transition(&mut w, &a, step, action, |_| {}).await?;
    decision::Entity::update_many()
        .col_expr(decision::Column::Response, Expr::value(sea_orm::ActiveEnum::to_value(&response)))
        .col_expr(decision::Column::RespondedAt, Expr::value(w.now))
        .filter(decision::Column::ApplicationId.eq(a.id))
        .exec(w.txn())
        .await?;
    deadlines::close(&mut w, a.id, DeadlineKind::CounterProposalReply, DeadlineStatus::Met).await?;
    if response == CounterProposalResponse::Accept {
        let law = reference::law(w.reference(), w.txn(), a.jurisdiction, w.now).await?;
        let due = rules::implementation_due(&law.calendar, &law.policy.policy, law.calendar.local_date(w.now));
        deadlines::open(
            &mut w,
            new_deadline(&a, DeadlineKind::DecisionImplementation, "R11", Obligor::Mfo, due, law.policy.id, "1".into()),
        )
        .await?;
    }
    w.commit().await?;
    Ok(after)
}

/// R13: no agreement within 30 days of receipt: the proposal counts as refused (the
/// scanner runs this when the reply deadline passes).
pub(crate) async fn deemed_refusal(w: &mut Write, d: &deadline::Model) -> ServiceResult<()> {
    let Some(a) = application::Entity::find_by_id(d.subject_id).one(w.txn()).await? else { return Ok(()) };
    if a.status != ApplicationStatus::CounterProposed {
        return Ok(());
    }
    transition(w, &a, AppStep::DeemRefused, "application.deemed_refused", |_| {}).await?;
    Ok(())
}

/// R11: the agreed changes are made: a new schedule replaces the unpaid installments, and
/// the loan's rate and repayment order follow the terms; the audit entry keeps both
/// schedules.
pub async fn implement(ctx: &Ctx, p: &Principal, id: ApplicationId) -> ServiceResult<application::Model> {
    scope::require_staff(p)?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let a = for_change(&w, p, id, false).await?;
    rules::next_status(a.status, AppStep::Implement).map_err(|r| refused(r, &["applicationId"]))?;
    let d = decision::Entity::find()
        .filter(decision::Column::ApplicationId.eq(a.id))
        .one(w.txn())
        .await?
        .ok_or(ServiceError::NotFound)?;
    let terms: Terms = d
        .terms
        .clone()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| ServiceError::Internal(e.into()))?
        .unwrap_or_default();
    let l = loan::Entity::find_by_id(a.loan_id).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
    let today = loans::local_today(&l, w.now);
    let old = loans::schedule_of(w.txn(), l.id).await?;
    let payments = loans::payments_of_loan(w.txn(), l.id).await?;
    let ledger = loans::ledger(&l, &old, &payments);
    let new =
        rules::new_schedule(&ledger, &terms, l.annual_rate.0, today).map_err(|r| refused(r, &["applicationId"]))?;
    let rows = loans::installment_rows(&w, l.id, &new);
    loans::replace_schedule(&w, l.id, rows).await?;
    let mut updated = l.clone();
    if let Some(rate) = terms.new_annual_rate {
        updated.annual_rate = DbDecimal(rate.normalize());
    }
    if let Some(order) = terms.repayment_order {
        updated.repayment_order = order;
    }
    if let Some(last) = new.last() {
        updated.term_months = rules::term_months(l.contract_date, last.due_date);
    }
    updated.updated_at = w.now;
    loan::Entity::update(updated.clone().into_active_model().reset_all()).exec(w.txn()).await?;
    let updated = loans::refresh_derived(&mut w, updated).await?;
    let line =
        |i: &crate::rules::loans::Installment| json!([i.due_date, i.principal.to_string(), i.interest.to_string()]);
    let old_lines: Vec<Value> =
        old.iter().map(|i| json!([i.due_date, i.principal.to_string(), i.interest.to_string()])).collect();
    w.audit(
        "loan.restructured",
        Subject::new("loan", l.id),
        Some(l.mfo_id),
        Some(json!({ "annualRate": l.annual_rate.to_string(), "repaymentOrder": l.repayment_order, "termMonths": l.term_months, "schedule": old_lines })),
        Some(json!({ "annualRate": updated.annual_rate.to_string(), "repaymentOrder": updated.repayment_order, "termMonths": updated.term_months,
            "schedule": new.iter().map(line).collect::<Vec<_>>(), "applicationId": a.id })),
    );
    w.event(
        "loan.restructured",
        Subject::new("loan", l.id),
        loans::visibility(&updated),
        json!({ "applicationId": a.id }),
    );
    decision::Entity::update_many()
        .col_expr(decision::Column::ImplementedAt, Expr::value(w.now))
        .filter(decision::Column::Id.eq(d.id))
        .exec(w.txn())
        .await?;
    let after = transition(&mut w, &a, AppStep::Implement, "application.implemented", |_| {}).await?;
    deadlines::close(&mut w, a.id, DeadlineKind::DecisionImplementation, DeadlineStatus::Met).await?;
    w.commit().await?;
    Ok(after)
}

/// The borrower withdraws an undecided application.
pub async fn withdraw(ctx: &Ctx, p: &Principal, id: ApplicationId) -> ServiceResult<application::Model> {
    match p.role {
        Role::Borrower => {}
        Role::MfoStaff | Role::MfoManager | Role::CollectionAgency | Role::Regulator => {
            return Err(ServiceError::Forbidden("only the borrower withdraws an application"));
        }
    }
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let a = for_change(&w, p, id, true).await?;
    let after = transition(&mut w, &a, AppStep::Withdraw, "application.withdrawn", |_| {}).await?;
    for kind in [DeadlineKind::ApplicationDecision, DeadlineKind::ApplicationDocuments] {
        deadlines::close(&mut w, a.id, kind, DeadlineStatus::Cancelled).await?;
    }
    w.commit().await?;
    Ok(after)
}

pub async fn decisions_by_application<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> ServiceResult<std::collections::HashMap<Uuid, decision::Model>> {
    let rows =
        decision::Entity::find().filter(decision::Column::ApplicationId.is_in(ids.iter().copied())).all(db).await?;
    Ok(rows.into_iter().map(|d| (d.application_id, d)).collect())
}

/// D1: the refusal letter of a refusal (signed or drafted), rendered from the record.
/// The records a refusal letter is rendered from.
pub struct LetterRecords<'a> {
    pub decision: &'a decision::Model,
    pub application: &'a application::Model,
    pub loan: &'a loan::Model,
    pub borrower: &'a borrower::Model,
    pub mfo: &'a organization::Model,
}

/// D1: the letter of a refusal (signed or drafted), rendered from its records; `None` for
/// decisions that are not refusals.
pub fn refusal_letter(r: &LetterRecords<'_>) -> Option<(Language, String)> {
    let (d, a, l, b, mfo) = (r.decision, r.application, r.loan, r.borrower, r.mfo);
    if d.kind != DecisionKind::Refuse {
        return None;
    }
    let tz = crate::rules::calendar::time_zone(a.jurisdiction);
    let language = rules::refusal_letter_language(a.language);
    let signatory = match (&d.signatory_name, &d.signatory_position) {
        (Some(n), Some(pos)) => format!("{n}, {pos}"),
        (Some(n), None) => n.clone(),
        (None, _) => "________________".to_owned(),
    };
    let facts = RefusalLetterFacts {
        borrower_name: b.full_name.clone(),
        borrower_address: b.address.clone(),
        creditor: mfo.name.clone(),
        application_date: a.application_date,
        incoming_number: rules::incoming_number(a.incoming_year, a.incoming_seq),
        incoming_date: a.received_at.with_timezone(&tz).date_naive(),
        contract_number: l.contract_number.clone(),
        contract_date: l.contract_date,
        reasons: d.reasons.clone().unwrap_or_default(),
        signatory,
    };
    Some((language, rules::refusal_letter(language, &facts)))
}

/// R2: calendar days from the overdue date to receipt, as judged at receipt.
pub fn days_after_overdue(a: &application::Model) -> Option<i64> {
    let received_on = a.received_at.with_timezone(&crate::rules::calendar::time_zone(a.jurisdiction)).date_naive();
    a.overdue_since.map(|since| rules::days_after_overdue(since, received_on))
}

/// R9: the states in which an application is under review.
pub const UNDER_REVIEW: [ApplicationStatus; 4] = [
    ApplicationStatus::Registered,
    ApplicationStatus::DocumentsRequested,
    ApplicationStatus::Inadmissible,
    ApplicationStatus::CounterProposed,
];

/// A delinquency notice, seen by whoever may see its loan; NOT_FOUND otherwise.
pub async fn get_notice(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<delinquency_notice::Model> {
    let row = delinquency_notice::Entity::find_by_id(id).one(&ctx.db).await?.ok_or(ServiceError::NotFound)?;
    super::loans::get(ctx, p, crate::ids::LoanId(row.loan_id)).await?;
    Ok(row)
}

/// A decision, seen by whoever may see its application (`get`); NOT_FOUND otherwise.
pub async fn get_decision(ctx: &Ctx, p: &Principal, id: Uuid) -> ServiceResult<decision::Model> {
    let row = decision::Entity::find_by_id(id).one(&ctx.db).await?.ok_or(ServiceError::NotFound)?;
    get(ctx, p, ApplicationId(row.application_id)).await?;
    Ok(row)
}
