//! The contact log (X1–X7): every contact is stored with the rules it broke, a breach
//! raises an escalation per rule, and the MFO may flag a collector's false statements (X6).
//! A contact that happened is never refused for the rules it broke.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{
    ContactChannel, ContactClearance, ContactOutcome, ContactParty, EscalationKind, Misrepresentation, Role,
    ThirdPartyPurpose,
};
use entity::{borrower, contact_detail_change, contact_event, loan, organization};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{ClearanceCheck, ClearanceOutcome, clearance_key, judge_clearance, load_facts};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::{ContactId, LoanId};
use crate::rules::collection::{self as rules};
use crate::services::paging::{self, Sort, Window};
use crate::services::write::{Actor, EscalationDraft, Subject, Submission, Submitted, Write};
use crate::services::{Ctx, loans, scope};

/// A recorded contact and what became of the clearance it quoted.
#[derive(Debug, Clone)]
pub struct RecordedContact {
    pub contact: contact_event::Model,
    pub clearance: ClearanceCheck,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Disclosure {
    pub organization_name: Option<String>,
    pub organization_location: Option<String>,
    pub person_name: Option<String>,
    pub person_position: Option<String>,
}

impl Disclosure {
    /// X2: every contact states the organisation's name and location and the contacting
    /// person's full name and position.
    fn complete(&self) -> bool {
        let filled = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        filled(&self.organization_name)
            && filled(&self.organization_location)
            && filled(&self.person_name)
            && filled(&self.person_position)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactInput {
    pub client_submission_id: Uuid,
    pub loan_id: LoanId,
    pub channel: ContactChannel,
    pub occurred_at: DateTime<Utc>,
    pub party: ContactParty,
    pub third_party_purpose: Option<ThirdPartyPurpose>,
    pub destination: Option<String>,
    pub disclosure: Disclosure,
    pub outcome: ContactOutcome,
    pub note: Option<String>,
    pub clearance: Option<String>,
}

/// Where a contact to the borrower went, against the details the borrower gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Destination {
    /// One of the details in force at the contact (the current ones, or old ones whose
    /// change was not yet reported, X7).
    Known,
    /// One of the borrower's old details, used after the change was reported (X7).
    Outdated,
    /// None of the borrower's details, then or before.
    Unknown,
}

/// X1, X7: what `destination` was to the borrower at `occurred_at` (before a change is
/// reported, the old details count as valid).
async fn destination_of<C: ConnectionTrait>(
    db: &C,
    b: &borrower::Model,
    destination: &str,
    occurred_at: DateTime<Utc>,
) -> ServiceResult<Destination> {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '(' && *c != ')')
            .collect::<String>()
            .to_lowercase()
    };
    let dest = norm(destination);
    let current = [&b.phone, &b.email, &b.address];
    if current.iter().any(|v| v.as_deref().is_some_and(|v| norm(v) == dest)) {
        return Ok(Destination::Known);
    }
    let changes = contact_detail_change::Entity::find()
        .filter(contact_detail_change::Column::BorrowerId.eq(b.id))
        .all(db)
        .await?;
    let was = |c: &contact_detail_change::Model| {
        ["phone", "email", "address"]
            .iter()
            .any(|k| c.previous.get(k).and_then(|v| v.as_str()).is_some_and(|v| norm(v) == dest))
    };
    let mut former = changes.iter().filter(|c| was(c));
    Ok(match former.clone().next() {
        None => Destination::Unknown,
        Some(_) if former.any(|c| c.reported_at <= occurred_at) => Destination::Outdated,
        Some(_) => Destination::Known,
    })
}

/// Records a contact. It is always stored (the contact happened): one the rules did not
/// permit at that moment, without the X2 disclosure, with a third party for another
/// purpose than finding the borrower (X5), or to details the borrower had replaced (X7),
/// is stored with those rules and raises an escalation per rule. A clearance that does not
/// cover it is no reason to refuse it either: the answer says what became of it.
pub async fn record_contact(ctx: &Ctx, p: &Principal, input: ContactInput) -> ServiceResult<RecordedContact> {
    scope::permit(p.collects(), "contacts are recorded by the MFO or its agency")?;
    let mut problems = Problems::new();
    problems.check(input.occurred_at <= ctx.clock.now() + Duration::minutes(5), || {
        UserError::invalid(&["occurredAt"], UserErrorReason::DateInFuture)
    });
    problems.check(input.party == ContactParty::Borrower || input.third_party_purpose.is_some(), || {
        UserError::invalid(&["thirdPartyPurpose"], UserErrorReason::Required)
    });
    problems.at_most_chars(&["note"], input.note.as_deref(), crate::services::MAX_TEXT_CHARS);
    problems.finish()?;
    let submission = Submission {
        client_submission_id: Some(input.client_submission_id),
        operation: "recordContact",
        input: &input,
    };
    match ctx.submit(Actor::from(p), submission, async |w| {
        // Locked: contacts of one loan are counted against its limits (X3, X4) one at a time.
        let l = loans::for_change(w, scope::loans(p), input.loan_id).await?;
        let action = rules::action_of(input.channel, input.party);
        // The rules as they stood when the contact happened, without this contact counted.
        let loaded = load_facts(w.reference(), w.txn(), l.clone(), input.occurred_at - Duration::microseconds(1)).await?;
        let verdict = rules::verdict(action, &loaded.facts, input.occurred_at, &loaded.law.calendar, &loaded.law.policy.policy);
        let by_contract = verdict.basis.contains(&rules::CONTRACT);
        // CONTRACT says whose terms X4 used; it is not a rule a contact can break.
        let mut violations: Vec<&'static str> = if verdict.allowed {
            vec![]
        } else {
            verdict.basis.iter().copied().filter(|b| *b != rules::CONTRACT).collect()
        };
        if !input.disclosure.complete() {
            violations.push("X2");
        }
        // X6: the organisation named is not the one that made the contact.
        let contactor = organization::Entity::find_by_id(p.org_id.0).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
        let named_falsely = input
            .disclosure
            .organization_name
            .as_deref()
            .is_some_and(|n| !n.trim().is_empty() && !rules::same_name(n, &contactor.name));
        if named_falsely {
            violations.push("X6");
        }
        if input.party == ContactParty::ThirdParty && input.third_party_purpose != Some(ThirdPartyPurpose::LocateBorrower) {
            violations.push("X5");
        }
        let b = borrower::Entity::find_by_id(l.borrower_id).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
        if input.party == ContactParty::Borrower
            && let Some(dest) = &input.destination
        {
            match destination_of(w.txn(), &b, dest, input.occurred_at).await? {
                Destination::Known => {}
                Destination::Outdated => violations.push("X7"),
                // X1: a letter goes to the contract address or the one last reported.
                Destination::Unknown if input.channel == ContactChannel::Letter => violations.push("X1"),
                Destination::Unknown => {}
            }
        }
        let clearance = match &input.clearance {
            Some(token) => {
                let key = clearance_key(w.reference(), w.txn()).await?;
                judge_clearance(&key, Some(token), p, l.id, action, input.occurred_at)
            }
            None => ClearanceCheck::of(ClearanceOutcome::Missing),
        };
        let cleared = clearance.outcome == ClearanceOutcome::Accepted;
        let row = contact_event::Model {
            id: w.new_id(),
            loan_id: l.id,
            borrower_id: l.borrower_id,
            mfo_id: l.mfo_id,
            jurisdiction: l.jurisdiction,
            contactor_org_id: p.org_id.0,
            recorded_by: p.key(),
            channel: input.channel,
            occurred_at: input.occurred_at,
            party: input.party,
            third_party_purpose: input.third_party_purpose,
            destination: input.destination.clone(),
            disclosure: serde_json::to_value(&input.disclosure).map_err(|e| ServiceError::Internal(e.into()))?,
            outcome: input.outcome,
            note: input.note.clone(),
            clearance: if cleared { ContactClearance::Cleared } else { ContactClearance::Uncleared },
            violations: json!(violations),
            misrepresentation: None,
            created_at: w.now,
        };
        contact_event::Entity::insert(row.clone().into_active_model()).exec_without_returning(w.txn()).await?;
        let subject = Subject::new("contact", row.id);
        let after = json!({ "loanId": l.id, "channel": row.channel, "party": row.party, "occurredAt": row.occurred_at,
            "violations": row.violations, "clearance": row.clearance, "by": p.org_id });
        w.audit("contact.recorded", subject, Some(l.mfo_id), None, Some(after.clone()));
        w.event("contact.recorded", subject, loans::visibility(&l), after);
        for rule in &violations {
            w.escalate(EscalationDraft {
                kind: EscalationKind::RuleBreach,
                rule: (*rule).to_owned(),
                org_id: l.mfo_id,
                jurisdiction: l.jurisdiction,
                subject_type: "contact".into(),
                subject_id: row.id,
                deadline_id: None,
                message: crate::i18n::Msg::new(crate::i18n::MsgId::EscalationContactBreach)
                    .arg("channel", sea_orm::ActiveEnum::to_value(&row.channel))
                    .arg("contract", l.contract_number.clone())
                    .arg("rule", *rule),
                details: contact_breach_details(&row, rule, by_contract, &contactor, &input.disclosure),
            });
        }
        w.produced(row.id);
        Ok(RecordedContact { contact: row, clearance })
    })
    .await?
    {
        Submitted::Fresh(done) => Ok(done),
        Submitted::Replay(id) => {
        let contact = get_contact(ctx, p, ContactId(id)).await?;
        // The same input judged again: the verdict depends on nothing that moves.
        let key = clearance_key(&ctx.reference, &ctx.db).await?;
        let action = rules::action_of(input.channel, input.party);
        let clearance =
            judge_clearance(&key, input.clearance.as_deref(), p, contact.loan_id, action, input.occurred_at);
        Ok(RecordedContact { contact, clearance })
        }
    }
}

/// What an escalation about a contact records: the organisation responsible for it (the
/// one that made the contact, `responsibleOrgId`), and for X4 whether the contract's terms
/// were the ones broken, for X6 the name given against the registered one.
fn contact_breach_details(
    row: &contact_event::Model,
    rule: &str,
    by_contract: bool,
    contactor: &organization::Model,
    disclosure: &Disclosure,
) -> serde_json::Value {
    let mut details = json!({ "contactId": row.id, "loanId": row.loan_id, "contactor": row.contactor_org_id,
        "responsibleOrgId": row.contactor_org_id, "occurredAt": row.occurred_at });
    if rule == "X4" && by_contract {
        details["terms"] = json!(rules::CONTRACT);
    }
    if rule == "X6" {
        details["disclosedOrganizationName"] = json!(disclosure.organization_name);
        details["registeredOrganizationName"] = json!(contactor.name);
    }
    details
}

/// X6: the MFO found that a collector's stated name or position was false.
#[derive(Debug, Clone, Serialize)]
pub struct MisrepresentationInput {
    pub contact_id: ContactId,
    pub fields: Vec<Misrepresentation>,
    pub note: Option<String>,
}

/// The longest note a misrepresentation finding keeps.
pub const MAX_NOTE_CHARS: usize = 2000;

/// X6: the loan's MFO (staff or manager) flags a contact's stated name and/or position
/// as false. The contact is marked X6 (once) and an escalation attributed to the
/// organisation that made the contact is raised.
pub async fn flag_misrepresentation(
    ctx: &Ctx,
    p: &Principal,
    input: MisrepresentationInput,
) -> ServiceResult<contact_event::Model> {
    scope::permit(p.acts_for_mfo(), "the loan's MFO flags what its collectors said")?;
    let mut problems = Problems::new();
    problems.check(!input.fields.is_empty(), || UserError::invalid(&["fields"], UserErrorReason::Required));
    problems.at_most_chars(&["note"], input.note.as_deref(), MAX_NOTE_CHARS);
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        let own = Condition::all().add(contact_event::Column::MfoId.eq(p.org_id.0));
        let c = w.for_change::<contact_event::Entity>(own, input.contact_id.0).await?;
        if c.misrepresentation.is_some() {
            return Err(ServiceError::user(UserError::conflict(&["contactId"], UserErrorReason::AlreadyDone)));
        }
        let l = loan::Entity::find_by_id(c.loan_id).one(w.txn()).await?.ok_or(ServiceError::NotFound)?;
        let mut fields = input.fields.clone();
        fields.sort();
        fields.dedup();
        let flag = json!({ "fields": fields, "note": input.note, "flaggedBy": p.key(), "flaggedAt": w.now });
        let mut violations: Vec<String> = serde_json::from_value(c.violations.clone()).unwrap_or_default();
        if !violations.iter().any(|v| v == "X6") {
            violations.push("X6".into());
        }
        let row =
            contact_event::Model { misrepresentation: Some(flag.clone()), violations: json!(violations), ..c.clone() };
        contact_event::Entity::update(row.clone().into_active_model().reset_all()).exec(w.txn()).await?;
        let subject = Subject::new("contact", row.id);
        w.audit(
            "contact.misrepresentation_flagged",
            subject,
            Some(row.mfo_id),
            Some(json!({ "violations": c.violations, "misrepresentation": null })),
            Some(json!({ "violations": row.violations, "misrepresentation": flag })),
        );
        w.event("contact.misrepresentation_flagged", subject, loans::visibility(&l), json!({ "fields": fields }));
        w.escalate(EscalationDraft {
            kind: EscalationKind::RuleBreach,
            rule: "X6".into(),
            org_id: row.mfo_id,
            jurisdiction: row.jurisdiction,
            subject_type: "contact".into(),
            subject_id: row.id,
            deadline_id: None,
            message: crate::i18n::Msg::new(crate::i18n::MsgId::EscalationMisrepresentation)
                .arg("contract", l.contract_number.clone()),
            details: json!({ "contactId": row.id, "loanId": l.id, "contactor": row.contactor_org_id,
                "responsibleOrgId": row.contactor_org_id, "occurredAt": row.occurred_at, "source": "MFO_FLAG",
                "fields": fields, "note": input.note }),
        });
        Ok(row)
    })
    .await
}

/// X6: a complaint registered about a contact is a report of unfair practice: an
/// escalation attributed to the organisation that made the contact. The contact must be
/// on a loan of the MFO (and the named borrower's, when one is named); it is returned so
/// the complaint can take its loan and borrower.
pub async fn contact_for_complaint(w: &Write, mfo: Uuid, contact: ContactId) -> ServiceResult<contact_event::Model> {
    contact_event::Entity::find_by_id(contact.0)
        .filter(contact_event::Column::MfoId.eq(mfo))
        .one(w.txn())
        .await?
        .ok_or(ServiceError::NotFound)
}

/// X6: raises the escalation of a complaint about a contact.
pub fn escalate_complaint_about_contact(
    w: &mut Write,
    c: &contact_event::Model,
    complaint: Uuid,
    journal_number: &str,
) {
    w.escalate(EscalationDraft {
        kind: EscalationKind::RuleBreach,
        rule: "X6".into(),
        org_id: c.mfo_id,
        jurisdiction: c.jurisdiction,
        subject_type: "contact".into(),
        subject_id: c.id,
        deadline_id: None,
        message: crate::i18n::Msg::new(crate::i18n::MsgId::EscalationComplaintAboutContact)
            .arg("journal", journal_number),
        details: json!({ "contactId": c.id, "loanId": c.loan_id, "contactor": c.contactor_org_id,
            "responsibleOrgId": c.contactor_org_id, "occurredAt": c.occurred_at, "source": "COMPLAINT",
            "complaintId": complaint }),
    });
}

/// A contact the principal may see: the MFO's staff, the regulator, or the agency that made it.
pub async fn get_contact(ctx: &Ctx, p: &Principal, id: ContactId) -> ServiceResult<contact_event::Model> {
    // The scope of the contact log (`scope::contacts`): an agency sees its own contacts
    // while it works the loan, as it sees the loan.
    contact_event::Entity::find_by_id(id.0).filter(scope::contacts(p)).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}

/// Narrows `contacts`.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    /// On `occurred_at`.
    pub occurred: crate::services::Range<DateTime<Utc>>,
    pub channel: Option<ContactChannel>,
    /// `Some(true)`: contacts that broke a rule (X1–X7: `violations` not empty);
    /// `Some(false)`: those that broke none.
    pub flagged: Option<bool>,
    pub loan_id: Option<LoanId>,
    /// Records changed (created included) at or after this instant: see `services::changes`.
    pub updated_after: Option<DateTime<Utc>>,
}

paging::sort_fields!(
    /// What `contacts` may be sorted by (then by id).
    ContactOrderField for contact_event {
        /// When the contact happened.
        OccurredAt => "OCCURRED_AT", Instant(OccurredAt, occurred_at);
        /// When the contact was recorded.
        CreatedAt => "CREATED_AT", Instant(CreatedAt, created_at);
    }
);

/// `contacts`' order when none is asked: newest first by `occurred_at`, then by id.
pub const CONTACTS_NEWEST_FIRST: Sort<ContactOrderField> =
    Sort { field: Some(ContactOrderField::OccurredAt), direction: paging::Direction::Desc };

/// Every contact in the principal's scope (`scope::contacts`), a window in `sort`'s order.
pub async fn list_contacts(
    ctx: &Ctx,
    p: &Principal,
    f: &ContactFilter,
    sort: &Sort<ContactOrderField>,
    w: &Window<Uuid>,
) -> ServiceResult<crate::services::Page<contact_event::Model>> {
    crate::services::changes::check_since(ctx, f.updated_after)?;
    paging::read(&ctx.db, contacts_filtered(p, f), contact_event::Column::Id, sort, w).await
}

/// `contacts { totalCount }`.
pub async fn count_contacts(ctx: &Ctx, p: &Principal, f: &ContactFilter) -> ServiceResult<u64> {
    crate::services::count_rows(&ctx.db, contacts_filtered(p, f)).await
}

fn contacts_filtered(p: &Principal, f: &ContactFilter) -> sea_orm::Select<contact_event::Entity> {
    let mut q = contact_event::Entity::find()
        .filter(scope::contacts(p))
        .filter(f.occurred.condition(contact_event::Column::OccurredAt));
    if let Some(t) = f.updated_after {
        q = q.filter(crate::services::changes::updated_since("contact", contact_event::Column::Id, t));
    }
    if let Some(c) = f.channel {
        q = q.filter(contact_event::Column::Channel.eq(c));
    }
    if let Some(l) = f.loan_id {
        q = q.filter(contact_event::Column::LoanId.eq(l.0));
    }
    // `violations` is a JSON array written by `record_contact` and `flag_misrepresentation`
    // (`json!(Vec<String>)`), so an unflagged contact's is exactly `[]` on both engines.
    match f.flagged {
        Some(true) => q = q.filter(contact_event::Column::Violations.ne(json!([]))),
        Some(false) => q = q.filter(contact_event::Column::Violations.eq(json!([]))),
        None => {}
    }
    q
}

/// The contact logs of loans already in the principal's scope, as it may read them: the
/// MFO and the regulator all of it, an agency its own contacts, a borrower none.
pub async fn contacts_of<C: ConnectionTrait>(
    db: &C,
    p: Option<&Principal>,
    loan_ids: &[Uuid],
) -> ServiceResult<Vec<contact_event::Model>> {
    let mut q = contact_event::Entity::find().filter(contact_event::Column::LoanId.is_in(loan_ids.iter().copied()));
    match p.map(|p| (p.role, p.org_id)) {
        Some((Role::MfoStaff | Role::MfoManager | Role::Regulator, _)) => {}
        Some((Role::CollectionAgency, org)) => q = q.filter(contact_event::Column::ContactorOrgId.eq(org.0)),
        Some((Role::Borrower, _)) | None => return Ok(Vec::new()),
    }
    Ok(q.order_by_asc(contact_event::Column::OccurredAt).all(db).await?)
}
