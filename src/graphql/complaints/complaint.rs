//! The complaint, its answer and its complainants as GraphQL types, and `ComplaintFilter`.
//! Fields map the record; what they derive comes from the services, never computed here.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{
    AcknowledgementChannel, AnswerDeliveryChannel, AnswerGround, ClosureReason, ComplaintChannel, ComplaintForm,
    ComplaintKind, ComplaintStatus, DeadlineKind, Language, MissingContent, SignatoryRole,
};
use entity::{complaint, complaint_answer};

use crate::graphql::errors::not_found;
use crate::graphql::escalations::Deadline;
use crate::graphql::ids::{Kind, encode};
use crate::graphql::loaders::Loaders;
use crate::graphql::loans::{Borrower, Loan};
use crate::graphql::me::Organization;
use crate::graphql::scalars::Date;
use crate::rules::complaints::{Complainant as ComplainantFacts, journal_number};
use crate::services::complaints::{self as svc};

/// One complainant (several for a collective complaint, C11).
#[derive(SimpleObject, InputObject, Clone, Default)]
#[graphql(input_name = "ComplainantInput")]
pub struct Complainant {
    /// Full name (C3 requires it; without it, contacts and a postal address a written complaint is
    /// anonymous).
    pub full_name: Option<String>,
    /// Postal address (C3); a collective complaint's answer goes to the first one listed (C11).
    pub address: Option<String>,
    /// Phone number, a contact detail (C3).
    pub phone: Option<String>,
    /// E-mail address, a contact detail (C3).
    pub email: Option<String>,
}

impl From<ComplainantFacts> for Complainant {
    fn from(c: ComplainantFacts) -> Self {
        Self { full_name: c.full_name, address: c.address, phone: c.phone, email: c.email }
    }
}

impl From<Complainant> for ComplainantFacts {
    fn from(c: Complainant) -> Self {
        Self { full_name: c.full_name, address: c.address, phone: c.phone, email: c.email }
    }
}

/// A responsible manager a complaint is forwarded to (C7 step 2).
// Deserialize: read back from the complaint's stored JSON as it was written.
#[derive(SimpleObject, InputObject, Clone, serde::Deserialize)]
#[graphql(input_name = "ResponsibleManagerInput")]
pub struct ResponsibleManager {
    /// The manager's full name.
    pub name: String,
    /// The manager's position.
    pub position: String,
}

/// A document attached to a written answer (C10: certified copies may be attached).
// Deserialize: read back from the answer's stored JSON as it was written.
#[derive(SimpleObject, InputObject, Clone, serde::Deserialize)]
#[graphql(input_name = "AttachmentInput")]
pub struct Attachment {
    /// The document's name or title.
    pub name: String,
    /// A certified copy of a document (C10).
    #[graphql(default)]
    pub certified_copy: bool,
}

/// C8: the extension of the answer deadline.
#[derive(SimpleObject)]
pub struct ComplaintExtension {
    /// Why an extra check was needed (C8).
    pub reason: String,
    /// How the consumer was told of the extension (e-mail, phone, letter…), as recorded.
    pub consumer_notified_by: Option<String>,
    /// When the consumer was told (UTC instant).
    pub consumer_notified_at: Option<DateTime<Utc>>,
    /// When the manager extended the deadline (UTC instant).
    pub extended_at: Option<DateTime<Utc>>,
}

/// C10–C12: the answer given.
pub struct ComplaintAnswer(pub complaint_answer::Model);

/// C10–C12: the answer given.
#[Object]
impl ComplaintAnswer {
    /// Given orally on the spot (C12).
    async fn oral(&self) -> bool {
        self.0.oral
    }
    /// Who signed a written answer (C10); null for an oral answer.
    async fn signatory_role(&self) -> Option<SignatoryRole> {
        self.0.signatory_role
    }
    /// The signatory's full name (C10); null for an oral answer.
    async fn signatory_name(&self) -> Option<&str> {
        self.0.signatory_name.as_deref()
    }
    /// The answer's ground (C10); null for an oral answer.
    async fn ground(&self) -> Option<AnswerGround> {
        self.0.ground
    }
    /// The justification of the ground, or what was said orally (at most 20,000 characters).
    #[graphql(complexity = "crate::graphql::budget::text_units(crate::services::MAX_TEXT_CHARS)")]
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// The responsible executor named in the answer (C10).
    async fn executor_name(&self) -> Option<&str> {
        self.0.executor_name.as_deref()
    }
    /// How to reach the responsible executor (C10).
    async fn executor_contact(&self) -> Option<&str> {
        self.0.executor_contact.as_deref()
    }
    /// The answer's language: the complaint's (C10: Kyrgyz or Russian in KG).
    async fn language(&self) -> Language {
        self.0.language
    }
    /// How the written answer was delivered (C10); null for an oral answer.
    async fn delivery_channel(&self) -> Option<AnswerDeliveryChannel> {
        self.0.delivery_channel
    }
    /// Where the answer went (C11).
    async fn delivered_to(&self) -> Option<&str> {
        self.0.delivered_to.as_deref()
    }
    /// When the answer was sent or given (UTC instant); it meets the C8 deadline if on or before the due
    /// date, local time.
    async fn sent_at(&self) -> DateTime<Utc> {
        self.0.sent_at
    }
    /// Documents attached, e.g. certified copies (C10): at most 50, the bound of
    /// `answerComplaint` (an older answer holding more shows its first 50).
    #[graphql(complexity = "svc::MAX_ATTACHMENTS * child_complexity")]
    async fn attachments(&self) -> Vec<Attachment> {
        crate::graphql::nested::first_of_json(&self.0.attachments, svc::MAX_ATTACHMENTS)
    }
}

/// A complaint, suggestion or request registered in an MFO's single journal (C1–C13). Visible to the borrower
/// it concerns, the MFO's staff and managers, and the regulator of its jurisdiction.
#[derive(Clone)]
pub struct Complaint(pub complaint::Model);

/// A complaint, suggestion or request registered in an MFO's single journal (C1–C13). Visible to the borrower
/// it concerns, the MFO's staff and managers, and the regulator of its jurisdiction.
#[Object]
impl Complaint {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Complaint, self.0.id)
    }
    /// The journal number, e.g. `2026/000042` (C4).
    async fn number(&self) -> String {
        journal_number(self.0.journal_year, self.0.journal_seq)
    }
    /// The journal year of its number (C4).
    async fn journal_year(&self) -> i32 {
        self.0.journal_year
    }
    /// The sequence number within the MFO's journal year: gapless, never reused (C4).
    async fn journal_seq(&self) -> i32 {
        self.0.journal_seq
    }
    /// Complaint, suggestion or information request.
    async fn kind(&self) -> ComplaintKind {
        self.0.kind
    }
    /// How it reached the MFO (C1).
    async fn channel(&self) -> ComplaintChannel {
        self.0.channel
    }
    /// Written or oral (C3, C12).
    async fn form(&self) -> ComplaintForm {
        self.0.form
    }
    /// Its language; the answer is written in it (C10).
    async fn language(&self) -> Language {
        self.0.language
    }
    /// Where its handling stands (C7).
    async fn status(&self) -> ComplaintStatus {
        self.0.status
    }
    /// Why it was left without consideration (C3), if it was.
    async fn closure_reason(&self) -> Option<ClosureReason> {
        self.0.closure_reason
    }
    /// The note recorded when it was closed without an answer or without consideration (at
    /// most 20,000 characters).
    #[graphql(complexity = "crate::graphql::budget::text_units(crate::services::MAX_TEXT_CHARS)")]
    async fn closure_note(&self) -> Option<&str> {
        self.0.closure_note.as_deref()
    }
    /// What it is about (C3); null if it lacks one (it is registered all the same, C2).
    #[graphql(complexity = "crate::graphql::budget::LONG_TEXT_UNITS")]
    async fn substance(&self) -> Option<&str> {
        self.0.substance.as_deref()
    }
    /// Who complains: several for a collective complaint (C11), the first named first; at
    /// most 100, the bound of `registerComplaint` (an older complaint holding more shows its
    /// first 100).
    #[graphql(complexity = "svc::MAX_COMPLAINANTS * child_complexity")]
    async fn complainants(&self) -> Vec<Complainant> {
        svc::complainants_of(&self.0).into_iter().take(svc::MAX_COMPLAINANTS).map(Into::into).collect()
    }
    /// The address the complaint names for its answer, if not the first complainant's (C11).
    async fn answer_address(&self) -> Option<&str> {
        self.0.answer_address.as_deref()
    }
    /// A written complaint bears a signature (C3).
    async fn signed(&self) -> bool {
        self.0.signed
    }
    /// The date written on the complaint (C3), as written.
    async fn dated_on(&self) -> Option<Date> {
        self.0.dated_on.map(Date)
    }
    /// What C3 requires and the complaint lacks; it was registered all the same (C2).
    #[graphql(complexity = "crate::graphql::budget::variants::<MissingContent>()")]
    async fn missing_content(&self) -> Vec<MissingContent> {
        svc::missing_of(&self.0)
    }
    /// C3: left without consideration as anonymous.
    async fn anonymous(&self) -> bool {
        self.0.closure_reason == Some(ClosureReason::Anonymous)
    }
    /// The branch where it was received, if any (C4: branches forward to head office).
    async fn branch(&self) -> Option<&str> {
        self.0.branch.as_deref()
    }
    /// When it reached the MFO (UTC instant); C4 and C5 count from it.
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    /// When the complaint last changed (UTC instant).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// When it was registered in the journal (UTC instant); C8 counts from it.
    async fn registered_at(&self) -> DateTime<Utc> {
        self.0.registered_at
    }
    /// When receipt of an e-mailed complaint was confirmed (C5; UTC instant).
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.0.acknowledged_at
    }
    /// How receipt was confirmed (C5).
    async fn acknowledgement_channel(&self) -> Option<AcknowledgementChannel> {
        self.0.acknowledgement_channel
    }
    /// The responsible managers it was forwarded to (C7): at most 10, the bound of
    /// `forwardComplaint` (an older complaint holding more shows its first 10).
    #[graphql(complexity = "svc::MAX_FORWARDED_TO * child_complexity")]
    async fn forwarded_to(&self) -> Vec<ResponsibleManager> {
        let stored = self.0.forwarded_to.as_ref();
        stored.map(|v| crate::graphql::nested::first_of_json(v, svc::MAX_FORWARDED_TO)).unwrap_or_default()
    }
    /// The one C8 extension of the answer deadline, if granted.
    async fn extension(&self) -> Option<ComplaintExtension> {
        let reason = self.0.extension_reason.clone()?;
        let notice = self.0.extension_notice.clone().unwrap_or_default();
        Some(ComplaintExtension {
            reason,
            consumer_notified_by: notice.get("channel").and_then(|c| c.as_str()).map(str::to_owned),
            consumer_notified_at: notice
                .get("sentAt")
                .and_then(|s| s.as_str())
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|d| d.with_timezone(&Utc)),
            extended_at: self.0.extended_at,
        })
    }
    /// The answer given (C10–C12), once there is one.
    async fn answer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ComplaintAnswer>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.complaint_answers.load_one(self.0.id).await?.map(ComplaintAnswer))
    }
    /// The last day the answer is due (C8), local date of the MFO's jurisdiction; null when
    /// no answer is owed: none was ever due (a simple request, a suggestion), or the duty
    /// was cancelled (incomplete, C2), or the complaint was left without consideration (C3),
    /// even when its deadline had been missed before that decision. The deadline, with its
    /// date, stays in `deadlines` (CANCELLED, or MISSED). Once answered (or missed while the
    /// answer is still owed) it shows the date the answer was due.
    async fn answer_due_date(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Date>> {
        if !crate::rules::complaints::shows_answer_due_date(self.0.status) {
            return Ok(None);
        }
        let loaders = ctx.data_unchecked::<Loaders>();
        let deadlines = loaders.deadlines.load_one(self.0.id).await?.unwrap_or_default();
        Ok(deadlines
            .iter()
            .find(|d| d.kind == DeadlineKind::ComplaintAnswer && d.status != entity::enums::DeadlineStatus::Cancelled)
            .map(|d| Date(d.due_date)))
    }
    /// The timed duties on this complaint (C4, C5, C8), oldest first: the newest 50 at most.
    #[graphql(complexity = "crate::graphql::nested::MAX_DEADLINES * child_complexity")]
    async fn deadlines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Deadline>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let rows = loaders.deadlines.load_one(self.0.id).await?.unwrap_or_default();
        Ok(crate::graphql::nested::newest(rows, crate::graphql::nested::MAX_DEADLINES)
            .into_iter()
            .map(Deadline)
            .collect())
    }
    /// The MFO whose journal holds it.
    async fn mfo(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders.organizations.load_one(self.0.mfo_id).await?.map(Organization).ok_or_else(not_found)
    }
    /// The borrower it was filed by or for, when known.
    async fn borrower(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Borrower>> {
        let Some(b) = self.0.borrower_id else { return Ok(None) };
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.borrowers.load_one(b).await?.map(Borrower))
    }
    /// The loan it concerns (registration checks it is the complainant's and the MFO's).
    async fn loan(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Loan>> {
        let Some(l) = self.0.loan_id else { return Ok(None) };
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.loans.load_one(l).await?.map(Loan))
    }
    /// X6: the id of the contact with a collector the complaint is about (a report of
    /// unfair practice).
    async fn contact_id(&self) -> Option<ID> {
        self.0.contact_id.map(|c| encode(Kind::Contact, c))
    }
}

/// Narrows `complaints`; every field given must match.
#[derive(InputObject, Default)]
pub struct ComplaintFilter {
    /// Only complaints in this status.
    pub status: Option<ComplaintStatus>,
    /// Only this kind.
    pub kind: Option<ComplaintKind>,
    /// Only those of this borrower (global ID).
    pub borrower_id: Option<ID>,
    /// Only those about this loan (global ID).
    pub loan_id: Option<ID>,
    /// Only complaints received at or after this instant (UTC; `receivedAt`, when the
    /// complaint reached the MFO, C2). Half-open with `to`: `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    /// Only complaints received before this instant (UTC, exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Only complaints (their steps included) created or changed at or after this instant (UTC):
    /// for a sync that re-reads what changed since its last run (`changes` lists the
    /// changes themselves).
    /// At most `MFO_CHANGE_RETENTION_DAYS` back (30 by default); older: BAD_USER_INPUT.
    pub updated_after: Option<DateTime<Utc>>,
}
