//! R1: the delinquency notice as a GraphQL type. Fields map the record; `recordDelinquencyNotice`
//! is in `mutation.rs`.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::delinquency_notice;
use entity::enums::{NoticeChannel, NoticeSender};
use rust_decimal::Decimal;

use crate::graphql::ids::{Kind, encode};
use crate::graphql::loans::loan_money;
use crate::graphql::scalars::Date;

/// R1: a delinquency notice.
pub struct DelinquencyNotice(pub delinquency_notice::Model);

/// R1: a delinquency notice.
#[Object]
impl DelinquencyNotice {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode(Kind::Notice, self.0.id)
    }
    /// When it was sent (UTC instant); R1 is met if its local date is within 20 calendar days of the overdue
    /// date.
    async fn sent_at(&self) -> DateTime<Utc> {
        self.0.sent_at
    }
    /// How it reached the borrower (X1).
    async fn channel(&self) -> NoticeChannel {
        self.0.channel
    }
    /// The MFO, or the collection agency it engaged to deliver the notice.
    async fn sender(&self) -> NoticeSender {
        self.0.sender
    }
    /// The overdue episode the notice is about.
    async fn overdue_since(&self) -> Date {
        Date(self.0.overdue_since)
    }
    /// R1 content 1: the amount owed, in the loan's currency.
    async fn overdue_amount(&self, ctx: &Context<'_>) -> async_graphql::Result<Decimal> {
        Ok(loan_money(ctx, self.0.loan_id, self.0.overdue_amount.0).await?.at_scale())
    }
    /// The local date the amount is stated as of (R1 content 1).
    async fn amount_as_of(&self) -> Date {
        Date(self.0.amount_as_of)
    }
    /// R1 content 2: it tells the borrower of the right to apply to the MFO (R2).
    async fn states_right_to_apply(&self) -> bool {
        self.0.states_right_to_apply
    }
    /// R1 content 3: it states the consequences of non-payment.
    async fn states_consequences(&self) -> bool {
        self.0.states_consequences
    }
    /// The notice's text, if recorded (at most 20,000 characters).
    #[graphql(complexity = "crate::graphql::budget::text_units(crate::services::MAX_TEXT_CHARS)")]
    async fn text(&self) -> Option<&str> {
        self.0.text.as_deref()
    }
}
