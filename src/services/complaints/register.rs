//! C1–C6: registration into the MFO's single journal, numbered without gaps (C4). What a
//! complaint lacks is flagged and escalated, never a reason to refuse it (C2).

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{ComplaintChannel, ComplaintForm, ComplaintKind, DeadlineStatus, Language};
use entity::{borrower, complaint, complaint_journal_counter, loan};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::{SUBJECT, get, snapshot, visibility};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::{BorrowerId, ComplaintId, ContactId, LoanId};
use crate::rules::complaints::{self as rules, Complainant, Opening, RegistrationFacts, RegistrationRefused};
use crate::services::deadlines::{self, NewDeadline};
use crate::services::write::{Actor, Subject, Submission, Submitted, Write};
use crate::services::{Ctx, reference, scope};

#[derive(Debug, Clone, Serialize)]
pub struct RegisterInput {
    pub client_submission_id: Option<Uuid>,
    pub kind: ComplaintKind,
    pub channel: ComplaintChannel,
    pub form: Option<ComplaintForm>,
    pub language: Language,
    pub complainants: Vec<Complainant>,
    pub answer_address: Option<String>,
    pub substance: Option<String>,
    pub signed: bool,
    pub dated_on: Option<NaiveDate>,
    pub borrower_id: Option<BorrowerId>,
    pub loan_id: Option<LoanId>,
    pub branch: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
    /// The contact with a collector the complaint is about: an X6 report.
    pub contact_id: Option<ContactId>,
}

/// The most complainants one complaint names (C11). A collective complaint lists its
/// signatories, and C2 forbids refusing a complaint for what it holds, so the bound is far
/// above any collective complaint: it only refuses a list built to weigh on every read of
/// the complaint, which returns the list whole (`Complaint.complainants` is weighed by it).
pub const MAX_COMPLAINANTS: usize = 100;

/// C4: the next number of the MFO's journal for the year. The counter row is incremented
/// in the registering transaction: a rolled-back registration gives its number back, and
/// concurrent registrations queue on the row, so numbers have no gaps and no duplicates.
async fn next_journal_number(w: &Write, mfo: Uuid, year: i32) -> ServiceResult<i32> {
    use complaint_journal_counter::Column as C;
    let stmt = Query::insert()
        .into_table(complaint_journal_counter::Entity)
        .columns([C::MfoId, C::Year, C::LastNumber])
        .values_panic([mfo.into(), year.into(), 1.into()])
        .on_conflict(
            OnConflict::columns([C::MfoId, C::Year])
                .value(C::LastNumber, Expr::col((complaint_journal_counter::Entity, C::LastNumber)).add(1))
                .to_owned(),
        )
        .returning_col(C::LastNumber)
        .to_owned();
    crate::services::next_number(w, stmt).await
}

/// Registers a complaint, suggestion or request (C1–C6): always stored and numbered.
pub async fn register(ctx: &Ctx, p: &Principal, input: RegisterInput) -> ServiceResult<complaint::Model> {
    scope::permit(p.submits_for_borrower(), "complaints are registered by the MFO or by the borrower")?;
    let is_borrower = p.is_borrower();
    let now = ctx.clock.now();
    let mut problems = Problems::new();
    problems.at_most_items("complainants", input.complainants.len(), MAX_COMPLAINANTS);
    problems.finish()?;
    if is_borrower {
        // The mobile app retries over flaky networks: every submission carries its id.
        if input.client_submission_id.is_none() {
            return Err(ServiceError::user(UserError::invalid(&["clientSubmissionId"], UserErrorReason::Required)));
        }
        if input.borrower_id.is_some_and(|b| Some(b) != p.borrower_id) {
            return Err(ServiceError::NotFound);
        }
    } else if input.received_at.is_some_and(|r| r > now) {
        return Err(ServiceError::user(UserError::invalid(&["receivedAt"], UserErrorReason::DateInFuture)));
    }
    let hashed_input = input.clone();
    let submission = Submission {
        client_submission_id: input.client_submission_id,
        operation: "registerComplaint",
        input: &hashed_input,
    };
    match ctx
        .submit(Actor::from(p), submission, async |w| {
            // Completed below for a borrower: each attempt starts from the input as sent.
            let mut input = input.clone();
            let mfo = p.org_id.0;
            if is_borrower {
                // A borrower registers for themselves, through the app, signed by their login.
                let b = p.borrower_id.ok_or(ServiceError::Unauthenticated)?;
                let me = borrower::Entity::find_by_id(b.0).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
                input.borrower_id = Some(b);
                input.channel = ComplaintChannel::MobileApp;
                input.form = Some(ComplaintForm::Written);
                input.signed = true;
                input.received_at = Some(w.now);
                let given = input.complainants.first().cloned().unwrap_or_default();
                input.complainants = vec![Complainant {
                    full_name: Some(me.full_name),
                    address: given.address.or(me.address),
                    phone: given.phone.or(me.phone),
                    email: given.email.or(me.email),
                }];
            }
            if let Some(b) = input.borrower_id
                && borrower::Entity::find_by_id(b.0)
                    .filter(borrower::Column::MfoId.eq(mfo))
                    .one(w.txn())
                    .await?
                    .is_none()
            {
                return Err(ServiceError::NotFound);
            }
            // X6: a complaint about a collector's contact names it; the contact gives the
            // complaint its loan and borrower.
            let contact = match input.contact_id {
                Some(c) => {
                    let c = crate::services::collection::contact_for_complaint(w, mfo, c).await?;
                    if input.borrower_id.is_some_and(|b| b.0 != c.borrower_id) {
                        if is_borrower {
                            // Another borrower's contact: as if it did not exist.
                            return Err(ServiceError::NotFound);
                        }
                        return Err(ServiceError::user(UserError::invalid(
                            &["contactId"],
                            UserErrorReason::RecordsDoNotMatch,
                        )));
                    }
                    if input.loan_id.is_some_and(|l| l.0 != c.loan_id) {
                        return Err(ServiceError::user(UserError::invalid(
                            &["contactId"],
                            UserErrorReason::RecordsDoNotMatch,
                        )));
                    }
                    input.loan_id.get_or_insert(LoanId(c.loan_id));
                    input.borrower_id.get_or_insert(BorrowerId(c.borrower_id));
                    Some(c)
                }
                None => None,
            };
            let mut loan_contract_date = None;
            if let Some(l) = input.loan_id {
                let found = loan::Entity::find_by_id(l.0).filter(scope::loans(p)).one(w.txn()).await?;
                let Some(found) = found else { return Err(ServiceError::NotFound) };
                // The loan is the complainant's: whoever sees the complaint may see the loan.
                if input.borrower_id.is_some_and(|b| b.0 != found.borrower_id) {
                    return Err(ServiceError::user(UserError::invalid(
                        &["loanId"],
                        UserErrorReason::RecordsDoNotMatch,
                    )));
                }
                input.borrower_id.get_or_insert(BorrowerId(found.borrower_id));
                loan_contract_date = Some(found.contract_date);
            }

            let law = reference::law(w.reference(), w.txn(), p.jurisdiction, w.now).await?;
            let mfo_founded_on = reference::founded_on(w.reference(), w.txn(), mfo).await?;
            let facts = RegistrationFacts {
                kind: input.kind,
                channel: input.channel,
                form: input.form,
                complainants: &input.complainants,
                answer_address: input.answer_address.as_deref(),
                substance: input.substance.as_deref(),
                signed: input.signed,
                dated_on: input.dated_on,
                by_borrower: is_borrower,
                received_at: input.received_at,
                loan_contract_date,
                mfo_founded_on,
            };
            let plan =
                rules::registration(&facts, w.now, &law.calendar, &law.policy.policy).map_err(
                    |refused| match refused {
                        RegistrationRefused::ReceivedBeforeContract { contract_date } => ServiceError::user(
                            UserError::invalid(&["receivedAt"], UserErrorReason::DateOutOfRange)
                                .with_param("notBefore", contract_date.to_string()),
                        ),
                        // C4's registration deadline runs from receipt: it cannot start
                        // before the MFO existed.
                        RegistrationRefused::ReceivedBeforeFounding { founded_on } => ServiceError::user(
                            UserError::invalid(&["receivedAt"], UserErrorReason::DateOutOfRange)
                                .with_param("notBefore", founded_on.to_string())
                                .with_rule("C4"),
                        ),
                    },
                )?;

            let id = w.new_id();
            let subject = Subject::new(SUBJECT, id);
            for d in &plan.deadlines {
                let new = NewDeadline {
                    subject,
                    org_id: mfo,
                    jurisdiction: p.jurisdiction,
                    kind: d.kind,
                    rule: d.rule,
                    obligor: d.obligor,
                    due: d.due,
                    policy_version_id: law.policy.id,
                    occurrence: "1".into(),
                };
                match d.opening {
                    Opening::Open => {
                        deadlines::open(w, new).await?;
                    }
                    Opening::Settled { met } => {
                        deadlines::record_settled(w, new, met).await?;
                    }
                    Opening::Cancelled => {
                        deadlines::open(w, new).await?;
                        deadlines::close(w, id, d.kind, DeadlineStatus::Cancelled).await?;
                    }
                }
            }
            w.produced(id);

            // C4's number is taken last, just before the row is written: the MFO's counter row
            // stays locked until commit, and every other registration of the MFO waits for it
            // (measured under load), so the deadlines go first. Nothing else needs the number.
            let seq = next_journal_number(w, mfo, plan.journal_year).await?;
            let row = complaint::Model {
                id,
                mfo_id: mfo,
                jurisdiction: p.jurisdiction,
                journal_year: plan.journal_year,
                journal_seq: seq,
                kind: input.kind,
                channel: input.channel,
                form: plan.form,
                language: input.language,
                substance: input.substance.clone(),
                complainants: serde_json::to_value(&input.complainants)
                    .map_err(|e| ServiceError::Internal(e.into()))?,
                answer_address: input.answer_address.clone(),
                signed: input.signed,
                dated_on: plan.dated_on,
                missing_content: serde_json::to_value(&plan.missing).map_err(|e| ServiceError::Internal(e.into()))?,
                borrower_id: input.borrower_id.map(|b| b.0),
                loan_id: input.loan_id.map(|l| l.0),
                contact_id: contact.as_ref().map(|c| c.id),
                branch: input.branch.clone(),
                received_at: plan.received_at,
                registered_at: w.now,
                registered_by: p.key(),
                status: plan.status,
                closure_reason: plan.closure_reason,
                closure_note: plan.closure_note.map(str::to_owned),
                acknowledged_at: None,
                acknowledgement_channel: None,
                forwarded_to: None,
                extension_reason: None,
                extension_notice: None,
                extended_at: None,
                updated_at: w.now,
            };
            complaint::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
            if let Some(c) = &contact {
                let number = rules::journal_number(row.journal_year, row.journal_seq);
                crate::services::collection::escalate_complaint_about_contact(w, c, row.id, &number);
            }
            w.audit("complaint.registered", subject, Some(mfo), None, Some(snapshot(&row)));
            w.event("complaint.registered", subject, visibility(&row), json!({ "status": row.status }));
            Ok(row)
        })
        .await?
    {
        Submitted::Fresh(done) => Ok(done),
        Submitted::Replay(id) => get(ctx, p, ComplaintId(id)).await,
    }
}
