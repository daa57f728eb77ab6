//! R2, R7, R8, R10, D1: the decision, its terms, the debt burden it was checked with and the
//! refusal letter as GraphQL types. Judgements (`lowered`, `withinLimit`) are `rules::restructuring`'s.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::decision;
use entity::enums::{CounterProposalResponse, DecisionKind, Language, PropertyMeasure, RepaymentOrder};
use rust_decimal::Decimal;

use crate::graphql::errors::not_found;
use crate::graphql::ids::{Kind, encode};
use crate::graphql::loaders::Loaders;
use crate::graphql::loans::loan_currency;
use crate::graphql::scalars::Date;
use crate::money::Money;
use crate::rules::restructuring::{Deferral, PropertyTerms, Terms};
use crate::services::restructuring as svc;

/// R2.2: a deferral of payments.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "DeferralInput")]
pub struct DeferralTerms {
    /// Months of deferral (whole calendar months).
    pub months: u32,
    /// Interest is deferred too (otherwise it is paid monthly during the deferral).
    #[graphql(default)]
    pub interest_too: bool,
}

/// R2.6–R2.8: the terms of a measure concerning mortgaged property.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "PropertyTermsInput")]
pub struct PropertyMeasureTerms {
    /// Which property measure.
    pub measure: PropertyMeasure,
    /// The agreed local date by which it is to be completed.
    pub complete_by: Date,
    /// Further terms, free text.
    pub note: Option<String>,
}

/// R2's measures as agreed or proposed.
#[derive(SimpleObject, InputObject, Clone, Default)]
#[graphql(input_name = "RestructuringTermsInput")]
pub struct RestructuringTerms {
    /// R2.1: the new annual rate as a fraction.
    pub new_annual_rate: Option<Decimal>,
    /// R2.2: a deferral of principal (and interest, if `interestToo`).
    pub deferral: Option<DeferralTerms>,
    /// R2.3: the new order in which payments are applied.
    pub repayment_order: Option<RepaymentOrder>,
    /// R2.4: months of the new schedule from the change.
    pub new_term_months: Option<u32>,
    /// R2.5: overdue principal forgiven, in the loan's currency (0 for none).
    #[graphql(default)]
    pub forgive_overdue_principal: Decimal,
    /// R2.5: overdue interest forgiven, in the loan's currency (0 for none).
    #[graphql(default)]
    pub forgive_overdue_interest: Decimal,
    /// R2.5: penalties cancelled.
    #[graphql(default)]
    pub cancel_penalties: bool,
    /// R2.6–R2.8: a measure concerning mortgaged property and its terms.
    pub property: Option<PropertyMeasureTerms>,
}

impl From<RestructuringTerms> for Terms {
    fn from(t: RestructuringTerms) -> Self {
        Terms {
            new_annual_rate: t.new_annual_rate,
            deferral: t.deferral.map(|d| Deferral { months: d.months, interest_too: d.interest_too }),
            repayment_order: t.repayment_order,
            new_term_months: t.new_term_months,
            forgive_overdue_principal: t.forgive_overdue_principal,
            forgive_overdue_interest: t.forgive_overdue_interest,
            cancel_penalties: t.cancel_penalties,
            property: t.property.map(|p| PropertyTerms {
                measure: p.measure,
                complete_by: p.complete_by.0,
                note: p.note,
            }),
        }
    }
}

impl From<Terms> for RestructuringTerms {
    fn from(t: Terms) -> Self {
        RestructuringTerms {
            new_annual_rate: t.new_annual_rate,
            deferral: t.deferral.map(|d| DeferralTerms { months: d.months, interest_too: d.interest_too }),
            repayment_order: t.repayment_order,
            new_term_months: t.new_term_months,
            forgive_overdue_principal: t.forgive_overdue_principal,
            forgive_overdue_interest: t.forgive_overdue_interest,
            cancel_penalties: t.cancel_penalties,
            property: t.property.map(|p| PropertyMeasureTerms {
                measure: p.measure,
                complete_by: Date(p.complete_by),
                note: p.note,
            }),
        }
    }
}

/// R7/R10: the debt-burden ratios the decision was checked with (NBK resolution No. 215:
/// monthly debt payments over monthly income), like for like: both sides spread the same
/// outstanding balance, arrears included, over the same remaining months, "before" under
/// the terms in force and "after" under the new ones. A schedule's monthly payment is its
/// heaviest calendar month (principal plus interest) from the decision's local date on.
/// The borrower's declared other monthly debt payments count on both sides.
#[derive(SimpleObject)]
pub struct DebtBurden {
    /// Ratio under the terms in force: (monthlyPaymentBefore + other payments) / income.
    pub before: Decimal,
    /// Ratio under the new terms: (monthlyPaymentAfter + other payments) / income.
    pub after: Decimal,
    /// The limit in force (NBK resolution No. 215).
    pub limit: Decimal,
    /// R10: the new terms' monthly payment is lower than what the terms in force give for
    /// the same balance and months.
    pub lowered: bool,
    /// R7: the ratio after the change is within the limit in force.
    pub within_limit: bool,
    /// R7: the monthly payment the terms in force give for the same balance, arrears
    /// included, and the same remaining months, in the loan's currency (null for decisions
    /// signed before it was recorded).
    pub monthly_payment_before: Option<Decimal>,
    /// R7: the monthly payment of the new schedule, in the loan's currency.
    pub monthly_payment_after: Option<Decimal>,
}

/// D1: the refusal letter.
#[derive(SimpleObject)]
pub struct RefusalLetter {
    /// The letter's language: Russian, or Kazakh for an application in Kazakh.
    pub language: Language,
    /// The letter with every D1 particular: borrower's name and address, creditor, application date and
    /// incoming number, contract number and date, motivated reason, authorised person.
    pub text: String,
}

/// R8: the MFO's answer.
pub struct Decision(pub decision::Model);

impl Decision {
    /// The currency of the loan the decision is about (its amounts come back at its scale).
    async fn currency(&self, ctx: &Context<'_>) -> async_graphql::Result<entity::enums::Currency> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let application = loaders.applications.load_one(self.0.application_id).await?.ok_or_else(not_found)?;
        loan_currency(ctx, application.loan_id).await
    }
}

/// R8: the MFO's answer.
#[Object]
impl Decision {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Decision, self.0.id)
    }
    /// Agreement, counter-proposal or refusal (R8).
    async fn kind(&self) -> DecisionKind {
        self.0.kind
    }
    /// A refusal drafted for an inadmissible application, waiting for the manager's signature.
    async fn draft(&self) -> bool {
        self.0.draft
    }
    /// The agreed or proposed terms (APPROVE, COUNTER_PROPOSAL); amounts at the loan's
    /// currency's scale.
    async fn terms(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<RestructuringTerms>> {
        let Some(terms) = self.0.terms.clone().and_then(|t| serde_json::from_value::<Terms>(t).ok()) else {
            return Ok(None);
        };
        let currency = self.currency(ctx).await?;
        let mut out = RestructuringTerms::from(terms);
        out.forgive_overdue_principal = Money::new(out.forgive_overdue_principal, currency).at_scale();
        out.forgive_overdue_interest = Money::new(out.forgive_overdue_interest, currency).at_scale();
        Ok(Some(out))
    }
    /// The motivated reasons of a refusal (R8.3, D1); at most 20,000 characters.
    #[graphql(complexity = "crate::graphql::budget::text_units(crate::services::MAX_TEXT_CHARS)")]
    async fn reasons(&self) -> Option<&str> {
        self.0.reasons.as_deref()
    }
    /// Who signed it (an MFO_MANAGER); null for an unsigned draft.
    async fn signatory_name(&self) -> Option<&str> {
        self.0.signatory_name.as_deref()
    }
    /// The signatory's position.
    async fn signatory_position(&self) -> Option<&str> {
        self.0.signatory_position.as_deref()
    }
    /// When it was signed (UTC instant); R8 is met if on or before the due date (local); R11's 15 calendar
    /// days count from it.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// When the borrower received it (R12, R13, R15 count from here).
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// R7/R10: the debt-burden check the terms passed; null for a refusal.
    async fn debt_burden(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DebtBurden>> {
        let (Some(before), Some(after), Some(limit)) = (self.0.burden_before, self.0.burden_after, self.0.burden_limit)
        else {
            return Ok(None);
        };
        let currency = self.currency(ctx).await?;
        Ok(Some(DebtBurden {
            before: before.0,
            after: after.0,
            limit: limit.0,
            lowered: crate::rules::restructuring::lowers_burden(
                self.0.burden_payment_before.zip(self.0.burden_payment_after).map(|(b, a)| (b.0, a.0)),
                (before.0, after.0),
            ),
            within_limit: crate::rules::restructuring::within_burden_limit(after.0, limit.0),
            monthly_payment_before: self.0.burden_payment_before.map(|d| Money::new(d.0, currency).at_scale()),
            monthly_payment_after: self.0.burden_payment_after.map(|d| Money::new(d.0, currency).at_scale()),
        }))
    }
    /// R12: the reply date the counter-proposal gives.
    async fn reply_by(&self) -> Option<Date> {
        self.0.reply_by.map(Date)
    }
    /// The borrower's answer to a counter-proposal (R12).
    async fn response(&self) -> Option<CounterProposalResponse> {
        self.0.response
    }
    /// When the borrower answered (UTC instant).
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.responded_at
    }
    /// When the agreed changes were made to the loan (R11; UTC instant).
    async fn implemented_at(&self) -> Option<DateTime<Utc>> {
        self.0.implemented_at
    }
    /// D1: the letter of a refusal, in Russian, or Kazakh for an application in Kazakh.
    async fn refusal_letter(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<RefusalLetter>> {
        if self.0.kind != DecisionKind::Refuse {
            return Ok(None);
        }
        let loaders = ctx.data_unchecked::<Loaders>();
        let application = loaders.applications.load_one(self.0.application_id).await?.ok_or_else(not_found)?;
        let (loan, borrower, mfo) = futures_util::try_join!(
            loaders.loans.load_one(application.loan_id),
            loaders.borrowers.load_one(application.borrower_id),
            loaders.organizations.load_one(application.mfo_id),
        )?;
        let (Some(loan), Some(borrower), Some(mfo)) = (loan, borrower, mfo) else { return Err(not_found()) };
        let records = svc::LetterRecords {
            decision: &self.0,
            application: &application,
            loan: &loan,
            borrower: &borrower,
            mfo: &mfo,
        };
        Ok(svc::refusal_letter(&records).map(|(language, text)| RefusalLetter { language, text }))
    }
}
