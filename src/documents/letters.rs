//! What each document says: its records loaded through the services' scoping, its figures
//! from `rules/`, its words from the catalogues (`doc-*`), put into a `pdf::Sheet`.
//! Dates are written `dd.mm.yyyy` (as the D1 text of `rules::restructuring` writes them)
//! and amounts at their currency's scale (`money::Money`), digits as the API gives them.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{AnswerDeliveryChannel, AnswerGround, DecisionKind, Language, SignatoryRole};
use entity::{borrower, complaint_answer, loan, organization, payment};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::pdf::{Block, Sheet};
use crate::auth::Principal;
use crate::error::{ServiceError, ServiceResult};
use crate::i18n::{self, Lang};
use crate::ids::{ApplicationId, ComplaintId, InfoRequestId, LoanId};
use crate::money::Money;
use crate::rules::calendar::time_zone;
use crate::services::{Ctx, Subject, complaints, loans, restructuring};

/// A letter ready to set, and the record whose audit trail its issue goes to.
pub struct Letter {
    pub language: Language,
    pub sheet: Sheet,
    /// The record the letter answers, as the audit trail names it (a D1 letter's is its
    /// application: decisions have no trail of their own).
    pub trail: Subject,
    /// The MFO the record belongs to.
    pub mfo_id: Uuid,
}

/// A catalogue text.
fn t(lang: Lang, id: &str) -> String {
    i18n::render(lang, id, &Map::new())
}

/// A catalogue text with its arguments.
fn ta(lang: Lang, id: &str, args: &[(&str, String)]) -> String {
    let args: Map<String, Value> = args.iter().map(|(k, v)| ((*k).to_owned(), Value::String(v.clone()))).collect();
    i18n::render(lang, id, &args)
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

fn field(lang: Lang, id: &str, value: impl Into<String>) -> Block {
    Block::Field(t(lang, id), value.into())
}

/// The MFO's details at the head of every letter.
fn letterhead(lang: Lang, mfo: &organization::Model) -> Vec<Block> {
    let mut blocks = vec![field(lang, "doc-mfo", mfo.name.clone())];
    if let Some(a) = &mfo.address {
        blocks.push(field(lang, "doc-address", a.clone()));
    }
    blocks.push(Block::Rule);
    blocks
}

async fn record<E: EntityTrait>(ctx: &Ctx, id: Uuid) -> ServiceResult<E::Model>
where
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    E::find_by_id(id).one(&ctx.db).await?.ok_or(ServiceError::NotFound)
}

fn sheet(lang: Lang, title: String, mfo: &organization::Model, id: String, created: DateTime<Utc>) -> Sheet {
    Sheet {
        title,
        language: lang.tag(),
        author: mfo.name.clone(),
        footer: format!("{}: {id}", t(lang, "doc-document")),
        document_id: id,
        created,
        blocks: letterhead(lang, mfo),
    }
}

// ---- D1 -------------------------------------------------------------------------------------

/// D1: the letter of a signed refusal. The letter's own words are `rules::restructuring`'s
/// (the same text `Decision.refusalLetter` returns); the PDF adds the MFO's details, the
/// date, the right of appeal (R15) and the legal basis.
pub async fn refusal_letter(ctx: &Ctx, p: &Principal, decision_id: Uuid) -> ServiceResult<Letter> {
    let d = restructuring::get_decision(ctx, p, decision_id).await?;
    if d.kind != DecisionKind::Refuse || d.draft {
        return Err(ServiceError::NotFound);
    }
    let a = restructuring::get(ctx, p, ApplicationId(d.application_id)).await?;
    let l = record::<loan::Entity>(ctx, a.loan_id).await?;
    let b = record::<borrower::Entity>(ctx, a.borrower_id).await?;
    let mfo = record::<organization::Entity>(ctx, a.mfo_id).await?;
    let records = restructuring::LetterRecords { decision: &d, application: &a, loan: &l, borrower: &b, mfo: &mfo };
    let (language, text) = restructuring::refusal_letter(&records).ok_or(ServiceError::NotFound)?;
    let lang = Lang::of_record(language);
    let decided = d.decided_at.unwrap_or(d.created_at);
    let on = decided.with_timezone(&time_zone(a.jurisdiction)).date_naive();
    let number = crate::rules::restructuring::incoming_number(a.incoming_year, a.incoming_seq);
    let mut s = sheet(lang, t(lang, "doc-refusal-title"), &mfo, format!("D1 {number}"), decided);
    s.blocks.push(Block::Right(format!("{}: {}", t(lang, "doc-date"), dmy(on))));
    let mut parts = text.split("\n\n");
    if let Some(addressee) = parts.next() {
        s.blocks.push(Block::Right(addressee.to_owned()));
    }
    if let Some(title) = parts.next() {
        s.blocks.push(Block::Title(title.to_owned()));
    }
    let rest: Vec<&str> = parts.collect();
    let (signature, body) = rest.split_last().map_or((None, &rest[..]), |(s, b)| (Some(*s), b));
    for para in body {
        s.blocks.push(Block::Para((*para).to_owned()));
    }
    s.blocks.push(Block::Para(t(lang, "doc-refusal-appeal")));
    if let Some(sig) = signature {
        s.blocks.push(Block::Gap);
        s.blocks.push(Block::Para(sig.trim_end().to_owned()));
    }
    s.blocks.push(Block::Gap);
    s.blocks.push(Block::Small(ta(lang, "doc-refusal-basis", &[("mfo", mfo.name.clone()), ("number", number)])));
    Ok(Letter { language, sheet: s, trail: Subject::new("application", a.id), mfo_id: a.mfo_id })
}

// ---- C10 ------------------------------------------------------------------------------------

fn ground_id(g: AnswerGround) -> &'static str {
    match g {
        AnswerGround::Satisfied => "doc-ground-satisfied",
        AnswerGround::PartiallySatisfied => "doc-ground-partially-satisfied",
        AnswerGround::Refused => "doc-ground-refused",
        AnswerGround::Explained => "doc-ground-explained",
    }
}

fn signatory_id(r: SignatoryRole) -> &'static str {
    match r {
        SignatoryRole::Chairman => "doc-signatory-chairman",
        SignatoryRole::BranchDirector => "doc-signatory-branch-director",
        SignatoryRole::AuthorisedPerson => "doc-signatory-authorised-person",
    }
}

fn channel_id(c: AnswerDeliveryChannel) -> &'static str {
    match c {
        AnswerDeliveryChannel::InPerson => "doc-channel-in-person",
        AnswerDeliveryChannel::RegisteredMail => "doc-channel-registered-mail",
        AnswerDeliveryChannel::Email => "doc-channel-email",
        AnswerDeliveryChannel::MobileApp => "doc-channel-mobile-app",
    }
}

/// C10: the written, signed answer to a complaint, in the answer's language.
pub async fn complaint_answer(ctx: &Ctx, p: &Principal, complaint_id: Uuid) -> ServiceResult<Letter> {
    let c = complaints::get(ctx, p, ComplaintId(complaint_id)).await?;
    let answer = complaint_answer::Entity::find()
        .filter(complaint_answer::Column::ComplaintId.eq(c.id))
        .one(&ctx.db)
        .await?
        .filter(|a| !a.oral)
        .ok_or(ServiceError::NotFound)?;
    let mfo = record::<organization::Entity>(ctx, c.mfo_id).await?;
    let language = answer.language;
    let lang = Lang::of_record(language);
    let tz = time_zone(c.jurisdiction);
    let number = crate::rules::complaints::journal_number(c.journal_year, c.journal_seq);
    let registered = dmy(c.registered_at.with_timezone(&tz).date_naive());
    let received = dmy(c.received_at.with_timezone(&tz).date_naive());
    let title = ta(lang, "doc-answer-title", &[("number", number.clone()), ("date", received)]);
    let mut s = sheet(lang, title.clone(), &mfo, format!("C10 {number}"), answer.sent_at);
    let sent = answer.sent_at.with_timezone(&tz).date_naive();
    s.blocks.push(Block::Right(format!("{}: {}", t(lang, "doc-date"), dmy(sent))));
    // C11: the first complainant's name; the address the answer went to.
    let first = complaints::complainants_of(&c).into_iter().next();
    let name = first.as_ref().and_then(|f| f.full_name.clone());
    let address =
        answer.delivered_to.clone().or_else(|| c.answer_address.clone()).or_else(|| first.and_then(|f| f.address));
    let addressee: Vec<String> = [name, address].into_iter().flatten().collect();
    if !addressee.is_empty() {
        s.blocks.push(Block::Right(format!("{}: {}", t(lang, "doc-answer-to"), addressee.join("\n"))));
    }
    s.blocks.push(Block::Title(title));
    if let Some(substance) = &c.substance {
        s.blocks.push(field(lang, "doc-answer-substance", substance.clone()));
    }
    if let Some(g) = answer.ground {
        s.blocks.push(field(lang, "doc-answer-ground", t(lang, ground_id(g))));
    }
    s.blocks.push(Block::Gap);
    for para in answer.text.split("\n\n") {
        s.blocks.push(Block::Para(para.to_owned()));
    }
    let attachments: Vec<Value> = serde_json::from_value(answer.attachments.clone()).unwrap_or_default();
    let attachments: Vec<String> = attachments
        .iter()
        .filter_map(|a| {
            let name = a.get("name")?.as_str()?.to_owned();
            // Stored as `complaints::Attachment` serialises it: snake_case.
            let certified = a.get("certified_copy").and_then(Value::as_bool).unwrap_or(false);
            Some(if certified { format!("{name} ({})", t(lang, "doc-answer-certified-copy")) } else { name })
        })
        .collect();
    if !attachments.is_empty() {
        s.blocks.push(field(lang, "doc-answer-attachments", attachments.join("; ")));
    }
    if let Some(executor) = &answer.executor_name {
        let contact = answer.executor_contact.as_deref().map(|c| format!(", {c}")).unwrap_or_default();
        s.blocks.push(field(lang, "doc-answer-executor", format!("{executor}{contact}")));
    }
    if let Some(ch) = answer.delivery_channel {
        s.blocks.push(field(lang, "doc-answer-channel", t(lang, channel_id(ch))));
    }
    s.blocks.push(field(lang, "doc-answer-sent", dmy(sent)));
    s.blocks.push(Block::Gap);
    let role = answer.signatory_role.map(|r| t(lang, signatory_id(r)));
    let signatory = [role, answer.signatory_name.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    s.blocks.push(field(lang, "doc-answer-signed", format!("{signatory}  ________________")));
    s.blocks.push(Block::Gap);
    s.blocks.push(Block::Small(ta(
        lang,
        "doc-answer-basis",
        &[("registered", registered), ("mfo", mfo.name.clone()), ("number", number)],
    )));
    Ok(Letter { language, sheet: s, trail: Subject::new("complaint", c.id), mfo_id: c.mfo_id })
}

// ---- C9 -------------------------------------------------------------------------------------

/// C9: the seven items of the loan as of the day the request was received, from the
/// schedule and the payments made by the end of that day.
pub async fn loan_statement(ctx: &Ctx, p: &Principal, request_id: Uuid) -> ServiceResult<Letter> {
    let r = complaints::get_info_request(ctx, p, InfoRequestId(request_id)).await?;
    let l = loans::get(ctx, p, LoanId(r.loan_id)).await?;
    let b = record::<borrower::Entity>(ctx, r.borrower_id).await?;
    let mfo = record::<organization::Entity>(ctx, r.mfo_id).await?;
    let tz = time_zone(l.jurisdiction);
    let as_of = r.received_at.with_timezone(&tz).date_naive();
    let schedule = loans::schedule_of(&ctx.db, l.id).await?;
    let payments: Vec<payment::Model> = loans::payments_of_loan(&ctx.db, l.id)
        .await?
        .into_iter()
        .filter(|pay| pay.paid_at.with_timezone(&tz).date_naive() <= as_of)
        .collect();
    let ledger = loans::ledger(&l, &schedule, &payments);
    let limit = l.credit_limit.map(|c| c.0).unwrap_or(l.principal.0);
    let st = crate::rules::loans::statement(&ledger, l.currency, l.contract_date, limit, as_of);
    // The statement is the borrower's: in the language their record is kept in.
    let language = b.language;
    let lang = Lang::of_record(language);
    let c = l.currency;
    let money = |a: Decimal| Money::new(a, c).to_string();
    let title =
        ta(lang, "doc-statement-title", &[("contract", l.contract_number.clone()), ("date", dmy(l.contract_date))]);
    let id = format!("C9 {} {}", l.contract_number, dmy(as_of));
    let mut s = sheet(lang, title.clone(), &mfo, id, r.received_at);
    s.blocks.push(Block::Title(title));
    s.blocks.push(field(lang, "doc-borrower", b.full_name.clone()));
    if let Some(a) = &b.address {
        s.blocks.push(field(lang, "doc-address", a.clone()));
    }
    s.blocks.push(field(
        lang,
        "doc-statement-request",
        ta(lang, "doc-statement-request-value", &[("date", dmy(as_of))]),
    ));
    s.blocks.push(field(lang, "doc-statement-as-of", dmy(as_of)));
    s.blocks.push(field(lang, "doc-currency", c.code()));
    s.blocks.push(Block::Rule);
    s.blocks.push(field(lang, "doc-statement-paid", money(st.paid_total)));
    if !payments.is_empty() {
        let rows = payments
            .iter()
            .map(|pay| {
                vec![dmy(pay.paid_at.with_timezone(&tz).date_naive()), pay.external_id.clone(), money(pay.amount.0)]
            })
            .collect();
        s.blocks.push(table(lang, &["doc-col-date", "doc-col-payment", "doc-col-amount"], rows, &[0.25, 0.5, 0.25]));
    }
    s.blocks.push(Block::Heading(t(lang, "doc-statement-next")));
    let rows = st
        .next_payments
        .iter()
        .map(|n| vec![dmy(n.due_date), money(n.principal), money(n.interest), money(n.amount())])
        .collect();
    let cols = ["doc-col-due-date", "doc-col-principal", "doc-col-interest", "doc-col-total"];
    s.blocks.push(table(lang, &cols, rows, &[0.25, 0.25, 0.25, 0.25]));
    let overdue = match st.overdue.since {
        Some(since) => format!(
            "{} ({}: {}, {}: {}; {})",
            money(st.overdue.amount()),
            t(lang, "doc-col-principal"),
            money(st.overdue.principal),
            t(lang, "doc-col-interest"),
            money(st.overdue.interest),
            ta(lang, "doc-statement-overdue-since", &[("since", dmy(since)), ("days", st.overdue.days.to_string())]),
        ),
        None => format!("{} ({})", money(Decimal::ZERO), t(lang, "doc-statement-overdue-none")),
    };
    s.blocks.push(field(lang, "doc-statement-overdue", overdue));
    s.blocks.push(Block::Heading(t(lang, "doc-statement-allocations")));
    let rows = st
        .allocations
        .iter()
        .filter_map(|a| {
            let pay = payments.get(a.payment)?;
            Some(vec![
                pay.external_id.clone(),
                dmy(pay.paid_at.with_timezone(&tz).date_naive()),
                a.installment_seq.to_string(),
                money(a.to_interest),
                money(a.to_principal),
            ])
        })
        .collect();
    let cols = ["doc-col-payment", "doc-col-date", "doc-col-installment", "doc-col-interest", "doc-col-principal"];
    s.blocks.push(table(lang, &cols, rows, &[0.28, 0.16, 0.14, 0.21, 0.21]));
    s.blocks.push(field(lang, "doc-statement-early-full", money(st.early_repayment_full)));
    s.blocks.push(field(lang, "doc-statement-early-partial", money(st.early_repayment_partial_minimum)));
    s.blocks.push(field(lang, "doc-statement-balance", money(st.principal_balance)));
    s.blocks.push(field(lang, "doc-statement-limit", money(st.credit_limit)));
    s.blocks.push(Block::Gap);
    s.blocks.push(Block::Small(ta(lang, "doc-statement-basis", &[("asOf", dmy(as_of))])));
    if r.beyond_free_monthly {
        s.blocks.push(Block::Small(ta(lang, "doc-statement-beyond-free", &[("month", r.month.clone())])));
    }
    Ok(Letter { language, sheet: s, trail: Subject::new("info_request", r.id), mfo_id: r.mfo_id })
}

/// A table with its header from the catalogue; every column but the first few text
/// columns is a figure, set flush right.
fn table(lang: Lang, header: &[&str], rows: Vec<Vec<String>>, widths: &[f32]) -> Block {
    let numeric = header
        .iter()
        .map(|h| matches!(*h, "doc-col-amount" | "doc-col-principal" | "doc-col-interest" | "doc-col-total"))
        .collect();
    Block::Table { header: header.iter().map(|h| t(lang, h)).collect(), rows, widths: widths.to_vec(), numeric }
}
