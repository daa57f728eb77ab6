//! R6: the request for missing documents (its period counted from the sending), their
//! provision, and the lapse that leaves the application without review. The lapse runs
//! when the scanner finds the deadline missed, never on a caller's request.

use chrono::{DateTime, Utc};
use entity::enums::{ApplicationStatus, DeadlineKind, DeadlineStatus, DocumentRequestStatus, Language, Obligor};
use entity::{deadline, document_request, restructuring_application as application};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{DocumentInput, MAX_DOCUMENTS, for_change, new_deadline, to_json, transition};
use crate::auth::Principal;
use crate::error::{Problems, ServiceError, ServiceResult, UserError, UserErrorReason};
use crate::ids::ApplicationId;
use crate::rules::restructuring::{self as rules, AppStep};
use crate::services::deadlines;
use crate::services::write::{Actor, Write};
use crate::services::{Ctx, reference, scope};

/// The most documents one R6 request asks for; `DocumentRequest.items` is weighed by it.
pub const MAX_REQUESTED_ITEMS: usize = 50;

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
    problems.check(!items.is_empty(), || UserError::invalid(&["items"], UserErrorReason::Required));
    problems.each_filled("items", "description", &items, |x| &x.description);
    problems.at_most_items("items", items.len(), MAX_REQUESTED_ITEMS);
    problems.check(sent_at.is_none_or(|s| s <= ctx.clock.now()), || {
        UserError::invalid(&["sentAt"], UserErrorReason::DateInFuture).with_rule("R6")
    });
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        let a = for_change(w, p, id, false).await?;
        let sent_at = sent_at.unwrap_or(w.now);
        if sent_at < a.received_at {
            return Err(ServiceError::user(
                UserError::invalid(&["sentAt"], UserErrorReason::DateOutOfRange)
                    .with_param("notBefore", a.received_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .with_rule("R6"),
            ));
        }
        // The law in force when the request went out: its clock started then.
        let law = reference::law(w.reference(), w.txn(), a.jurisdiction, sent_at).await?;
        let due = rules::documents_due(&law.calendar, &law.policy.policy, law.calendar.local_date(sent_at));
        let after = transition(w, &a, AppStep::RequestDocuments, "application.documents_requested", |_| {}).await?;
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
            w,
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
        Ok(after)
    })
    .await
}

/// R6: the borrower (or staff on their behalf) provides the requested documents in time.
pub async fn provide_documents(
    ctx: &Ctx,
    p: &Principal,
    id: ApplicationId,
    documents: Vec<DocumentInput>,
) -> ServiceResult<application::Model> {
    let mut problems = Problems::new();
    problems.check(!documents.is_empty(), || UserError::invalid(&["documents"], UserErrorReason::Required));
    problems.each_filled("documents", "name", &documents, |x| &x.name);
    problems.at_most_items("documents", documents.len(), MAX_DOCUMENTS);
    problems.finish()?;
    ctx.write(Actor::from(p), async |w| {
        let a = for_change(w, p, id, true).await?;
        let mut all: Vec<DocumentInput> = serde_json::from_value(a.documents.clone()).unwrap_or_default();
        all.extend(documents.iter().cloned());
        // Inside the write: the documents already held count, and two provisions at once
        // are judged one after the other (the application is locked).
        let mut problems = Problems::new();
        problems.at_most_items("documents", all.len(), MAX_DOCUMENTS);
        problems.finish()?;
        let all = to_json(&all)?;
        let after =
            transition(w, &a, AppStep::ProvideDocuments, "application.documents_provided", |x| x.documents = all)
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
        deadlines::close(w, a.id, DeadlineKind::ApplicationDocuments, DeadlineStatus::Met).await?;
        Ok(after)
    })
    .await
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
