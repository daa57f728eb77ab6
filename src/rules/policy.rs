//! Policy versions: every figure of docs/law.md, per jurisdiction, in force from a date
//! (docs/law.md, "Figures are data"). The shipped versions are `policies/*.json`; operators
//! add newer ones as data. A deadline or verdict uses the version in force when its clock
//! started and records which one.

use chrono::{NaiveDate, NaiveTime};
use entity::enums::Jurisdiction;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub name: String,
    pub complaints: Complaints,
    pub info_requests: InfoRequests,
    pub delinquency: Delinquency,
    pub restructuring: Restructuring,
    pub assignment: Assignment,
    pub contact: Contact,
    pub military: Military,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Complaints {
    /// C4
    pub registration_business_days: u32,
    /// C5
    pub acknowledgement_business_days: u32,
    /// C8
    pub answer_business_days: u32,
    /// C8
    pub extension_business_days: u32,
    /// C8
    pub max_extensions: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InfoRequests {
    /// C9
    pub answer_business_days: u32,
    /// C9
    pub free_per_calendar_month: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delinquency {
    /// R1
    pub notice_calendar_days: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restructuring {
    /// R2, R3
    pub application_window_calendar_days: u32,
    /// R6
    pub documents_business_days: u32,
    /// R8
    pub decision_calendar_days: u32,
    /// R11
    pub implementation_calendar_days: u32,
    /// R12
    pub counter_proposal_min_reply_calendar_days: u32,
    /// R13
    pub deemed_refusal_calendar_days: u32,
    /// R15
    pub appeal_calendar_days: u32,
    /// R16
    pub home_protection_calendar_days: u32,
    /// R7: the debt-burden ratio limit (monthly debt payments / monthly income).
    pub debt_burden_limit: Decimal,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// R17.3: more than this many consecutive overdue days for other loans.
    pub min_overdue_days: u32,
    /// R17.3: for mortgage-secured loans.
    pub min_overdue_days_mortgage: u32,
    /// R14
    pub agency_reducing_settlement_window_months: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// X3, X4: the window opens at this local time (included).
    pub window_start: NaiveTime,
    /// X3, X4: and closes at this one (excluded).
    pub window_end: NaiveTime,
    /// X3
    pub calls_per_day: u32,
    /// X4
    pub meetings_per_week: u32,
    /// X4
    pub meetings_per_day: u32,
    /// X7
    pub details_change_report_calendar_days: u32,
    /// Not a figure of the law: how long a clearance `permittedActions` issues covers a
    /// contact, in minutes from its issue (the verdict may change after that: a call
    /// counted, the window closed). Returned with each clearance as `clearanceExpiresAt`.
    pub clearance_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Military {
    /// M1
    pub grant_calendar_days: u32,
    /// M1, M4, M5: days after service end (or discharge) the deferral still runs.
    pub deferral_extra_days: u32,
    /// M3
    pub refusal_calendar_days: u32,
    /// M3
    pub refusal_confirmation_calendar_days: u32,
}

/// One stored version: its identity and its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyVersion {
    pub id: Uuid,
    pub jurisdiction: Jurisdiction,
    pub effective_from: NaiveDate,
    pub policy: Policy,
}

/// All versions, to pick the one in force at a date.
#[derive(Debug, Clone, Default)]
pub struct PolicyBook {
    versions: Vec<PolicyVersion>,
}

impl PolicyBook {
    pub fn new(mut versions: Vec<PolicyVersion>) -> Self {
        versions.sort_by_key(|v| (v.jurisdiction, v.effective_from));
        Self { versions }
    }

    /// The version of `j` in force on the local date `on`: the latest one not after it.
    pub fn in_force(&self, j: Jurisdiction, on: NaiveDate) -> Option<&PolicyVersion> {
        self.versions.iter().rev().find(|v| v.jurisdiction == j && v.effective_from <= on)
    }

    /// The earliest version of `j`: before its date, none of the rules applied here was law.
    pub fn first(&self, j: Jurisdiction) -> Option<&PolicyVersion> {
        self.versions.iter().find(|v| v.jurisdiction == j)
    }
}

/// A policy version as an operator imports it (`mfo-api policy import FILE.json`): the
/// jurisdiction, the first local date it governs, and the figures, whose shape is
/// `Policy` (unknown fields refused at every level).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    pub jurisdiction: Jurisdiction,
    pub effective_from: NaiveDate,
    pub figures: Policy,
}

impl PolicyFile {
    /// Parses a file; the error says where it does not fit the figures' schema.
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("the file does not fit the policy schema: {e}"))
    }
}

/// What is wrong with a set of figures beyond its shape: every period a positive number
/// of days (or months), the contact window opening before it closes, and the debt-burden
/// limit a ratio in (0, 1]. Each problem names its field.
pub fn problems(p: &Policy) -> Vec<String> {
    let mut out = Vec::new();
    let periods: [(&str, u32); 23] = [
        ("complaints.registration_business_days", p.complaints.registration_business_days),
        ("complaints.acknowledgement_business_days", p.complaints.acknowledgement_business_days),
        ("complaints.answer_business_days", p.complaints.answer_business_days),
        ("complaints.extension_business_days", p.complaints.extension_business_days),
        ("info_requests.answer_business_days", p.info_requests.answer_business_days),
        ("delinquency.notice_calendar_days", p.delinquency.notice_calendar_days),
        ("restructuring.application_window_calendar_days", p.restructuring.application_window_calendar_days),
        ("restructuring.documents_business_days", p.restructuring.documents_business_days),
        ("restructuring.decision_calendar_days", p.restructuring.decision_calendar_days),
        ("restructuring.implementation_calendar_days", p.restructuring.implementation_calendar_days),
        (
            "restructuring.counter_proposal_min_reply_calendar_days",
            p.restructuring.counter_proposal_min_reply_calendar_days,
        ),
        ("restructuring.deemed_refusal_calendar_days", p.restructuring.deemed_refusal_calendar_days),
        ("restructuring.appeal_calendar_days", p.restructuring.appeal_calendar_days),
        ("restructuring.home_protection_calendar_days", p.restructuring.home_protection_calendar_days),
        ("assignment.min_overdue_days", p.assignment.min_overdue_days),
        ("assignment.min_overdue_days_mortgage", p.assignment.min_overdue_days_mortgage),
        ("assignment.agency_reducing_settlement_window_months", p.assignment.agency_reducing_settlement_window_months),
        ("contact.details_change_report_calendar_days", p.contact.details_change_report_calendar_days),
        ("contact.clearance_minutes", p.contact.clearance_minutes),
        ("military.grant_calendar_days", p.military.grant_calendar_days),
        ("military.deferral_extra_days", p.military.deferral_extra_days),
        ("military.refusal_calendar_days", p.military.refusal_calendar_days),
        ("military.refusal_confirmation_calendar_days", p.military.refusal_confirmation_calendar_days),
    ];
    for (field, value) in periods {
        if value == 0 {
            out.push(format!("{field} must be positive"));
        }
    }
    if p.contact.window_start >= p.contact.window_end {
        out.push(format!(
            "contact.window_start ({}) must be before contact.window_end ({})",
            p.contact.window_start, p.contact.window_end
        ));
    }
    let limit = p.restructuring.debt_burden_limit;
    if limit <= Decimal::ZERO || limit > Decimal::ONE {
        out.push(format!("restructuring.debt_burden_limit ({limit}) must be above 0 and at most 1"));
    }
    if p.name.trim().is_empty() {
        out.push("name must not be empty".to_owned());
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The shipped figures, as the migration seeds them.
    pub(crate) fn shipped(j: Jurisdiction) -> PolicyVersion {
        let (code, from) = match j {
            Jurisdiction::Kz => ("KZ", "2024-09-09"),
            Jurisdiction::Kg => ("KG", "2020-01-01"),
        };
        let (_, _, text) =
            migration::seed::POLICIES.iter().find(|(c, f, _)| *c == code && *f == from).expect("shipped policy");
        PolicyVersion {
            id: migration::seed::policy_id(code, from),
            jurisdiction: j,
            effective_from: NaiveDate::parse_from_str(from, "%Y-%m-%d").expect("date"),
            policy: serde_json::from_str(text).expect("shipped policy parses"),
        }
    }

    #[test]
    fn shipped_versions_carry_the_seed_figures() {
        let kz = shipped(Jurisdiction::Kz).policy;
        assert_eq!(kz.delinquency.notice_calendar_days, 20, "R1");
        assert_eq!(kz.restructuring.decision_calendar_days, 15, "R8");
        assert_eq!(kz.assignment.min_overdue_days, 90, "R17.3");
        assert_eq!(kz.contact.calls_per_day, 3, "X3");
        let kg = shipped(Jurisdiction::Kg).policy;
        assert_eq!(kg.complaints.answer_business_days, 10, "C8");
        assert_eq!(kg.info_requests.answer_business_days, 5, "C9");
    }

    #[test]
    fn the_version_in_force_is_the_latest_not_after_the_date() {
        let v1 = shipped(Jurisdiction::Kz);
        let mut v2 = v1.clone();
        v2.id = Uuid::nil();
        v2.effective_from = NaiveDate::from_ymd_opt(2025, 7, 1).expect("date");
        v2.policy.delinquency.notice_calendar_days = 10;
        let book = PolicyBook::new(vec![v2.clone(), v1.clone()]);
        let on = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert_eq!(book.in_force(Jurisdiction::Kz, on(2025, 6, 30)).map(|v| v.id), Some(v1.id));
        assert_eq!(book.in_force(Jurisdiction::Kz, on(2025, 7, 1)).map(|v| v.id), Some(v2.id));
        assert!(book.in_force(Jurisdiction::Kz, on(2024, 1, 1)).is_none());
        assert!(book.in_force(Jurisdiction::Kg, on(2025, 7, 1)).is_none());
        assert_eq!(book.first(Jurisdiction::Kz).map(|v| v.id), Some(v1.id));
    }

    fn file(edit: impl FnOnce(&mut serde_json::Value)) -> Result<PolicyFile, String> {
        let (_, _, text) = migration::seed::POLICIES.iter().find(|(c, _, _)| *c == "KZ").expect("shipped KZ");
        let mut v = serde_json::json!({
            "jurisdiction": "KZ",
            "effective_from": "2025-07-01",
            "figures": serde_json::from_str::<serde_json::Value>(text).expect("json"),
        });
        edit(&mut v);
        PolicyFile::parse(&v.to_string())
    }

    #[test]
    fn an_imported_file_must_fit_the_schema_exactly() {
        let ok = file(|_| {}).expect("the shipped figures fit");
        assert_eq!((ok.jurisdiction, ok.effective_from.to_string()), (Jurisdiction::Kz, "2025-07-01".to_owned()));
        assert!(problems(&ok.figures).is_empty());
        let unknown = file(|v| v["figures"]["delinquency"]["notice_days"] = 10.into()).expect_err("unknown field");
        assert!(unknown.contains("notice_days"), "{unknown}");
        assert!(file(|v| v["extra"] = 1.into()).is_err(), "unknown top-level field");
        assert!(file(|v| v["jurisdiction"] = "RU".into()).is_err());
        assert!(file(|v| v["figures"]["delinquency"]["notice_calendar_days"] = (-1).into()).is_err());
        assert!(
            file(|v| v["figures"].as_object_mut().expect("object").remove("military").map(|_| ()).unwrap_or(()))
                .is_err()
        );
    }

    #[test]
    fn an_imported_policy_needs_positive_periods_an_open_window_and_a_burden_limit_in_0_1() {
        let broken = |edit: fn(&mut Policy)| {
            let mut p = shipped(Jurisdiction::Kz).policy;
            edit(&mut p);
            problems(&p)
        };
        assert_eq!(
            broken(|p| p.delinquency.notice_calendar_days = 0),
            vec!["delinquency.notice_calendar_days must be positive"]
        );
        assert_eq!(broken(|p| p.contact.window_end = p.contact.window_start).len(), 1);
        assert_eq!(broken(|p| p.restructuring.debt_burden_limit = Decimal::ZERO).len(), 1);
        assert_eq!(broken(|p| p.restructuring.debt_burden_limit = Decimal::new(101, 2)).len(), 1);
        assert!(broken(|p| p.restructuring.debt_burden_limit = Decimal::ONE).is_empty(), "1 is allowed");
    }
}
