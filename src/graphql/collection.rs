//! Collection: `permittedActions`, the contact log, hand-over to agencies and the
//! borrower's contact details (X1–X7, R9, R14, R16–R18, M5).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    CollectionAction, ContactChannel, ContactClearance, ContactOutcome, ContactParty, Misrepresentation,
    ThirdPartyPurpose,
};
use entity::{collection_assignment, contact_event};
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};
use crate::graphql::connection::TotalCount;
use crate::graphql::connection::order_input;
use crate::graphql::context::ContextExt;
use crate::graphql::errors::{UserErrorObject, not_found, payload, top_level};
use crate::graphql::ids::{Kind, decode, encode};
use crate::graphql::loaders::Loaders;
use crate::graphql::loans::{Borrower, Loan};
use crate::graphql::me::Organization;
use crate::graphql::scalars::Date;
use crate::ids::{ContactId, LoanId, OrgId};
use crate::services::Range;
use crate::services::collection::{self as svc, Disclosure};
use crate::services::paging::Position;

mod verdicts;
pub use verdicts::{ActionVerdict, ActionVerdicts};

/// A loan of a collection worklist with its verdict on the action asked about.
pub struct WorklistEntry(svc::WorkItem);

/// A loan of a collection worklist with its verdict on the action asked about.
#[Object]
impl WorklistEntry {
    /// The loan.
    async fn loan(&self) -> Loan {
        Loan(self.0.loan.clone())
    }
    /// The verdict on the action, as `permittedActions` gives it.
    async fn verdict(&self) -> ActionVerdict {
        ActionVerdict::from(self.0.verdict.clone())
    }
}

/// A worklist position as a cursor: `<later>|<unknown>|<nextAllowedAt or ->|<id>`.
/// A loan in an agency's hands.
pub struct CollectionAssignment(pub collection_assignment::Model);

/// A loan in an agency's hands.
#[Object]
impl CollectionAssignment {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Assignment, self.0.id)
    }
    /// The collection agency working the loan.
    async fn agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders.organizations.load_one(self.0.agency_id).await?.map(Organization).ok_or_else(not_found)
    }
    /// When the loan was handed over (UTC instant); R18 applies from here.
    async fn assigned_at(&self) -> DateTime<Utc> {
        self.0.assigned_at
    }
    /// When the agency's work ended (UTC instant); null while it lasts.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }
}

/// X2: what the collector said about themselves.
#[derive(SimpleObject, InputObject, Clone, Default, serde::Deserialize)]
#[graphql(input_name = "DisclosureInput")]
#[serde(rename_all = "camelCase")]
pub struct ContactDisclosure {
    /// The organisation's name the collector stated (X2); compared with the contactor's registered name (X6).
    pub organization_name: Option<String>,
    /// The organisation's location the collector stated (X2).
    pub organization_location: Option<String>,
    /// The full name the person contacting stated (X2).
    pub person_name: Option<String>,
    /// The position the person contacting stated (X2).
    pub person_position: Option<String>,
}

/// A contact with a debtor or a third party.
pub struct ContactEvent(pub contact_event::Model);

/// A contact with a debtor or a third party.
#[Object]
impl ContactEvent {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Contact, self.0.id)
    }
    /// How the contact was made (X1).
    async fn channel(&self) -> ContactChannel {
        self.0.channel
    }
    /// When it happened (UTC instant); X3/X4 judge it in the borrower's local time.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// When it was recorded here (UTC instant).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The borrower or a third party (X5).
    async fn party(&self) -> ContactParty {
        self.0.party
    }
    /// Why a third party was contacted (X5).
    async fn third_party_purpose(&self) -> Option<ThirdPartyPurpose> {
        self.0.third_party_purpose
    }
    /// The phone, e-mail or address used.
    async fn destination(&self) -> Option<&str> {
        self.0.destination.as_deref()
    }
    /// What the collector said about themselves (X2).
    async fn disclosure(&self) -> ContactDisclosure {
        serde_json::from_value(self.0.disclosure.clone()).unwrap_or_default()
    }
    /// What came of it.
    async fn outcome(&self) -> ContactOutcome {
        self.0.outcome
    }
    /// The collector's note (at most 20,000 characters).
    #[graphql(complexity = "crate::graphql::budget::text_units(crate::services::MAX_TEXT_CHARS)")]
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// CLEARED when it quoted a valid clearance from `permittedActions`.
    async fn clearance(&self) -> ContactClearance {
        self.0.clearance
    }
    /// The rules the contact broke (each raised an escalation attributed to the contactor).
    /// X6 when the disclosed organisation name is not the contactor's registered one, or
    /// when the MFO flagged the stated name or position as false.
    #[graphql(complexity = "crate::graphql::budget::RULE_IDS")]
    async fn violations(&self) -> Vec<String> {
        crate::graphql::nested::first_of_json(&self.0.violations, crate::graphql::budget::RULE_IDS)
    }
    /// X6: what the loan's MFO found false in the disclosure, if it did.
    async fn misrepresentation(&self) -> Option<MisrepresentationFlag> {
        let m = self.0.misrepresentation.as_ref()?;
        Some(MisrepresentationFlag {
            fields: serde_json::from_value(m["fields"].clone()).unwrap_or_default(),
            note: m["note"].as_str().map(str::to_owned),
            flagged_at: serde_json::from_value(m["flaggedAt"].clone()).ok(),
        })
    }
    /// The organisation that made the contact (the MFO or the agency).
    async fn contactor(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders.organizations.load_one(self.0.contactor_org_id).await?.map(Organization).ok_or_else(not_found)
    }
    /// The loan whose debtor was contacted (whoever sees the contact sees its loan).
    async fn loan(&self, ctx: &Context<'_>) -> async_graphql::Result<Loan> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders.loans.load_one(self.0.loan_id).await?.map(Loan).ok_or_else(not_found)
    }
}

/// Narrows `contacts`; every field given must match.
#[derive(InputObject, Default)]
pub struct ContactFilter {
    /// Only contacts that happened at or after this instant (UTC; `occurredAt`). Half-open
    /// with `to`: `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    /// Only contacts that happened before this instant (UTC, exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Only contacts made through this channel (X1).
    pub channel: Option<ContactChannel>,
    /// true: only contacts that broke a rule (`violations` not empty: X1–X7, each raised
    /// an escalation); false: only those that broke none.
    pub flagged: Option<bool>,
    /// Only contacts about this loan (global ID).
    pub loan_id: Option<ID>,
    /// Only contacts created or changed at or after this instant (UTC):
    /// for a sync that re-reads what changed since its last run (`changes` lists the
    /// changes themselves).
    /// At most `MFO_CHANGE_RETENTION_DAYS` back (30 by default); older: BAD_USER_INPUT.
    pub updated_after: Option<DateTime<Utc>>,
}

order_input!(
    /// How `contacts` is sorted (by default: newest first by `occurredAt`, then by id).
    ContactOrder,
    svc::ContactOrderField
);

/// X6: the MFO's finding that a collector gave a false name or position.
#[derive(SimpleObject)]
pub struct MisrepresentationFlag {
    /// What was false.
    #[graphql(complexity = "crate::graphql::budget::variants::<Misrepresentation>()")]
    pub fields: Vec<Misrepresentation>,
    /// How the MFO found out (at most 2,000 characters).
    #[graphql(complexity = "crate::graphql::budget::text_units(crate::services::collection::MAX_NOTE_CHARS)")]
    pub note: Option<String>,
    /// When the MFO flagged it (UTC).
    pub flagged_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct CollectionQuery;

#[Object]
impl CollectionQuery {
    /// Contacts with debtors across every loan the caller may see, as each loan's
    /// `contacts` shows them: an agency its own contacts on the loans handed to it now
    /// (R17.2), MFO staff their MFO's (the agencies' too), a regulator its jurisdiction's;
    /// a borrower none (an empty list). Stable order: `orderBy`, then id; by default newest
    /// first by `occurredAt`, then by id (descending); a cursor keeps its place while
    /// contacts are recorded.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only contacts matching every field given.")] filter: Option<ContactFilter>,
        #[graphql(desc = "The order of the list.")] order_by: Option<ContactOrder>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Only rows after this cursor (of the same order).")] after: Option<String>,
        #[graphql(desc = "Page size going backward: the last 0 to 100 rows (before `before`).")] last: Option<i32>,
        #[graphql(desc = "Only rows before this cursor (of the same order).")] before: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::Page<ContactEvent>> {
        let p = ctx.principal()?;
        let sort = ContactOrder::sort_or(order_by, svc::CONTACTS_NEWEST_FIRST);
        let w = crate::graphql::connection::window(first, after, last, before, sort.tag())?;
        let filter = filter.unwrap_or_default();
        let f = svc::ContactFilter {
            occurred: Range { from: filter.from, to: filter.to },
            channel: filter.channel,
            flagged: filter.flagged,
            loan_id: filter.loan_id.as_ref().map(|l| decode(l, Kind::Loan).map(LoanId)).transpose()?,
            updated_after: filter.updated_after,
        };
        let page = svc::list_contacts(ctx.services(), p, &f, &sort, &w).await.map_err(top_level)?;
        ctx.data_unchecked::<Loaders>().prefetch_contacts(&ctx.look_ahead(), &page.items).await?;
        let total =
            TotalCount::of(ctx.services(), p, f, |c, p, f| async move { svc::count_contacts(&c, &p, &f).await });
        Ok(crate::graphql::connection::connection(
            page,
            &w,
            sort.tag(),
            |c| sort.position(c, c.id),
            ContactEvent,
            total,
        ))
    }

    /// What the caller may do with the loan's debtor at `at` (now by default): one verdict
    /// per action its role can take (an agency: contacts; the MFO: everything; the
    /// regulator: every verdict, read-only). NOT_FOUND for a loan not in the caller's
    /// hands.
    #[graphql(complexity = "crate::graphql::nested::ACTIONS * child_complexity")]
    async fn permitted_actions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan's global ID.")] loan_id: ID,
        #[graphql(desc = "The instant to judge at (UTC); now when omitted. A clearance is issued only for now.")]
        at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<ActionVerdicts> {
        let p = ctx.principal()?;
        let id = LoanId(decode(&loan_id, Kind::Loan)?);
        let views = svc::permitted_actions(ctx.services(), p, id, at).await.map_err(top_level)?;
        Ok(ActionVerdicts(views.into_iter().map(ActionVerdict::from).collect()))
    }

    /// The caller's worklist for one action: every loan in its hands (an agency: those
    /// handed to it now) with its verdict on `action` at `at` (now by default), the loans
    /// where it is allowed first, then the others by `nextAllowedAt` (those with no known
    /// date last), by id within each. The same verdicts, reasons and clearances as
    /// `permittedActions` (clearances only when `at` is now). Every loan is judged for
    /// each page (the order needs every verdict), in a number of statements that grows
    /// with the loans in hand (four per 500), not with `first`. Its order is the answer,
    /// so it has no `orderBy`; `last`/`before` read it backwards.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn collection_worklist(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The action asked about (e.g. CALL).")] action: CollectionAction,
        #[graphql(desc = "The instant to judge at (UTC); now when omitted. A clearance is issued only for now.")]
        at: Option<DateTime<Utc>>,
        #[graphql(desc = "Page size going forward: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(desc = "Only loans after this cursor.")] after: Option<String>,
        #[graphql(desc = "Page size going backward: the last 0 to 100 loans (before `before`).")] last: Option<i32>,
        #[graphql(desc = "Only loans before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::Page<WorklistEntry>> {
        let p = ctx.principal()?;
        let w = crate::graphql::connection::window(first, after, last, before, None)?;
        let (page, total) = svc::worklist(ctx.services(), p, action, at, &w).await.map_err(top_level)?;
        let total = TotalCount::new(move || async move { Ok(total as u64) });
        Ok(crate::graphql::connection::connection(
            page,
            &w,
            None,
            |(pos, _)| Position { value: None, key: *pos },
            |(_, item)| WorklistEntry(item),
            total,
        ))
    }
}

/// R17.2: a loan handed to a collection agency.
#[derive(InputObject)]
pub struct AssignLoanToAgencyInput {
    /// The loan's global ID (the caller's MFO's, overdue).
    pub loan_id: ID,
    /// The agency's global ID (a collection agency of the loan's jurisdiction).
    pub agency_id: ID,
}

/// Ends an agency's work on a loan.
#[derive(InputObject)]
pub struct RecallLoanFromAgencyInput {
    /// The loan's global ID.
    pub loan_id: ID,
}

payload!(
    /// The hand-over to an agency (R17.2) after the mutation, or why it was refused.
    CollectionAssignmentPayload { assignment: CollectionAssignment });

/// X1–X7: a contact with the borrower or a third party. The MFO's staff and managers, or the agency holding
/// the loan.
#[derive(InputObject)]
pub struct RecordContactInput {
    /// Required: agencies' systems retry; a retry stores one contact.
    pub client_submission_id: Uuid,
    /// The loan's global ID.
    pub loan_id: ID,
    /// How the contact was made (X1).
    pub channel: ContactChannel,
    /// When it happened (UTC instant); judged in the borrower's local time (X3, X4).
    pub occurred_at: DateTime<Utc>,
    /// The borrower or a third party (X5).
    #[graphql(default_with = "ContactParty::Borrower")]
    pub party: ContactParty,
    /// Required for a third party (X5).
    pub third_party_purpose: Option<ThirdPartyPurpose>,
    /// The phone, e-mail or address used.
    pub destination: Option<String>,
    /// X2: required; a contact without it is stored and flagged.
    #[graphql(default)]
    pub disclosure: ContactDisclosure,
    /// What came of it.
    pub outcome: ContactOutcome,
    /// A free-text note. At most 20,000 characters (userErrors TOO_LONG with `maxLength`).
    pub note: Option<String>,
    /// The clearance `permittedActions` gave for this contact, if any.
    pub clearance: Option<String>,
}

/// A non-blocking remark on a mutation that succeeded: the record was stored, and this says
/// what the caller may want to act on (today: a quoted clearance that did not cover the
/// contact).
#[derive(SimpleObject)]
pub struct Warning {
    /// Path to the input field it is about, e.g. `["input", "clearance"]`.
    pub field: Vec<String>,
    /// What it is about, for a program to switch on.
    pub code: svc::WarningCode,
    /// What happened, for a person, in the language `Accept-Language` asks for (README,
    /// "Languages").
    pub message: String,
    /// Machine-readable particulars as a JSON object (`expiredAt`, `issuedAt`: UTC
    /// instants; `differs`: a list of `holder`, `loan`, `action`); `{}` when none.
    pub params: async_graphql::Json<serde_json::Map<String, serde_json::Value>>,
}

impl From<svc::Warning> for Warning {
    fn from(w: svc::Warning) -> Self {
        let message = w.message.render(crate::i18n::current());
        Self { field: w.field, code: w.code, message, params: async_graphql::Json(w.params) }
    }
}

/// The contact after `recordContact` (stored whatever became of its clearance) or
/// `flagContactMisrepresentation`, or why the mutation was refused.
#[derive(SimpleObject)]
pub struct ContactPayload {
    /// The record as the mutation left it; null when `userErrors` is not empty.
    pub contact: Option<ContactEvent>,
    /// `recordContact` only: what became of the quoted clearance (ACCEPTED: the contact is
    /// CLEARED; MISSING when none was quoted; anything else comes with a warning). Null for
    /// `flagContactMisrepresentation` and when `userErrors` is not empty.
    pub clearance: Option<svc::ClearanceOutcome>,
    /// Non-blocking remarks: the contact was stored, but a quoted clearance did not cover it
    /// (expired, foreign, malformed, issued after the contact). Empty otherwise.
    pub warnings: Vec<Warning>,
    /// Why the mutation was refused (business rules, invalid input): each names the input
    /// field, a code and the rule; empty on success, and then nothing was refused. Nothing
    /// is stored when any is returned (one transaction).
    pub user_errors: Vec<UserErrorObject>,
}

impl ContactPayload {
    fn from_result(r: ServiceResult<contact_event::Model>) -> async_graphql::Result<Self> {
        Self::from_recorded(r.map(|contact| (contact, None)))
    }

    fn from_recorded(
        r: ServiceResult<(contact_event::Model, Option<svc::ClearanceCheck>)>,
    ) -> async_graphql::Result<Self> {
        match r {
            Ok((contact, check)) => Ok(Self {
                contact: Some(ContactEvent(contact)),
                clearance: check.as_ref().map(|c| c.outcome),
                warnings: check.and_then(|c| c.warning()).map(Warning::from).into_iter().collect(),
                user_errors: Vec::new(),
            }),
            Err(ServiceError::User(errors)) => Ok(Self {
                contact: None,
                clearance: None,
                warnings: Vec::new(),
                user_errors: errors.into_iter().map(Into::into).collect(),
            }),
            Err(e) => Err(top_level(e)),
        }
    }
}

/// X6: the MFO's finding that a collector stated a false name or position.
#[derive(InputObject)]
pub struct FlagContactMisrepresentationInput {
    /// A contact on a loan of the caller's MFO.
    pub contact_id: ID,
    /// What was false: the person's name, position, or both.
    pub fields: Vec<Misrepresentation>,
    /// How the MFO found out (at most 2000 characters).
    pub note: Option<String>,
}

/// X7: new contact details the borrower reports; a field left out keeps its value.
#[derive(InputObject)]
pub struct UpdateMyContactDetailsInput {
    /// New phone number.
    pub phone: Option<String>,
    /// New e-mail address.
    pub email: Option<String>,
    /// New address (X1 letters go here once reported).
    pub address: Option<String>,
    /// When the details changed (report within 10 calendar days, X7).
    pub changed_on: Option<Date>,
}

/// The borrower after the X7 report, or why it was refused.
#[derive(SimpleObject)]
pub struct ContactDetailsPayload {
    /// The borrower with the new details; null on userErrors.
    pub borrower: Option<Borrower>,
    /// Reported more than 10 calendar days after the change (X7).
    pub reported_late: bool,
    /// Why the report was refused; empty on success.
    pub user_errors: Vec<UserErrorObject>,
}

#[derive(Default)]
pub struct CollectionMutation;

#[Object]
impl CollectionMutation {
    /// R17.2: hands an overdue loan to a collection agency (MFO_MANAGER), when the contract
    /// allows it.
    async fn assign_loan_to_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan and the agency.")] input: AssignLoanToAgencyInput,
    ) -> async_graphql::Result<CollectionAssignmentPayload> {
        let p = ctx.principal()?;
        let loan = LoanId(decode(&input.loan_id, Kind::Loan)?);
        let agency = OrgId(decode(&input.agency_id, Kind::Organization)?);
        CollectionAssignmentPayload::from_result(
            svc::assign(ctx.services(), p, loan, agency).await.map(CollectionAssignment),
        )
    }

    /// Ends the agency's work on a loan (MFO_MANAGER).
    async fn recall_loan_from_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan.")] input: RecallLoanFromAgencyInput,
    ) -> async_graphql::Result<CollectionAssignmentPayload> {
        let p = ctx.principal()?;
        let loan = LoanId(decode(&input.loan_id, Kind::Loan)?);
        CollectionAssignmentPayload::from_result(svc::recall(ctx.services(), p, loan).await.map(CollectionAssignment))
    }

    /// X1–X7: records a contact. It is always stored; broken rules are listed on it and
    /// each raises an escalation. X6: the disclosed organisation name is compared with the
    /// contactor's registered name ignoring case, quotation marks and extra whitespace.
    /// The payload's `clearance` says what became of the quoted clearance (judged at
    /// `occurredAt`); one that does not cover the contact adds a warning, never a refusal.
    async fn record_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact; retried safely with the same `clientSubmissionId`.")] input: RecordContactInput,
    ) -> async_graphql::Result<ContactPayload> {
        let p = ctx.principal()?;
        let d = input.disclosure;
        let input = svc::ContactInput {
            client_submission_id: input.client_submission_id,
            loan_id: LoanId(decode(&input.loan_id, Kind::Loan)?),
            channel: input.channel,
            occurred_at: input.occurred_at,
            party: input.party,
            third_party_purpose: input.third_party_purpose,
            destination: input.destination,
            disclosure: Disclosure {
                organization_name: d.organization_name,
                organization_location: d.organization_location,
                person_name: d.person_name,
                person_position: d.person_position,
            },
            outcome: input.outcome,
            note: input.note,
            clearance: input.clearance,
        };
        ContactPayload::from_recorded(
            svc::record_contact(ctx.services(), p, input).await.map(|r| (r.contact, Some(r.clearance))),
        )
    }

    /// X6: the loan's MFO (MFO_STAFF, MFO_MANAGER) flags the name and/or position a
    /// collector stated in a contact as false. The contact gets X6 among its violations
    /// and an X6 escalation attributed to the organisation that made the contact
    /// (`details.responsibleOrgId`) is raised; a contact is flagged once (CONFLICT after).
    async fn flag_contact_misrepresentation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact and what was false.")] input: FlagContactMisrepresentationInput,
    ) -> async_graphql::Result<ContactPayload> {
        let p = ctx.principal()?;
        let input = svc::MisrepresentationInput {
            contact_id: ContactId(decode(&input.contact_id, Kind::Contact)?),
            fields: input.fields,
            note: input.note,
        };
        ContactPayload::from_result(svc::flag_misrepresentation(ctx.services(), p, input).await)
    }

    /// X7: the borrower reports new contact details.
    async fn update_my_contact_details(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new details and when they changed.")] input: UpdateMyContactDetailsInput,
    ) -> async_graphql::Result<ContactDetailsPayload> {
        let p = ctx.principal()?;
        let input = svc::ContactDetailsInput {
            phone: input.phone,
            email: input.email,
            address: input.address,
            changed_on: input.changed_on.map(|d: Date| -> NaiveDate { d.0 }),
        };
        match svc::update_my_contact_details(ctx.services(), p, input).await {
            Ok(c) => Ok(ContactDetailsPayload {
                borrower: Some(Borrower(c.borrower)),
                reported_late: c.reported_late,
                user_errors: vec![],
            }),
            Err(ServiceError::User(e)) => Ok(ContactDetailsPayload {
                borrower: None,
                reported_late: false,
                user_errors: e.into_iter().map(Into::into).collect(),
            }),
            Err(e) => Err(top_level(e)),
        }
    }
}

/// Loan fields of the collection area.
pub async fn loan_assignment(ctx: &Context<'_>, loan: &Loan) -> async_graphql::Result<Option<CollectionAssignment>> {
    let loaders = ctx.data_unchecked::<Loaders>();
    Ok(loaders.assignments.load_one(loan.0.id).await?.map(CollectionAssignment))
}

/// `Loan.contacts`: the window of the loan's contact log the caller may read, oldest first.
pub async fn loan_contacts(
    ctx: &Context<'_>,
    loan: &Loan,
    w: &crate::services::paging::Window<uuid::Uuid>,
) -> async_graphql::Result<crate::graphql::connection::Page<ContactEvent>> {
    let loaders = ctx.data_unchecked::<Loaders>();
    let mut rows = loaders.contacts.load_one(loan.0.id).await?.unwrap_or_default();
    rows.sort_by_key(|c| (c.occurred_at, c.id));
    crate::graphql::nested::page(w, rows, |c| c.id, ContactEvent)
}
