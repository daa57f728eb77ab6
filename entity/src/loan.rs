//! A microloan contract with its terms and the legal facts that bind what may be done.

use sea_orm::entity::prelude::*;

use crate::DbDecimal;
use crate::enums::{ClaimAssignee, Currency, Jurisdiction, LoanStatus, RepaymentOrder};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loan")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub mfo_id: Uuid,
    pub borrower_id: Uuid,
    /// The MFO's jurisdiction, copied at creation: it picks the calendar, time zone and policy.
    pub jurisdiction: Jurisdiction,
    /// The MFO's own id for the loan; unique per MFO.
    pub external_id: String,
    pub contract_number: String,
    pub contract_date: Date,
    pub currency: Currency,
    pub principal: DbDecimal,
    /// Annual nominal rate as a fraction (0.35 = 35 %).
    pub annual_rate: DbDecimal,
    pub term_months: i32,
    /// Credit limit for a credit line (C9.7); the principal otherwise.
    pub credit_limit: Option<DbDecimal>,
    pub status: LoanStatus,
    pub repayment_order: RepaymentOrder,
    /// Secured by a mortgage on real estate (R17.3: 180 days instead of 90).
    pub mortgage_secured: bool,
    /// The mortgaged real estate is the borrower's home (R16).
    pub secured_by_dwelling: bool,
    /// Taken for business purposes (R14 and R16 apply only to non-business loans).
    pub business_purpose: bool,
    /// The contract lets the MFO hand the debt to a collection agency (R17.2).
    pub contract_allows_agency: bool,
    pub court_act_on: Option<Date>,
    pub enforcement_inscription_on: Option<Date>,
    pub settlement_agreement_on: Option<Date>,
    /// A settlement on terms that reduced the obligation was carried out (R14).
    pub reducing_settlement_on: Option<Date>,
    /// The claim was assigned to a third party (R3).
    pub claim_assigned_on: Option<Date>,
    pub insolvency_from: Option<Date>,
    pub insolvency_to: Option<Date>,
    /// Due date of the oldest installment not fully paid: derived from the schedule and
    /// payments on every write, so lists can filter on overdue without loading schedules.
    pub first_unpaid_due_date: Option<Date>,
    /// The overdue episode (its first overdue day) whose R1 notice deadline was opened.
    pub notice_episode_since: Option<Date>,
    /// The `first_unpaid_due_date` the R1 sweep last examined: a loan is looked at again
    /// only when payments move it (or it first falls overdue).
    pub notice_checked_due_date: Option<Date>,
    /// X4: the contract's meeting window opens at this local time (NULL: the policy's).
    pub contract_meeting_window_start: Option<Time>,
    /// X4: and closes at this one, excluded (NULL: the policy's).
    pub contract_meeting_window_end: Option<Time>,
    /// X4: meetings a day the contract agreed (NULL: the policy's).
    pub contract_meetings_per_day: Option<i32>,
    /// X4: meetings a week (Monday to Sunday) the contract agreed (NULL: the policy's).
    pub contract_meetings_per_week: Option<i32>,
    /// X4: the contract agreed meetings on weekends and official days off too.
    pub contract_meetings_on_days_off: bool,
    /// Who the claim was assigned to (R14 applies to a collection agency only).
    pub claim_assignee: Option<ClaimAssignee>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
