//! Data the schema ships with: the holiday calendars of `calendars/*.csv` and the policy
//! versions of `policies/*.json` (DOMAIN.md, "Figures change"). Also the calendar CSV
//! parser, which `mfo-api calendar import` reuses so a file means the same in both.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::{Date, DateTimeUtc, Uuid};

/// The namespace of the ids of shipped rows, so a policy version has the same id everywhere.
const SEED_NAMESPACE: Uuid = Uuid::from_u128(0x6d66_6f2d_6170_692d_7365_6564_0000_0001);

const CALENDARS: &[(&str, &str)] =
    &[("KZ", include_str!("../../calendars/KZ.csv")), ("KG", include_str!("../../calendars/KG.csv"))];

/// (jurisdiction, effective from, JSON figures)
pub const POLICIES: &[(&str, &str, &str)] = &[
    ("KZ", "2024-09-09", include_str!("../../policies/kz-2024-09-09.json")),
    ("KG", "2020-01-01", include_str!("../../policies/kg-2020-01-01.json")),
];

/// One line of a calendar file: `date,kind,name` with kind `day_off` or `working_day`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDay {
    pub date: Date,
    /// `DAY_OFF` or `WORKING_DAY`, as stored.
    pub kind: &'static str,
    pub name: String,
}

/// Parses a calendar CSV; the error names the line and what is wrong with it.
pub fn parse_calendar_csv(text: &str) -> Result<Vec<CalendarDay>, String> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim() == "date,kind,name" => {}
        _ => return Err("line 1: expected the header `date,kind,name`".to_owned()),
    }
    let mut days = Vec::new();
    for (i, line) in lines {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, ',');
        let (Some(date), Some(kind), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("line {line_no}: expected `date,kind,name`"));
        };
        let date = Date::parse_from_str(date.trim(), "%Y-%m-%d")
            .map_err(|_| format!("line {line_no}: `{date}` is not a YYYY-MM-DD date"))?;
        let kind = match kind.trim() {
            "day_off" => "DAY_OFF",
            "working_day" => "WORKING_DAY",
            other => return Err(format!("line {line_no}: kind `{other}` is neither day_off nor working_day")),
        };
        if days.iter().any(|d: &CalendarDay| d.date == date) {
            return Err(format!("line {line_no}: {date} is listed twice"));
        }
        days.push(CalendarDay { date, kind, name: name.trim().to_owned() });
    }
    Ok(days)
}

/// The id a shipped or imported calendar day gets: stable per (jurisdiction, date).
pub fn holiday_id(jurisdiction: &str, date: Date) -> Uuid {
    Uuid::new_v5(&SEED_NAMESPACE, format!("holiday:{jurisdiction}:{date}").as_bytes())
}

pub fn policy_id(jurisdiction: &str, effective_from: &str) -> Uuid {
    Uuid::new_v5(&SEED_NAMESPACE, format!("policy:{jurisdiction}:{effective_from}").as_bytes())
}

fn midnight(date: Date) -> DateTimeUtc {
    date.and_time(chrono::NaiveTime::MIN).and_utc()
}

pub(crate) async fn calendars(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    for (jurisdiction, text) in CALENDARS {
        let days =
            parse_calendar_csv(text).map_err(|e| DbErr::Migration(format!("calendars/{jurisdiction}.csv: {e}")))?;
        let mut insert = Query::insert();
        insert.into_table("holiday").columns(["id", "jurisdiction", "date", "kind", "name"]);
        for d in days {
            insert.values_panic([
                holiday_id(jurisdiction, d.date).into(),
                (*jurisdiction).into(),
                d.date.into(),
                d.kind.into(),
                d.name.into(),
            ]);
        }
        m.exec_stmt(insert).await?;
    }
    Ok(())
}

pub(crate) async fn policies(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    for (jurisdiction, from, text) in POLICIES {
        let figures: serde_json::Value =
            serde_json::from_str(text).map_err(|e| DbErr::Migration(format!("policy {jurisdiction} {from}: {e}")))?;
        let name = figures.get("name").and_then(|n| n.as_str()).unwrap_or(from).to_owned();
        let effective_from = Date::parse_from_str(from, "%Y-%m-%d")
            .map_err(|e| DbErr::Migration(format!("policy {jurisdiction} {from}: {e}")))?;
        let insert = Query::insert()
            .into_table("policy_version")
            .columns(["id", "jurisdiction", "effective_from", "name", "figures", "created_at"])
            .values_panic([
                policy_id(jurisdiction, from).into(),
                (*jurisdiction).into(),
                effective_from.into(),
                name.into(),
                figures.into(),
                midnight(effective_from).into(),
            ])
            .take();
        m.exec_stmt(insert).await?;
    }
    Ok(())
}

pub(crate) async fn chain_heads(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let insert = Query::insert()
        .into_table("chain_head")
        .columns(["name", "last_hash", "appended"])
        .values_panic(["audit".into(), "0".repeat(64).into(), 0i64.into()])
        .values_panic(["escalation".into(), "0".repeat(64).into(), 0i64.into()])
        .take();
    m.exec_stmt(insert).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_calendars_parse() {
        for (j, text) in CALENDARS {
            let days = parse_calendar_csv(text).expect(j);
            assert!(days.len() > 30, "{j} has {} days", days.len());
        }
    }

    #[test]
    fn a_bad_calendar_line_is_named() {
        let err = parse_calendar_csv("date,kind,name\n2026-01-01,holiday,New Year\n").unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
    }
}
