//! Complaints, suggestions and requests (C1–C12), loan-information requests (C9) and
//! reception hours (C13): registration into the MFO's single journal, the steps of
//! handling, answers, and the deadlines each step opens or meets.
//!
//! Registration never refuses a complaint for what it lacks (C2): it is stored, numbered
//! and flagged. Only a caller who may not register at all, or a retry carrying other
//! input, is turned away.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use entity::enums::{
    AcknowledgementChannel, AnswerDeliveryChannel, AnswerGround, ClosureReason, ComplaintChannel, ComplaintForm,
    ComplaintKind, ComplaintStatus, DeadlineKind, DeadlineStatus, InfoRequestStatus, Language, LoanStatus, Obligor,
    Role, SignatoryRole, Weekday,
};
use entity::{
    borrower, complaint, complaint_answer, complaint_journal_counter, info_request, loan, organization, payment,
    reception_hours,
};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::deadlines::{self, NewDeadline};
use super::write::{Actor, Begun, Subject, Submission, Visibility, Write};
use super::{Ctx, Page, loans, reference, refused, scope};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError};
use crate::ids::{BorrowerId, ComplaintId, ContactId, InfoRequestId, LoanId, OrgId};
use crate::rules::complaints::{self as rules, Complainant, Content, Step};
use crate::rules::loans::Statement;

const SUBJECT: &str = "complaint";

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

fn visibility(c: &complaint::Model) -> Visibility {
    Visibility { org_id: Some(c.mfo_id), jurisdiction: Some(c.jurisdiction) }
}

fn snapshot(c: &complaint::Model) -> Value {
    json!({
        "number": rules::journal_number(c.journal_year, c.journal_seq), "kind": c.kind, "channel": c.channel,
        "form": c.form, "language": c.language, "status": c.status, "closureReason": c.closure_reason,
        "closureNote": c.closure_note, "missingContent": c.missing_content, "forwardedTo": c.forwarded_to,
        "acknowledgedAt": c.acknowledged_at, "extensionReason": c.extension_reason,
        "extensionNotice": c.extension_notice, "borrowerId": c.borrower_id, "loanId": c.loan_id,
        "contactId": c.contact_id,
    })
}

pub fn complainants_of(c: &complaint::Model) -> Vec<Complainant> {
    serde_json::from_value(c.complainants.clone()).unwrap_or_default()
}

pub fn missing_of(c: &complaint::Model) -> Vec<entity::enums::MissingContent> {
    serde_json::from_value(c.missing_content.clone()).unwrap_or_default()
}

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
    super::next_number(w, stmt).await
}

/// Registers a complaint, suggestion or request (C1–C6): always stored and numbered.
pub async fn register(ctx: &Ctx, p: &Principal, mut input: RegisterInput) -> ServiceResult<complaint::Model> {
    let is_borrower = match p.role {
        Role::Borrower => true,
        Role::MfoStaff | Role::MfoManager => false,
        Role::CollectionAgency | Role::Regulator => {
            return Err(ServiceError::Forbidden("complaints are registered by the MFO or by the borrower"));
        }
    };
    let now = ctx.clock.now();
    if is_borrower {
        // The mobile app retries over flaky networks: every submission carries its id.
        if input.client_submission_id.is_none() {
            return Err(ServiceError::user(UserError::invalid(
                &["clientSubmissionId"],
                crate::error::UserErrorReason::Required,
            )));
        }
        if input.borrower_id.is_some_and(|b| Some(b) != p.borrower_id) {
            return Err(ServiceError::NotFound);
        }
    } else if input.received_at.is_some_and(|r| r > now) {
        return Err(ServiceError::user(UserError::invalid(
            &["receivedAt"],
            crate::error::UserErrorReason::DateInFuture,
        )));
    }
    let hashed_input = input.clone();
    let submission = Submission {
        client_submission_id: input.client_submission_id,
        operation: "registerComplaint",
        input: &hashed_input,
    };
    let mut w = match Write::begin_submission(ctx, Actor::from(p), submission).await? {
        Begun::Fresh(w) => *w,
        Begun::Replay(id) => return get(ctx, p, ComplaintId(id)).await,
    };
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
        && borrower::Entity::find_by_id(b.0).filter(borrower::Column::MfoId.eq(mfo)).one(w.txn()).await?.is_none()
    {
        return Err(ServiceError::NotFound);
    }
    // X6: a complaint about a collector's contact names it; the contact gives the
    // complaint its loan and borrower.
    let contact = match input.contact_id {
        Some(c) => {
            let c = super::collection::contact_for_complaint(&w, mfo, c).await?;
            if input.borrower_id.is_some_and(|b| b.0 != c.borrower_id) {
                if is_borrower {
                    // Another borrower's contact: as if it did not exist.
                    return Err(ServiceError::NotFound);
                }
                return Err(ServiceError::user(UserError::invalid(
                    &["contactId"],
                    crate::error::UserErrorReason::RecordsDoNotMatch,
                )));
            }
            if input.loan_id.is_some_and(|l| l.0 != c.loan_id) {
                return Err(ServiceError::user(UserError::invalid(
                    &["contactId"],
                    crate::error::UserErrorReason::RecordsDoNotMatch,
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
                crate::error::UserErrorReason::RecordsDoNotMatch,
            )));
        }
        input.borrower_id.get_or_insert(BorrowerId(found.borrower_id));
        loan_contract_date = Some(found.contract_date);
    }

    let law = reference::law(w.reference(), w.txn(), p.jurisdiction, w.now).await?;
    let cal = &law.calendar;
    let policy = &law.policy.policy;
    let received_at = input.received_at.unwrap_or(w.now);
    let received_on = cal.local_date(received_at);
    let registered_on = cal.local_date(w.now);
    // A complaint about a loan cannot have reached the MFO before the loan's contract: such
    // a date is a typo (a year 1, a swapped century), and C2's clock would start from it.
    if let Some(contract_date) = loan_contract_date
        && received_on < contract_date
    {
        return Err(ServiceError::user(
            UserError::invalid(&["receivedAt"], crate::error::UserErrorReason::DateOutOfRange)
                .with_param("notBefore", contract_date.to_string()),
        ));
    }
    if is_borrower && input.dated_on.is_none() {
        input.dated_on = Some(registered_on);
    }
    let form = input.form.unwrap_or_else(|| rules::default_form(input.channel));
    let content = Content {
        form,
        complainants: &input.complainants,
        answer_address: input.answer_address.as_deref(),
        substance: input.substance.as_deref(),
        signed: input.signed,
        dated: input.dated_on.is_some(),
    };
    let missing = rules::missing_content(&content);
    let anonymous = rules::is_anonymous(&content);

    let id = w.new_id();
    let subject = Subject::new(SUBJECT, id);
    let deadline = |kind, rule, due, obligor| NewDeadline {
        subject,
        org_id: mfo,
        jurisdiction: p.jurisdiction,
        kind,
        rule,
        obligor,
        due,
        policy_version_id: law.policy.id,
        occurrence: "1".into(),
    };
    // C4: registered within a business day of receipt.
    if rules::registration_deadline_applies(form, received_on, registered_on) {
        let due = rules::registration_due(cal, policy, received_on);
        let met = w.now < due.at;
        deadlines::record_settled(&mut w, deadline(DeadlineKind::ComplaintRegistration, "C4", due, Obligor::Mfo), met)
            .await?;
    }
    // C5: an e-mailed complaint is acknowledged by the next business day.
    if rules::acknowledgement_required(input.channel) && !anonymous {
        let due = rules::acknowledgement_due(cal, policy, received_on);
        deadlines::open(&mut w, deadline(DeadlineKind::ComplaintAcknowledgement, "C5", due, Obligor::Mfo)).await?;
    }
    // C8: answered within ten business days of registration (C7: suggestions need none).
    if rules::answer_required(input.kind) {
        let due = rules::answer_due(cal, policy, registered_on);
        deadlines::open(&mut w, deadline(DeadlineKind::ComplaintAnswer, "C8", due, Obligor::Mfo)).await?;
        if anonymous {
            deadlines::close(&mut w, id, DeadlineKind::ComplaintAnswer, DeadlineStatus::Cancelled).await?;
        }
    }
    w.produced(id);

    // C4's number is taken last, just before the row is written: the MFO's counter row
    // stays locked until commit, and every other registration of the MFO waits for it
    // (measured under load), so the deadlines go first. Nothing else needs the number.
    let year = registered_on.year();
    let seq = next_journal_number(&w, mfo, year).await?;
    let row = complaint::Model {
        id,
        mfo_id: mfo,
        jurisdiction: p.jurisdiction,
        journal_year: year,
        journal_seq: seq,
        kind: input.kind,
        channel: input.channel,
        form,
        language: input.language,
        substance: input.substance.clone(),
        complainants: serde_json::to_value(&input.complainants).map_err(|e| ServiceError::Internal(e.into()))?,
        answer_address: input.answer_address.clone(),
        signed: input.signed,
        dated_on: input.dated_on,
        missing_content: serde_json::to_value(&missing).map_err(|e| ServiceError::Internal(e.into()))?,
        borrower_id: input.borrower_id.map(|b| b.0),
        loan_id: input.loan_id.map(|l| l.0),
        contact_id: contact.as_ref().map(|c| c.id),
        branch: input.branch.clone(),
        received_at,
        registered_at: w.now,
        registered_by: p.key(),
        // C3: an anonymous written complaint is left without consideration at once.
        status: if anonymous { ComplaintStatus::LeftWithoutConsideration } else { ComplaintStatus::Registered },
        closure_reason: anonymous.then_some(ClosureReason::Anonymous),
        closure_note: anonymous
            .then(|| "anonymous: no personal or contact details and no postal address (C3)".to_owned()),
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
        super::collection::escalate_complaint_about_contact(&mut w, c, row.id, &number);
    }
    w.audit("complaint.registered", subject, Some(mfo), None, Some(snapshot(&row)));
    w.event("complaint.registered", subject, visibility(&row), json!({ "status": row.status }));
    w.commit().await?;
    Ok(row)
}

/// A complaint the principal may see; NOT_FOUND otherwise (also for agencies).
pub async fn get(ctx: &Ctx, p: &Principal, id: ComplaintId) -> ServiceResult<complaint::Model> {
    let scope = scope::complaints(p).ok_or(ServiceError::NotFound)?;
    complaint::Entity::find_by_id(id.0).filter(scope).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}

#[derive(Debug, Clone, Default)]
pub struct ComplaintFilter {
    pub status: Option<ComplaintStatus>,
    pub kind: Option<ComplaintKind>,
    pub borrower_id: Option<BorrowerId>,
    pub loan_id: Option<LoanId>,
    /// On `received_at` (C2's clock starts when the complaint reached the MFO).
    pub received: super::Range<DateTime<Utc>>,
    /// Records changed (created included) at or after this instant: see `services::changes`.
    pub updated_after: Option<DateTime<Utc>>,
}

/// `complaints`: in id order (UUIDv7: the order they were registered), after `after`.
pub async fn list(
    ctx: &Ctx,
    p: &Principal,
    f: &ComplaintFilter,
    after: Option<Uuid>,
    first: u64,
) -> ServiceResult<Page<complaint::Model>> {
    super::changes::check_since(ctx, f.updated_after)?;
    let mut q = filtered(p, f)?;
    if let Some(a) = after {
        q = q.filter(complaint::Column::Id.gt(a));
    }
    super::read_page(&ctx.db, q.order_by_asc(complaint::Column::Id), first).await
}

/// `complaints { totalCount }`.
pub async fn count(ctx: &Ctx, p: &Principal, f: &ComplaintFilter) -> ServiceResult<u64> {
    super::count_rows(&ctx.db, filtered(p, f)?).await
}

fn filtered(p: &Principal, f: &ComplaintFilter) -> ServiceResult<sea_orm::Select<complaint::Entity>> {
    let scope = scope::complaints(p).ok_or(ServiceError::Forbidden("collection agencies do not see complaints"))?;
    let mut q = complaint::Entity::find().filter(scope).filter(f.received.condition(complaint::Column::ReceivedAt));
    if let Some(s) = f.status {
        q = q.filter(complaint::Column::Status.eq(s));
    }
    if let Some(k) = f.kind {
        q = q.filter(complaint::Column::Kind.eq(k));
    }
    if let Some(b) = f.borrower_id {
        q = q.filter(complaint::Column::BorrowerId.eq(b.0));
    }
    if let Some(l) = f.loan_id {
        q = q.filter(complaint::Column::LoanId.eq(l.0));
    }
    if let Some(t) = f.updated_after {
        q = q.filter(super::changes::updated_since("complaint", complaint::Column::Id, t));
    }
    Ok(q)
}

/// C4, C6: an MFO's journal for a year, in number order. MFO staff read their own MFO's;
/// a regulator any MFO of its jurisdiction.
pub async fn journal(
    ctx: &Ctx,
    p: &Principal,
    mfo: Option<OrgId>,
    year: i32,
    after_seq: Option<i32>,
    first: u64,
) -> ServiceResult<Page<complaint::Model>> {
    let mut q = journal_query(p, mfo, year)?;
    if let Some(s) = after_seq {
        q = q.filter(complaint::Column::JournalSeq.gt(s));
    }
    super::read_page(&ctx.db, q.order_by_asc(complaint::Column::JournalSeq), first).await
}

/// `complaintJournal { totalCount }`: the entries of the year (C4: the last number).
pub async fn journal_count(ctx: &Ctx, p: &Principal, mfo: Option<OrgId>, year: i32) -> ServiceResult<u64> {
    super::count_rows(&ctx.db, journal_query(p, mfo, year)?).await
}

fn journal_query(p: &Principal, mfo: Option<OrgId>, year: i32) -> ServiceResult<sea_orm::Select<complaint::Entity>> {
    let mfo = match p.role {
        Role::MfoStaff | Role::MfoManager => match mfo {
            Some(m) if m != p.org_id => return Err(ServiceError::NotFound),
            _ => p.org_id,
        },
        Role::Regulator => mfo.ok_or_else(|| {
            ServiceError::user(UserError::invalid(&["mfoId"], crate::error::UserErrorReason::Required))
        })?,
        Role::Borrower | Role::CollectionAgency => {
            return Err(ServiceError::Forbidden(
                "the complaint journal is kept by the MFO for its staff and the regulator",
            ));
        }
    };
    let scope = scope::complaints(p).ok_or(ServiceError::NotFound)?;
    Ok(complaint::Entity::find()
        .filter(scope)
        .filter(complaint::Column::MfoId.eq(mfo.0))
        .filter(complaint::Column::JournalYear.eq(year)))
}

/// Loads a complaint of the principal's MFO for a change (`Write::for_change`).
async fn for_change(w: &Write, p: &Principal, id: ComplaintId) -> ServiceResult<complaint::Model> {
    scope::require_staff(p)?;
    w.for_change::<complaint::Entity>(Condition::all().add(complaint::Column::MfoId.eq(p.org_id.0)), id.0).await
}

/// Applies a step's status change and records it.
async fn step(
    w: &mut Write,
    before: &complaint::Model,
    step: Step,
    action: &str,
    change: impl FnOnce(&mut complaint::Model),
) -> ServiceResult<complaint::Model> {
    let status =
        rules::next_status(before.status, step, before.kind, before.form).map_err(|r| refused(r, &["complaintId"]))?;
    let mut after = before.clone();
    after.status = status;
    after.updated_at = w.now;
    change(&mut after);
    complaint::Entity::update(after.clone().into_active_model().reset_all()).exec(w.txn()).await?;
    let subject = Subject::new(SUBJECT, after.id);
    w.audit(action, subject, Some(after.mfo_id), Some(snapshot(before)), Some(snapshot(&after)));
    w.event(action, subject, visibility(&after), json!({ "status": after.status }));
    Ok(after)
}

/// C5: confirms receipt of an e-mailed complaint.
pub async fn acknowledge(
    ctx: &Ctx,
    p: &Principal,
    id: ComplaintId,
    channel: AcknowledgementChannel,
    at: Option<DateTime<Utc>>,
) -> ServiceResult<complaint::Model> {
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let c = for_change(&w, p, id).await?;
    if c.acknowledged_at.is_some() {
        return Err(ServiceError::user(UserError::conflict(
            &["complaintId"],
            crate::error::UserErrorReason::AlreadyDone,
        )));
    }
    let at = at.unwrap_or(w.now);
    if at > w.now || at < c.received_at {
        return Err(ServiceError::user(
            UserError::invalid(&["acknowledgedAt"], crate::error::UserErrorReason::DateOutOfRange)
                .with_param("notBefore", c.received_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .with_param("notAfter", w.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        ));
    }
    let after = step(&mut w, &c, Step::Acknowledge, "complaint.acknowledged", |a| {
        a.acknowledged_at = Some(at);
        a.acknowledgement_channel = Some(channel);
    })
    .await?;
    deadlines::close(&mut w, c.id, DeadlineKind::ComplaintAcknowledgement, DeadlineStatus::Met).await?;
    w.commit().await?;
    Ok(after)
}

#[derive(Debug, Clone, Serialize)]
pub struct ResponsibleManager {
    pub name: String,
    pub position: String,
}

/// C7: forwards the complaint to the responsible managers.
pub async fn forward(
    ctx: &Ctx,
    p: &Principal,
    id: ComplaintId,
    managers: Vec<ResponsibleManager>,
) -> ServiceResult<complaint::Model> {
    let mut problems = Problems::new();
    problems.check(!managers.is_empty(), || UserError::invalid(&["managers"], crate::error::UserErrorReason::Required));
    problems.each_filled("managers", "name", &managers, |x| &x.name);
    problems.finish()?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let c = for_change(&w, p, id).await?;
    let to = serde_json::to_value(&managers).map_err(|e| ServiceError::Internal(e.into()))?;
    let after = step(&mut w, &c, Step::Forward, "complaint.forwarded", |a| a.forwarded_to = Some(to)).await?;
    w.commit().await?;
    Ok(after)
}

/// C7: a responsible manager takes the complaint into review.
pub async fn start_review(ctx: &Ctx, p: &Principal, id: ComplaintId) -> ServiceResult<complaint::Model> {
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let c = for_change(&w, p, id).await?;
    let after = step(&mut w, &c, Step::StartReview, "complaint.review_started", |_| {}).await?;
    w.commit().await?;
    Ok(after)
}

/// How and when the consumer was told something (C8's extension notice).
#[derive(Debug, Clone, Serialize)]
pub struct ConsumerNotice {
    pub channel: String,
    pub sent_at: DateTime<Utc>,
}

/// C8: the responsible manager extends the answer deadline, once, telling the consumer.
pub async fn extend(
    ctx: &Ctx,
    p: &Principal,
    id: ComplaintId,
    reason: String,
    notice: ConsumerNotice,
) -> ServiceResult<complaint::Model> {
    scope::require_manager(p)?;
    let mut problems = Problems::new();
    problems
        .check(!reason.trim().is_empty(), || UserError::invalid(&["reason"], crate::error::UserErrorReason::Required));
    problems.check(!notice.channel.trim().is_empty(), || {
        UserError::invalid(&["consumerNotice", "channel"], crate::error::UserErrorReason::Required)
    });
    problems.finish()?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let c = for_change(&w, p, id).await?;
    if notice.sent_at > w.now {
        return Err(ServiceError::user(UserError::invalid(
            &["consumerNotice", "sentAt"],
            crate::error::UserErrorReason::DateInFuture,
        )));
    }
    rules::next_status(c.status, Step::Extend, c.kind, c.form).map_err(|r| refused(r, &["complaintId"]))?;
    let open = deadlines::find_open(&w, c.id, DeadlineKind::ComplaintAnswer).await?.ok_or_else(|| {
        ServiceError::user(UserError::conflict(&["complaintId"], crate::error::UserErrorReason::NoOpenDeadline))
    })?;
    let law = reference::law(w.reference(), w.txn(), c.jurisdiction, open.started_at).await?;
    let due = rules::extended_due(
        &law.calendar,
        &law.policy.policy,
        open.due_date,
        u32::try_from(open.extensions).unwrap_or(0),
    )
    .map_err(|r| refused(r, &["complaintId"]))?;
    deadlines::extend(&mut w, &open, due).await?;
    let notice_json = json!({ "channel": notice.channel, "sentAt": notice.sent_at });
    let after = step(&mut w, &c, Step::Extend, "complaint.deadline_extended", |a| {
        a.extension_reason = Some(reason);
        a.extension_notice = Some(notice_json);
        a.extended_at = Some(a.updated_at);
    })
    .await?;
    w.commit().await?;
    Ok(after)
}

#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub name: String,
    pub certified_copy: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnswerInput {
    pub signatory_role: SignatoryRole,
    pub signatory_name: String,
    pub ground: AnswerGround,
    pub justification: String,
    pub executor_name: String,
    pub executor_contact: String,
    pub language: Language,
    pub delivery_channel: AnswerDeliveryChannel,
    pub sent_at: DateTime<Utc>,
    pub attachments: Vec<Attachment>,
}

/// C10, C11: the written answer, signed by the responsible manager.
pub async fn answer(ctx: &Ctx, p: &Principal, id: ComplaintId, a: AnswerInput) -> ServiceResult<complaint::Model> {
    scope::require_manager(p)?;
    let mut problems = Problems::new();
    let required = |field: &'static str, v: &str| (field, v.trim().is_empty());
    for (field, empty) in [
        required("signatoryName", &a.signatory_name),
        required("justification", &a.justification),
        required("executorName", &a.executor_name),
        required("executorContact", &a.executor_contact),
    ] {
        problems.check(!empty, || {
            UserError::rule("C10", &[field], crate::error::UserErrorReason::AnswerParticularRequired)
        });
    }
    problems.each_filled("attachments", "name", &a.attachments, |x| &x.name);
    problems.finish()?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let c = for_change(&w, p, id).await?;
    // The state first: an answer to a complaint not yet reviewed is refused as such.
    rules::next_status(c.status, Step::Answer, c.kind, c.form).map_err(|r| refused(r, &["complaintId"]))?;
    let mut problems = Problems::new();
    if let Err(r) = rules::check_answer_language(c.language, a.language) {
        problems.push(super::refusal_error(r, &["language"]));
    }
    if let Err(r) = rules::check_sent_at(a.sent_at, c.registered_at, w.now) {
        problems.push(super::refusal_error(r, &["sentAt"]));
    }
    problems.finish()?;
    let delivered_to = rules::answer_destination(&complainants_of(&c), c.answer_address.as_deref(), a.delivery_channel);
    let after = step(&mut w, &c, Step::Answer, "complaint.answered", |_| {}).await?;
    let answer = complaint_answer::Model {
        id: w.new_id(),
        complaint_id: c.id,
        oral: false,
        signatory_role: Some(a.signatory_role),
        signatory_name: Some(a.signatory_name.trim().to_owned()),
        signed_by: p.key(),
        ground: Some(a.ground),
        text: a.justification.clone(),
        executor_name: Some(a.executor_name.clone()),
        executor_contact: Some(a.executor_contact.clone()),
        language: a.language,
        delivery_channel: Some(a.delivery_channel),
        delivered_to,
        sent_at: a.sent_at,
        attachments: serde_json::to_value(&a.attachments).map_err(|e| ServiceError::Internal(e.into()))?,
        created_at: w.now,
    };
    complaint_answer::Entity::insert(answer.clone().into_active_model()).exec_without_returning(w.txn()).await?;
    w.audit(
        "complaint_answer.created",
        Subject::new(SUBJECT, c.id),
        Some(c.mfo_id),
        None,
        Some(
            json!({ "ground": answer.ground, "signatory": answer.signatory_name, "deliveredTo": answer.delivered_to }),
        ),
    );
    deadlines::close(&mut w, c.id, DeadlineKind::ComplaintAnswer, DeadlineStatus::Met).await?;
    w.commit().await?;
    Ok(after)
}

/// C12: an oral complaint answered at once, orally.
pub async fn answer_orally(
    ctx: &Ctx,
    p: &Principal,
    id: ComplaintId,
    text: String,
    answered_at: Option<DateTime<Utc>>,
) -> ServiceResult<complaint::Model> {
    if text.trim().is_empty() {
        return Err(ServiceError::user(UserError::invalid(&["answer"], crate::error::UserErrorReason::Required)));
    }
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let c = for_change(&w, p, id).await?;
    let at = answered_at.unwrap_or(w.now);
    if at > w.now || at < c.received_at {
        return Err(ServiceError::user(
            UserError::invalid(&["answeredAt"], crate::error::UserErrorReason::DateOutOfRange)
                .with_param("notBefore", c.received_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .with_param("notAfter", w.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        ));
    }
    let after = step(&mut w, &c, Step::AnswerOrally, "complaint.answered_orally", |_| {}).await?;
    let answer = complaint_answer::Model {
        id: w.new_id(),
        complaint_id: c.id,
        oral: true,
        signatory_role: None,
        signatory_name: None,
        signed_by: p.key(),
        ground: None,
        text,
        executor_name: None,
        executor_contact: None,
        language: c.language,
        delivery_channel: None,
        delivered_to: None,
        sent_at: at,
        attachments: json!([]),
        created_at: w.now,
    };
    complaint_answer::Entity::insert(answer.into_active_model()).exec_without_returning(w.txn()).await?;
    deadlines::close(&mut w, c.id, DeadlineKind::ComplaintAnswer, DeadlineStatus::Met).await?;
    w.commit().await?;
    Ok(after)
}

/// C12: an oral complaint that needs a check: the consumer is invited to put it in writing.
pub async fn invite_to_write(
    ctx: &Ctx,
    p: &Principal,
    id: ComplaintId,
    note: Option<String>,
) -> ServiceResult<complaint::Model> {
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let c = for_change(&w, p, id).await?;
    let after = step(&mut w, &c, Step::InviteToWrite, "complaint.invited_to_write", |a| a.closure_note = note).await?;
    deadlines::close(&mut w, c.id, DeadlineKind::ComplaintAnswer, DeadlineStatus::Met).await?;
    w.commit().await?;
    Ok(after)
}

/// C3: the responsible manager leaves an abusive written complaint without consideration.
pub async fn leave_without_consideration(
    ctx: &Ctx,
    p: &Principal,
    id: ComplaintId,
    reason: ClosureReason,
    note: String,
) -> ServiceResult<complaint::Model> {
    scope::require_manager(p)?;
    match reason {
        ClosureReason::Abusive => {}
        ClosureReason::Anonymous => {
            return Err(ServiceError::user(UserError::rule(
                "C3",
                &["reason"],
                crate::error::UserErrorReason::AnonymityNotDecided,
            )));
        }
    }
    if note.trim().is_empty() {
        return Err(ServiceError::user(UserError::rule(
            "C3",
            &["note"],
            crate::error::UserErrorReason::AbusiveContentRequired,
        )));
    }
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let c = for_change(&w, p, id).await?;
    let after = step(&mut w, &c, Step::LeaveWithoutConsideration, "complaint.left_without_consideration", |a| {
        a.closure_reason = Some(reason);
        a.closure_note = Some(note);
    })
    .await?;
    for kind in [DeadlineKind::ComplaintAnswer, DeadlineKind::ComplaintAcknowledgement] {
        deadlines::close(&mut w, c.id, kind, DeadlineStatus::Cancelled).await?;
    }
    w.commit().await?;
    Ok(after)
}

/// C7: a suggestion closed without an answer.
pub async fn close_without_answer(
    ctx: &Ctx,
    p: &Principal,
    id: ComplaintId,
    note: Option<String>,
) -> ServiceResult<complaint::Model> {
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let c = for_change(&w, p, id).await?;
    let after =
        step(&mut w, &c, Step::CloseWithoutAnswer, "complaint.closed_without_answer", |a| a.closure_note = note)
            .await?;
    w.commit().await?;
    Ok(after)
}

/// Answers by complaint id, for a loader.
pub async fn answers_by_complaint<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> ServiceResult<std::collections::HashMap<Uuid, complaint_answer::Model>> {
    let rows = complaint_answer::Entity::find()
        .filter(complaint_answer::Column::ComplaintId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|a| (a.complaint_id, a)).collect())
}

// ---- C9: loan-information requests -------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct InfoRequestInput {
    pub client_submission_id: Option<Uuid>,
    pub loan_id: LoanId,
    pub channel: ComplaintChannel,
    pub form: ComplaintForm,
}

/// C9: registers a request for the seven items of a serviced loan; a second one in the
/// same calendar month is registered too, flagged as beyond the free one.
pub async fn request_information(
    ctx: &Ctx,
    p: &Principal,
    mut input: InfoRequestInput,
) -> ServiceResult<info_request::Model> {
    let is_borrower = match p.role {
        Role::Borrower => true,
        Role::MfoStaff | Role::MfoManager => false,
        Role::CollectionAgency | Role::Regulator => {
            return Err(ServiceError::Forbidden(
                "loan information is requested by the borrower or the MFO on their behalf",
            ));
        }
    };
    if is_borrower {
        if input.client_submission_id.is_none() {
            return Err(ServiceError::user(UserError::invalid(
                &["clientSubmissionId"],
                crate::error::UserErrorReason::Required,
            )));
        }
        input.channel = ComplaintChannel::MobileApp;
        input.form = ComplaintForm::Written;
    }
    let submission = Submission {
        client_submission_id: input.client_submission_id,
        operation: "requestLoanInformation",
        input: &input,
    };
    let mut w = match Write::begin_submission(ctx, Actor::from(p), submission).await? {
        Begun::Fresh(w) => *w,
        Begun::Replay(id) => return get_info_request(ctx, p, InfoRequestId(id)).await,
    };
    // Locked: C9's once-a-month count sees the request before this one, also at once.
    let l = loans::for_change(&w, scope::loans(p).add(loan::Column::MfoId.eq(p.org_id.0)), input.loan_id).await?;
    match l.status {
        LoanStatus::Active => {}
        LoanStatus::Closed | LoanStatus::WrittenOff => {
            return Err(ServiceError::user(UserError::rule(
                "C9",
                &["loanId"],
                crate::error::UserErrorReason::LoanNotServiced,
            )));
        }
    }
    let law = reference::law(w.reference(), w.txn(), l.jurisdiction, w.now).await?;
    let today = law.calendar.local_date(w.now);
    let month = format!("{:04}-{:02}", today.year(), today.month());
    let earlier = info_request::Entity::find()
        .filter(info_request::Column::BorrowerId.eq(l.borrower_id))
        .filter(info_request::Column::Month.eq(month.clone()))
        .count(w.txn())
        .await?;
    let row = info_request::Model {
        id: w.new_id(),
        mfo_id: l.mfo_id,
        jurisdiction: l.jurisdiction,
        borrower_id: l.borrower_id,
        loan_id: l.id,
        channel: input.channel,
        form: input.form,
        received_at: w.now,
        month,
        beyond_free_monthly: rules::beyond_free_monthly(u32::try_from(earlier).unwrap_or(u32::MAX), &law.policy.policy),
        status: InfoRequestStatus::Open,
        answered_at: None,
        answer_channel: None,
        registered_by: p.key(),
    };
    info_request::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
    let subject = Subject::new("info_request", row.id);
    let due = rules::info_request_due(&law.calendar, &law.policy.policy, today);
    deadlines::open(
        &mut w,
        NewDeadline {
            subject,
            org_id: l.mfo_id,
            jurisdiction: l.jurisdiction,
            kind: DeadlineKind::InfoRequestAnswer,
            rule: "C9",
            obligor: Obligor::Mfo,
            due,
            policy_version_id: law.policy.id,
            occurrence: "1".into(),
        },
    )
    .await?;
    let after = json!({ "loanId": l.id, "beyondFreeMonthlyRequest": row.beyond_free_monthly, "channel": row.channel });
    w.audit("info_request.registered", subject, Some(l.mfo_id), None, Some(after.clone()));
    w.event(
        "info_request.registered",
        subject,
        Visibility { org_id: Some(l.mfo_id), jurisdiction: Some(l.jurisdiction) },
        after,
    );
    w.produced(row.id);
    w.commit().await?;
    Ok(row)
}

/// C9: records that the information was given.
pub async fn answer_information(
    ctx: &Ctx,
    p: &Principal,
    id: InfoRequestId,
    channel: String,
) -> ServiceResult<info_request::Model> {
    scope::require_staff(p)?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let own = Condition::all().add(info_request::Column::MfoId.eq(p.org_id.0));
    let r = w.for_change::<info_request::Entity>(own, id.0).await?;
    match r.status {
        InfoRequestStatus::Open => {}
        InfoRequestStatus::Answered => {
            return Err(ServiceError::user(UserError::conflict(
                &["infoRequestId"],
                crate::error::UserErrorReason::AlreadyDone,
            )));
        }
    }
    let mut after = r.clone();
    after.status = InfoRequestStatus::Answered;
    after.answered_at = Some(w.now);
    after.answer_channel = Some(channel.clone());
    info_request::Entity::update(after.clone().into_active_model().reset_all()).exec(w.txn()).await?;
    let subject = Subject::new("info_request", r.id);
    w.audit("info_request.answered", subject, Some(r.mfo_id), None, Some(json!({ "channel": channel })));
    w.event(
        "info_request.answered",
        subject,
        Visibility { org_id: Some(r.mfo_id), jurisdiction: Some(r.jurisdiction) },
        json!({}),
    );
    deadlines::close(&mut w, r.id, DeadlineKind::InfoRequestAnswer, DeadlineStatus::Met).await?;
    w.commit().await?;
    Ok(after)
}

pub async fn get_info_request(ctx: &Ctx, p: &Principal, id: InfoRequestId) -> ServiceResult<info_request::Model> {
    let scope = scope::info_requests(p).ok_or(ServiceError::NotFound)?;
    info_request::Entity::find_by_id(id.0).filter(scope).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}

/// C9: the statement of a loan the principal may see, as of now.
pub async fn statement(
    ctx: &Ctx,
    p: &Principal,
    id: LoanId,
) -> ServiceResult<(loan::Model, Vec<payment::Model>, Statement)> {
    let l = loans::get(ctx, p, id).await?;
    let schedule = loans::schedule_of(&ctx.db, l.id).await?;
    let payments = loans::payments_of_loan(&ctx.db, l.id).await?;
    let ledger = loans::ledger(&l, &schedule, &payments);
    let today = loans::local_today(&l, ctx.clock.now());
    let limit = l.credit_limit.map(|c| c.0).unwrap_or(l.principal.0);
    let s = crate::rules::loans::statement(&ledger, l.contract_date, limit, today);
    Ok((l, payments, s))
}

// ---- C13: reception hours ------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct ReceptionSlot {
    pub weekday: Weekday,
    pub starts_at: NaiveTime,
    pub ends_at: NaiveTime,
}

/// C13: sets one manager's reception hours (replacing the ones stored for that manager).
pub async fn set_reception_hours(
    ctx: &Ctx,
    p: &Principal,
    manager_name: String,
    position: String,
    slots: Vec<ReceptionSlot>,
) -> ServiceResult<Vec<reception_hours::Model>> {
    scope::require_manager(p)?;
    let mut problems = Problems::new();
    problems.check(!manager_name.trim().is_empty(), || {
        UserError::invalid(&["managerName"], crate::error::UserErrorReason::Required)
    });
    for (i, s) in slots.iter().enumerate() {
        let weekday = match s.weekday {
            Weekday::Monday | Weekday::Tuesday | Weekday::Wednesday | Weekday::Thursday | Weekday::Friday => true,
            Weekday::Saturday | Weekday::Sunday => false,
        };
        problems.check(weekday, || {
            UserError::rule(
                "C13",
                &["slots", &i.to_string(), "weekday"],
                crate::error::UserErrorReason::ReceptionOnWeekdaysOnly,
            )
        });
        problems.check(s.starts_at < s.ends_at, || {
            UserError::invalid(&["slots", &i.to_string(), "endsAt"], crate::error::UserErrorReason::EndBeforeStart)
                .with_param("start", "startsAt")
        });
    }
    problems.finish()?;
    let mut w = Write::begin(ctx, Actor::from(p)).await?;
    let mfo = p.org_id.0;
    // The MFO's row, locked: two desks setting one manager's hours at once replace them
    // one after the other (each deletes what the other inserted), never both.
    w.for_change::<organization::Entity>(Condition::all(), mfo).await?;
    let before = reception_hours::Entity::find()
        .filter(reception_hours::Column::MfoId.eq(mfo))
        .filter(reception_hours::Column::ManagerName.eq(manager_name.trim()))
        .all(w.txn())
        .await?;
    let same = |r: &reception_hours::Model| (r.position.clone(), r.weekday, r.starts_at, r.ends_at);
    let mut stored: Vec<_> = before.iter().map(same).collect();
    let mut sent: Vec<_> =
        slots.iter().map(|s| (position.trim().to_owned(), s.weekday, s.starts_at, s.ends_at)).collect();
    stored.sort();
    sent.sort();
    if stored == sent {
        // The hours as they stand: nothing changed, nothing to record (a retry, too).
        w.rollback().await?;
        return Ok(before);
    }
    reception_hours::Entity::delete_many()
        .filter(reception_hours::Column::MfoId.eq(mfo))
        .filter(reception_hours::Column::ManagerName.eq(manager_name.trim()))
        .exec(w.txn())
        .await?;
    let rows: Vec<reception_hours::Model> = slots
        .iter()
        .map(|s| reception_hours::Model {
            id: w.new_id(),
            mfo_id: mfo,
            manager_name: manager_name.trim().to_owned(),
            position: position.trim().to_owned(),
            weekday: s.weekday,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            updated_at: w.now,
        })
        .collect();
    if !rows.is_empty() {
        reception_hours::Entity::insert_many(rows.clone().into_iter().map(IntoActiveModel::into_active_model))
            .exec_without_returning(w.txn())
            .await?;
    }
    let slot_json = |r: &reception_hours::Model| json!([r.weekday, r.starts_at.to_string(), r.ends_at.to_string()]);
    let subject = Subject::new("organization", mfo);
    w.audit(
        "reception_hours.set",
        subject,
        Some(mfo),
        Some(json!({ "manager": manager_name, "slots": before.iter().map(slot_json).collect::<Vec<_>>() })),
        Some(json!({ "manager": manager_name, "slots": rows.iter().map(slot_json).collect::<Vec<_>>() })),
    );
    w.event(
        "reception_hours.set",
        subject,
        Visibility { org_id: Some(mfo), jurisdiction: Some(p.jurisdiction) },
        json!({}),
    );
    w.commit().await?;
    Ok(rows)
}

/// C13: an MFO's reception hours, readable by its borrowers and staff and the regulator.
pub async fn reception_hours_of(
    ctx: &Ctx,
    p: &Principal,
    mfo: Option<OrgId>,
) -> ServiceResult<Vec<reception_hours::Model>> {
    let mfo = match p.role {
        Role::Borrower | Role::MfoStaff | Role::MfoManager => match mfo {
            Some(m) if m != p.org_id => return Err(ServiceError::NotFound),
            _ => p.org_id,
        },
        Role::Regulator => {
            let m = mfo.ok_or_else(|| {
                ServiceError::user(UserError::invalid(&["mfoId"], crate::error::UserErrorReason::Required))
            })?;
            let org = super::orgs::find(ctx, m).await?.ok_or(ServiceError::NotFound)?;
            if org.jurisdiction != p.jurisdiction {
                return Err(ServiceError::NotFound);
            }
            m
        }
        Role::CollectionAgency => return Err(ServiceError::Forbidden("reception hours are for the MFO's borrowers")),
    };
    let mut rows =
        reception_hours::Entity::find().filter(reception_hours::Column::MfoId.eq(mfo.0)).all(&ctx.db).await?;
    // Monday to Sunday, not alphabetically.
    rows.sort_by(|a, b| (&a.manager_name, a.weekday, a.starts_at).cmp(&(&b.manager_name, b.weekday, b.starts_at)));
    Ok(rows)
}
