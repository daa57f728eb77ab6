//! The complaints' mutations and their inputs (C1–C13). Each takes the principal, calls one
//! service and maps its result; none computes a date or checks a rule.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveTime, Utc};
use entity::enums::{
    AcknowledgementChannel, AnswerDeliveryChannel, AnswerGround, ClosureReason, ComplaintChannel, ComplaintForm,
    ComplaintKind, Language, SignatoryRole, Weekday,
};
use uuid::Uuid;

use super::{Attachment, Complainant, Complaint, InfoRequest, ReceptionHours, ResponsibleManager};
use crate::error::UserErrorReason;
use crate::graphql::context::ContextExt;
use crate::graphql::errors::payload;
use crate::graphql::ids::{Kind, decode};
use crate::graphql::scalars::Date;
use crate::ids::{BorrowerId, ComplaintId, ContactId, InfoRequestId, LoanId};
use crate::services::complaints::{self as svc};

/// What `registerComplaint` records (C1–C4). Staff and managers of the MFO, or a borrower from the app.
#[derive(InputObject)]
pub struct RegisterComplaintInput {
    /// Required from the mobile app: a retry with the same id returns the first result.
    pub client_submission_id: Option<Uuid>,
    /// Complaint, suggestion or information request.
    pub kind: ComplaintKind,
    /// C1 (the mobile app is always MOBILE_APP).
    #[graphql(default_with = "ComplaintChannel::MobileApp")]
    pub channel: ComplaintChannel,
    /// Written or oral; by default what the channel implies.
    pub form: Option<ComplaintForm>,
    /// The complaint's language; the answer is written in it (C10).
    pub language: Language,
    /// Who complains; several for a collective complaint (C11). May be empty (C2): it is then flagged as
    /// lacking content. At most 100 (userErrors TOO_MANY with `maxItems`): a guard against a list
    /// built to weigh on every read, far above any collective complaint.
    #[graphql(default)]
    pub complainants: Vec<Complainant>,
    /// Where the answer should go, if not to the first complainant's address (C11).
    pub answer_address: Option<String>,
    /// What it is about (C3).
    pub substance: Option<String>,
    /// A written complaint bears a signature (C3).
    #[graphql(default)]
    pub signed: bool,
    /// The date written on a written complaint (C3 requires one).
    pub dated_on: Option<Date>,
    /// The borrower's global ID, when known (a borrower filing from the app: themself).
    pub borrower_id: Option<ID>,
    /// The loan it concerns (global ID): must be the borrower's and the MFO's.
    pub loan_id: Option<ID>,
    /// The branch where it was received (C4).
    pub branch: Option<String>,
    /// When it reached the MFO (defaults to now).
    pub received_at: Option<DateTime<Utc>>,
    /// X6: the contact with a collector the complaint is about (on a loan of the MFO; the
    /// complaint takes its loan and borrower). It counts as a report of unfair practice:
    /// an X6 escalation attributed to the organisation that made the contact.
    pub contact_id: Option<ID>,
}

payload!(
    /// The complaint after the mutation, or why it was refused.
    ComplaintPayload { complaint: Complaint });
payload!(
    /// The information request (C9) after the mutation, or why it was refused.
    InfoRequestPayload { info_request: InfoRequest });

payload!(
    /// The MFO's reception hours (C13) after the change, or why it was refused.
    ReceptionHoursPayload { reception_hours: Vec<ReceptionHours> });

/// C5: the confirmation of receipt of an e-mailed complaint.
#[derive(InputObject)]
pub struct AcknowledgeComplaintInput {
    /// The complaint's global ID.
    pub complaint_id: ID,
    /// How receipt was confirmed (C5).
    pub channel: AcknowledgementChannel,
    /// When it was confirmed (UTC instant; defaults to now); due by the end of the next business day (C5).
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// C7: who a complaint is forwarded to.
#[derive(InputObject)]
pub struct ForwardComplaintInput {
    /// The complaint's global ID.
    pub complaint_id: ID,
    /// The responsible managers (at least one, each with a name; at most 10, userErrors TOO_MANY with
    /// `maxItems`).
    pub managers: Vec<ResponsibleManager>,
}

/// Names one complaint.
#[derive(InputObject)]
pub struct ComplaintRefInput {
    /// The complaint's global ID.
    pub complaint_id: ID,
}

/// How and when the consumer was told of something (C8).
#[derive(InputObject)]
pub struct ConsumerNoticeInput {
    /// How the consumer was told (e-mail, phone, letter…).
    pub channel: String,
    /// When the consumer was told (UTC instant).
    pub sent_at: DateTime<Utc>,
}

/// C8: the one extension of a complaint's answer deadline by 10 business days.
#[derive(InputObject)]
pub struct ExtendComplaintDeadlineInput {
    /// The complaint's global ID.
    pub complaint_id: ID,
    /// Why an extra check is needed (C8).
    pub reason: String,
    /// How and when the consumer was told (C8).
    pub consumer_notice: ConsumerNoticeInput,
}

/// C10: who signs the answer.
#[derive(InputObject)]
pub struct SignatoryInput {
    /// Chairman, branch director or authorised person (C10).
    pub role: SignatoryRole,
    /// The signatory's full name.
    pub full_name: String,
}

/// C10, C11: a signed written answer.
#[derive(InputObject)]
pub struct AnswerComplaintInput {
    /// The complaint's global ID.
    pub complaint_id: ID,
    /// Who signs it (C10).
    pub signatory: SignatoryInput,
    /// Satisfied (fully or partly), refused, or explained (C10).
    pub ground: AnswerGround,
    /// Why: the reasoning behind the ground (C10). At most 20,000 characters (userErrors TOO_LONG with `maxLength`).
    pub justification: String,
    /// The responsible executor (C10).
    pub executor_name: String,
    /// The executor's contact (C10).
    pub executor_contact: String,
    /// Must be the complaint's language (C10).
    pub language: Language,
    /// In person or a channel that records the sending date (C10).
    pub delivery_channel: AnswerDeliveryChannel,
    /// When it was sent or handed over (UTC instant); the C8 deadline is met if this is on or before the due
    /// date (local).
    pub sent_at: DateTime<Utc>,
    /// Attached documents, e.g. certified copies (C10); at most 50 (userErrors TOO_MANY with `maxItems`).
    #[graphql(default)]
    pub attachments: Vec<Attachment>,
}

/// C12: an oral answer given at once.
#[derive(InputObject)]
pub struct AnswerComplaintOrallyInput {
    /// The oral complaint's global ID.
    pub complaint_id: ID,
    /// What was answered. At most 20,000 characters (userErrors TOO_LONG with `maxLength`).
    pub answer: String,
    /// When it was answered (UTC instant; defaults to now).
    pub answered_at: Option<DateTime<Utc>>,
}

/// C12: an oral complaint whose consumer is invited to write it.
#[derive(InputObject)]
pub struct InviteToWriteInput {
    /// The oral complaint's global ID.
    pub complaint_id: ID,
    /// What the consumer was told, if worth recording. At most 20,000 characters (userErrors TOO_LONG with `maxLength`).
    pub note: Option<String>,
}

/// C3: an abusive complaint left without consideration by a manager.
#[derive(InputObject)]
pub struct LeaveComplaintWithoutConsiderationInput {
    /// The complaint's global ID.
    pub complaint_id: ID,
    /// Why (C3); ABUSIVE is the manager's decision, ANONYMOUS is applied at registration.
    pub reason: ClosureReason,
    /// The abusive content, quoted or described (C3). At most 20,000 characters (userErrors TOO_LONG with `maxLength`).
    pub note: String,
}

/// C7: a suggestion closed without an answer.
#[derive(InputObject)]
pub struct CloseSuggestionInput {
    /// The suggestion's global ID (kind SUGGESTION).
    pub complaint_id: ID,
    /// Why, if worth recording. At most 20,000 characters (userErrors TOO_LONG with `maxLength`).
    pub note: Option<String>,
}

/// C9: a request for the seven items of a serviced loan.
#[derive(InputObject)]
pub struct RequestLoanInformationInput {
    /// Required from the mobile app.
    pub client_submission_id: Option<Uuid>,
    /// The loan's global ID (a borrower: their own).
    pub loan_id: ID,
    /// How the request reached the MFO (C1; the app is MOBILE_APP).
    #[graphql(default_with = "ComplaintChannel::MobileApp")]
    pub channel: ComplaintChannel,
    /// Written or oral (C9 allows both).
    #[graphql(default_with = "ComplaintForm::Written")]
    pub form: ComplaintForm,
}

/// C9: the information was given.
#[derive(InputObject)]
pub struct AnswerLoanInformationRequestInput {
    /// The request's global ID.
    pub info_request_id: ID,
    /// How the information was given (in writing, orally, by e-mail…).
    pub channel: String,
}

/// C13: one weekly reception slot.
#[derive(InputObject)]
pub struct ReceptionSlotInput {
    /// The day of the week.
    pub weekday: Weekday,
    /// Local time, `HH:MM`.
    pub starts_at: String,
    /// Local time, `HH:MM`, after `startsAt`.
    pub ends_at: String,
}

/// C13: one manager's whole reception schedule.
#[derive(InputObject)]
pub struct SetReceptionHoursInput {
    /// The manager's full name (required); identifies the schedule replaced.
    pub manager_name: String,
    /// The manager's position.
    pub position: String,
    /// The manager's whole schedule; an empty list removes it.
    pub slots: Vec<ReceptionSlotInput>,
}

fn complaint_id(id: &ID) -> async_graphql::Result<ComplaintId> {
    decode(id, Kind::Complaint).map(ComplaintId)
}

fn hhmm(field: &str, s: &str) -> Result<NaiveTime, crate::error::ServiceError> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| {
        crate::error::ServiceError::user(
            crate::error::UserError::invalid(&["slots", field], UserErrorReason::Malformed)
                .with_param("format", "time"),
        )
    })
}

#[derive(Default)]
pub struct ComplaintMutation;

#[Object]
impl ComplaintMutation {
    /// Registers a complaint, suggestion or request from any channel (C1). It is never
    /// refused for what it lacks (C2): missing content is flagged, an anonymous written one
    /// is left without consideration (C3), and every one gets the next journal number (C4).
    async fn register_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The complaint as received; only `kind` and `language` are required (C2).")]
        input: RegisterComplaintInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let input = svc::RegisterInput {
            client_submission_id: input.client_submission_id,
            kind: input.kind,
            channel: input.channel,
            form: input.form,
            language: input.language,
            complainants: input.complainants.into_iter().map(Into::into).collect(),
            answer_address: input.answer_address,
            substance: input.substance,
            signed: input.signed,
            dated_on: input.dated_on.map(|d| d.0),
            borrower_id: input.borrower_id.as_ref().map(|b| decode(b, Kind::Borrower).map(BorrowerId)).transpose()?,
            loan_id: input.loan_id.as_ref().map(|l| decode(l, Kind::Loan).map(LoanId)).transpose()?,
            branch: input.branch,
            received_at: input.received_at,
            contact_id: input.contact_id.as_ref().map(|c| decode(c, Kind::Contact).map(ContactId)).transpose()?,
        };
        ComplaintPayload::from_result(svc::register(ctx.services(), p, input).await.map(Complaint))
    }

    /// C5: records the confirmation of receipt of an e-mailed complaint.
    async fn acknowledge_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which complaint, how and when receipt was confirmed.")] input: AcknowledgeComplaintInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        ComplaintPayload::from_result(
            svc::acknowledge(ctx.services(), p, id, input.channel, input.acknowledged_at).await.map(Complaint),
        )
    }

    /// C7: forwards a registered complaint to the responsible managers.
    async fn forward_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which complaint and to which managers.")] input: ForwardComplaintInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        let managers = input
            .managers
            .into_iter()
            .map(|m| svc::ResponsibleManager { name: m.name, position: m.position })
            .collect();
        ComplaintPayload::from_result(svc::forward(ctx.services(), p, id, managers).await.map(Complaint))
    }

    /// C7: takes a forwarded complaint into review.
    async fn start_complaint_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which complaint.")] input: ComplaintRefInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        ComplaintPayload::from_result(svc::start_review(ctx.services(), p, id).await.map(Complaint))
    }

    /// C8: extends the answer deadline by ten business days, once (MFO_MANAGER).
    async fn extend_complaint_deadline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which complaint, why, and how the consumer was told (C8).")]
        input: ExtendComplaintDeadlineInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        let notice =
            svc::ConsumerNotice { channel: input.consumer_notice.channel, sent_at: input.consumer_notice.sent_at };
        ComplaintPayload::from_result(svc::extend(ctx.services(), p, id, input.reason, notice).await.map(Complaint))
    }

    /// C10, C11: the written answer, signed (MFO_MANAGER).
    async fn answer_complaint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The answer and its C10 particulars.")] input: AnswerComplaintInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        let a = svc::AnswerInput {
            signatory_role: input.signatory.role,
            signatory_name: input.signatory.full_name,
            ground: input.ground,
            justification: input.justification,
            executor_name: input.executor_name,
            executor_contact: input.executor_contact,
            language: input.language,
            delivery_channel: input.delivery_channel,
            sent_at: input.sent_at,
            attachments: input
                .attachments
                .into_iter()
                .map(|a| svc::Attachment { name: a.name, certified_copy: a.certified_copy })
                .collect(),
        };
        ComplaintPayload::from_result(svc::answer(ctx.services(), p, id, a).await.map(Complaint))
    }

    /// C12: an oral complaint answered at once, orally.
    async fn answer_complaint_orally(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which oral complaint and what was answered.")] input: AnswerComplaintOrallyInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        ComplaintPayload::from_result(
            svc::answer_orally(ctx.services(), p, id, input.answer, input.answered_at).await.map(Complaint),
        )
    }

    /// C12: an oral complaint that needs a check: the consumer is invited to write it.
    async fn invite_complainant_to_write(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which oral complaint.")] input: InviteToWriteInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        ComplaintPayload::from_result(svc::invite_to_write(ctx.services(), p, id, input.note).await.map(Complaint))
    }

    /// C3: leaves an abusive written complaint without consideration (MFO_MANAGER).
    async fn leave_complaint_without_consideration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which complaint, the reason and the quoted content.")]
        input: LeaveComplaintWithoutConsiderationInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        ComplaintPayload::from_result(
            svc::leave_without_consideration(ctx.services(), p, id, input.reason, input.note).await.map(Complaint),
        )
    }

    /// C7: closes a suggestion without an answer (answering one is optional).
    async fn close_suggestion_without_answer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which suggestion.")] input: CloseSuggestionInput,
    ) -> async_graphql::Result<ComplaintPayload> {
        let p = ctx.principal()?;
        let id = complaint_id(&input.complaint_id)?;
        ComplaintPayload::from_result(svc::close_without_answer(ctx.services(), p, id, input.note).await.map(Complaint))
    }

    /// C9: asks for the seven items of a serviced loan; answered within five business days.
    async fn request_loan_information(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which loan; retried safely with the same `clientSubmissionId`.")]
        input: RequestLoanInformationInput,
    ) -> async_graphql::Result<InfoRequestPayload> {
        let p = ctx.principal()?;
        let input = svc::InfoRequestInput {
            client_submission_id: input.client_submission_id,
            loan_id: LoanId(decode(&input.loan_id, Kind::Loan)?),
            channel: input.channel,
            form: input.form,
        };
        InfoRequestPayload::from_result(svc::request_information(ctx.services(), p, input).await.map(InfoRequest))
    }

    /// C9: records that the requested information was given.
    async fn answer_loan_information_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which request and how the information was given.")] input: AnswerLoanInformationRequestInput,
    ) -> async_graphql::Result<InfoRequestPayload> {
        let p = ctx.principal()?;
        let id = InfoRequestId(decode(&input.info_request_id, Kind::InfoRequest)?);
        InfoRequestPayload::from_result(
            svc::answer_information(ctx.services(), p, id, input.channel).await.map(InfoRequest),
        )
    }

    /// C13: sets a manager's reception hours (MFO_MANAGER).
    async fn set_reception_hours(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The manager and their slots; replaces their schedule.")] input: SetReceptionHoursInput,
    ) -> async_graphql::Result<ReceptionHoursPayload> {
        let p = ctx.principal()?;
        let slots: Result<Vec<svc::ReceptionSlot>, _> = input
            .slots
            .iter()
            .map(|s| {
                Ok(svc::ReceptionSlot {
                    weekday: s.weekday,
                    starts_at: hhmm("startsAt", &s.starts_at)?,
                    ends_at: hhmm("endsAt", &s.ends_at)?,
                })
            })
            .collect();
        let result = match slots {
            Ok(slots) => svc::set_reception_hours(ctx.services(), p, input.manager_name, input.position, slots).await,
            Err(e) => Err(e),
        };
        ReceptionHoursPayload::from_result(result.map(|rows| rows.into_iter().map(ReceptionHours).collect()))
    }
}
