//! R2–R13: a borrower's application to change the loan's terms. Always registered (R5).

use sea_orm::entity::prelude::*;

use crate::DbDecimal;
use crate::enums::{ApplicationStatus, Jurisdiction, Language, SubmissionChannel};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "restructuring_application")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub mfo_id: Uuid,
    pub jurisdiction: Jurisdiction,
    pub loan_id: Uuid,
    pub borrower_id: Uuid,
    /// The MFO's incoming number, e.g. `R-2026/000012`, and its year and sequence.
    pub incoming_year: i32,
    pub incoming_seq: i32,
    pub received_at: DateTimeUtc,
    /// The date the borrower put on the application (D1 quotes it).
    pub application_date: Date,
    pub language: Language,
    pub channel: SubmissionChannel,
    /// R19: `[{ground, text}]`
    pub grounds: Json,
    /// R2: `[{measure, text}]`
    pub requested_measures: Json,
    pub monthly_income: Option<DbDecimal>,
    /// Monthly payments on the borrower's other debts (R7's numerator).
    pub other_monthly_debt_payments: DbDecimal,
    pub circumstances: Option<String>,
    /// `[{kind, name, checksum}]`
    pub documents: Json,
    pub status: ApplicationStatus,
    /// R2/R3 at receipt.
    pub overdue_since: Option<Date>,
    pub admissible: bool,
    /// The rule that decided admissibility at receipt: R2 (inside the window or not
    /// overdue) or R3 (after it), and the R3 facts that made it inadmissible.
    pub admissibility_rule: String,
    pub inadmissible_facts: Option<Json>,
    /// A notice to the borrower the MFO recorded automatically (R6: left without review):
    /// `{channel, text, sentAt}`.
    pub borrower_notice: Option<Json>,
    pub submitted_by: String,
    pub closed_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
