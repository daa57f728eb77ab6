//! The ingestion mutations of the MFO's core-banking system and their inputs: borrowers,
//! loans with schedules, payments, legal facts. Inputs are parsed here, checked by the services.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{ClaimAssignee, Language, LegalFactKind, LoanStatus, RepaymentOrder};
use rust_decimal::Decimal;

use super::{Borrower, ContractMeetingTerms, Loan, Payment};
use crate::error::UserErrorReason;
use crate::graphql::context::ContextExt;
use crate::graphql::errors::{payload, top_level};
use crate::graphql::ids::{Kind, decode};
use crate::graphql::scalars::Date;
use crate::ids::LoanId;
use crate::services::loans::{self as svc, LoanRef};

/// A borrower as the MFO's core-banking system holds them; every field replaces what was stored.
#[derive(InputObject)]
pub struct UpsertBorrowerInput {
    /// The MFO's own id for the borrower: sending it again updates the same borrower.
    pub external_id: String,
    /// Full name.
    pub full_name: String,
    /// National identification number (IIN, PIN).
    pub national_id: Option<String>,
    /// Registered or contract address.
    pub address: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Preferred language.
    pub language: Language,
    /// Socially vulnerable status (R16, R19); false when omitted.
    #[graphql(default)]
    pub socially_vulnerable: bool,
}

/// One installment of a schedule.
#[derive(InputObject)]
pub struct InstallmentInput {
    /// Due date (local date of the loan's jurisdiction).
    pub due_date: Date,
    /// Principal due, in the loan's currency, at its scale.
    pub principal: Decimal,
    /// Interest due, in the loan's currency, at its scale.
    pub interest: Decimal,
}

/// A loan as the MFO's core-banking system holds it; every field replaces what was stored.
#[derive(InputObject)]
pub struct UpsertLoanInput {
    /// The MFO's own id for the loan: sending it again updates the same loan.
    pub external_id: String,
    /// The MFO's own id of the borrower (upserted before).
    pub borrower_external_id: String,
    /// The contract's number.
    pub contract_number: String,
    /// The contract's date (local date).
    pub contract_date: Date,
    /// ISO 4217: KZT, KGS or USD.
    pub currency: String,
    /// The principal lent, in the loan's currency.
    pub principal: Decimal,
    /// Annual nominal rate as a fraction (0.35 = 35 %).
    pub annual_rate: Decimal,
    /// The term in months.
    pub term_months: i32,
    /// The credit limit (C9.7) for a credit line; the principal when omitted.
    pub credit_limit: Option<Decimal>,
    /// Servicing status; ACTIVE when omitted.
    #[graphql(default_with = "LoanStatus::Active")]
    pub status: LoanStatus,
    /// How payments are applied; INTEREST_FIRST when omitted.
    #[graphql(default_with = "RepaymentOrder::InterestFirst")]
    pub repayment_order: RepaymentOrder,
    /// Secured by a mortgage (R17.3's 180 days); false when omitted.
    #[graphql(default)]
    pub mortgage_secured: bool,
    /// Secured by a mortgage on the borrower's home (R16); false when omitted.
    #[graphql(default)]
    pub secured_by_dwelling: bool,
    /// A business loan (R14, R16 do not apply); false when omitted.
    #[graphql(default)]
    pub business_purpose: bool,
    /// The contract allows a collection agency (R17.2); false when omitted.
    #[graphql(default)]
    pub contract_allows_agency: bool,
    /// X4: the meeting terms the contract sets, if any. Like every field, it replaces
    /// what was stored: leaving it out means the contract agreed none.
    pub contract_meeting_terms: Option<ContractMeetingTerms>,
    /// The full schedule; it replaces the stored one.
    pub schedule: Vec<InstallmentInput>,
}

impl UpsertBorrowerInput {
    /// The service's input (`upsertBorrower`, and each item of `upsertBorrowers`).
    pub(crate) fn into_service(self) -> svc::BorrowerInput {
        svc::BorrowerInput {
            external_id: self.external_id,
            full_name: self.full_name,
            national_id: self.national_id,
            address: self.address,
            phone: self.phone,
            email: self.email,
            language: self.language,
            socially_vulnerable: self.socially_vulnerable,
        }
    }
}

impl UpsertLoanInput {
    /// The service's input (`upsertLoan`, and each item of `upsertLoans`); meeting terms
    /// that do not parse are the caller's error.
    pub(crate) fn into_service(self) -> Result<svc::LoanInput, crate::error::ServiceError> {
        let contract_meetings = self.contract_meeting_terms.map(ContractMeetingTerms::parse).transpose()?;
        Ok(svc::LoanInput {
            external_id: self.external_id,
            borrower_external_id: self.borrower_external_id,
            contract_number: self.contract_number,
            contract_date: self.contract_date.0,
            currency: self.currency,
            principal: self.principal,
            annual_rate: self.annual_rate,
            term_months: self.term_months,
            credit_limit: self.credit_limit,
            status: self.status,
            repayment_order: self.repayment_order,
            mortgage_secured: self.mortgage_secured,
            secured_by_dwelling: self.secured_by_dwelling,
            business_purpose: self.business_purpose,
            contract_allows_agency: self.contract_allows_agency,
            contract_meetings,
            schedule: self
                .schedule
                .into_iter()
                .map(|i| svc::InstallmentInput { due_date: i.due_date.0, principal: i.principal, interest: i.interest })
                .collect(),
        })
    }
}

/// Money received on a loan.
#[derive(InputObject)]
pub struct RecordPaymentInput {
    /// The loan by our global ID (or give `loanExternalId`).
    pub loan_id: Option<ID>,
    /// The loan by the MFO's own id (or give `loanId`).
    pub loan_external_id: Option<String>,
    /// The MFO's own id for the payment: sending it again records nothing new.
    pub external_id: String,
    /// When it was paid (UTC instant).
    pub paid_at: DateTime<Utc>,
    /// The amount, in the loan's currency, positive.
    pub amount: Decimal,
}

impl RecordPaymentInput {
    /// The service's input for an item of `recordPayments` (and a row of `mfo-api
    /// import payments`): a loan named by neither or both ids, or by a global id that is not
    /// a loan's, is the item's refusal.
    pub(crate) fn into_service(self) -> Result<svc::PaymentInput, crate::error::ServiceError> {
        use crate::error::{ServiceError, UserError, UserErrorReason};
        let named_by_id = self.loan_id.is_some();
        let loan = match loan_ref(self.loan_id, self.loan_external_id) {
            Ok(r) => r?,
            // A global id that is not a loan's names nothing of the caller's.
            Err(_) => {
                return Err(ServiceError::user(UserError::invalid(
                    &[if named_by_id { "loanId" } else { "loanExternalId" }],
                    UserErrorReason::UnknownReference,
                )));
            }
        };
        Ok(svc::PaymentInput { loan, external_id: self.external_id, paid_at: self.paid_at, amount: self.amount })
    }
}

/// A legal fact about a loan (R3, R14, R17, M6).
#[derive(InputObject)]
pub struct RecordLoanLegalFactInput {
    /// The loan by our global ID (or give `loanExternalId`).
    pub loan_id: Option<ID>,
    /// The loan by the MFO's own id (or give `loanId`).
    pub loan_external_id: Option<String>,
    /// Which fact.
    pub kind: LegalFactKind,
    /// When it took effect (local date).
    pub occurred_on: Date,
    /// Only for an insolvency procedure that has ended.
    pub ended_on: Option<Date>,
    /// Only for CLAIM_ASSIGNED: who took the claim. An assignment to a collection agency
    /// is checked against R17.3 and R14, to another third party (or an unreported one)
    /// against R17.3; it is recorded either way and what it broke is escalated.
    pub assignee: Option<ClaimAssignee>,
}

payload!(
    /// The borrower after the upsert, or why it was refused.
    BorrowerPayload { borrower: Borrower });
payload!(
    /// The loan after the mutation, or why it was refused.
    LoanPayload { loan: Loan });

/// A recorded payment and the loan it paid.
#[derive(SimpleObject)]
pub struct PaymentPayload {
    /// The payment recorded (or the one recorded before with the same `externalId`); null on userErrors.
    pub payment: Option<Payment>,
    /// The loan after the payment; null on userErrors.
    pub loan: Option<Loan>,
    /// Why the payment was refused; empty on success.
    pub user_errors: Vec<crate::graphql::errors::UserErrorObject>,
}

pub(crate) fn loan_ref(
    id: Option<ID>,
    external: Option<String>,
) -> async_graphql::Result<Result<LoanRef, crate::error::ServiceError>> {
    use crate::error::{ServiceError, UserError};
    Ok(match (id, external) {
        (Some(id), None) => Ok(LoanRef::Id(LoanId(decode(&id, Kind::Loan)?))),
        (None, Some(ext)) => Ok(LoanRef::External(ext)),
        _ => Err(ServiceError::user(
            UserError::invalid(&["loanId"], UserErrorReason::ExactlyOneRequired)
                .with_param("fields", vec!["loanId", "loanExternalId"]),
        )),
    })
}

#[derive(Default)]
pub struct LoanMutation;

#[Object]
impl LoanMutation {
    /// Creates or updates a borrower of the caller's MFO (MFO_STAFF, MFO_MANAGER).
    async fn upsert_borrower(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The borrower; keyed by `externalId` within the caller's MFO.")] input: UpsertBorrowerInput,
    ) -> async_graphql::Result<BorrowerPayload> {
        let p = ctx.principal()?;
        BorrowerPayload::from_result(svc::upsert_borrower(ctx.services(), p, input.into_service()).await.map(Borrower))
    }

    /// Creates or updates a loan with its terms and full schedule (MFO_STAFF, MFO_MANAGER).
    async fn upsert_loan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan and its full schedule; keyed by `externalId` within the caller's MFO.")]
        input: UpsertLoanInput,
    ) -> async_graphql::Result<LoanPayload> {
        let p = ctx.principal()?;
        let input = match input.into_service() {
            Ok(input) => input,
            Err(e) => return LoanPayload::from_result(Err(e)),
        };
        LoanPayload::from_result(svc::upsert_loan(ctx.services(), p, input).await.map(Loan))
    }

    /// Records money received on a loan (MFO_STAFF, MFO_MANAGER).
    async fn record_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The payment; keyed by `externalId`, so a retry records nothing new.")]
        input: RecordPaymentInput,
    ) -> async_graphql::Result<PaymentPayload> {
        let p = ctx.principal()?;
        let result = match loan_ref(input.loan_id, input.loan_external_id)? {
            Ok(loan) => {
                let input = svc::PaymentInput {
                    loan,
                    external_id: input.external_id,
                    paid_at: input.paid_at,
                    amount: input.amount,
                };
                svc::record_payment(ctx.services(), p, input).await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok((payment, loan)) => {
                Ok(PaymentPayload { payment: Some(Payment(payment)), loan: Some(Loan(loan)), user_errors: vec![] })
            }
            Err(crate::error::ServiceError::User(errors)) => Ok(PaymentPayload {
                payment: None,
                loan: None,
                user_errors: errors.into_iter().map(Into::into).collect(),
            }),
            Err(e) => Err(top_level(e)),
        }
    }

    /// Records a court act, enforcement inscription, settlement, assignment or insolvency
    /// procedure on a loan (MFO_STAFF, MFO_MANAGER).
    async fn record_loan_legal_fact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The loan, the fact and its date.")] input: RecordLoanLegalFactInput,
    ) -> async_graphql::Result<LoanPayload> {
        let p = ctx.principal()?;
        let result = match loan_ref(input.loan_id, input.loan_external_id)? {
            Ok(loan) => {
                let input = svc::LegalFactInput {
                    loan,
                    kind: input.kind,
                    occurred_on: input.occurred_on.0,
                    ended_on: input.ended_on.map(|d| d.0),
                    assignee: input.assignee,
                };
                svc::record_legal_fact(ctx.services(), p, input).await
            }
            Err(e) => Err(e),
        };
        LoanPayload::from_result(result.map(Loan))
    }
}
