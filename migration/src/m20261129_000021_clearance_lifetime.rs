//! The lifetime of a `permittedActions` clearance becomes a figure of the policy
//! (`contact.clearance_minutes`) instead of a constant in code. Policy versions stored
//! before this step lack it: each gets the figure of its jurisdiction's shipped policy
//! file (`policies/*.json`, the one place the number is written), read here, so a
//! database migrated from before and a fresh one hold the same figures. Row by row in
//! Rust: JSON is stored differently by the two engines.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::seed::POLICIES;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000021_clearance_lifetime"
    }
}

/// The shipped clearance lifetime of a jurisdiction, from its policy file.
fn shipped_minutes(jurisdiction: &str) -> Result<serde_json::Value, DbErr> {
    POLICIES
        .iter()
        .filter(|(j, _, _)| *j == jurisdiction)
        .find_map(|(_, _, text)| {
            let figures: serde_json::Value = serde_json::from_str(text).ok()?;
            figures.get("contact")?.get("clearance_minutes").cloned()
        })
        .ok_or_else(|| DbErr::Migration(format!("no shipped clearance_minutes for {jurisdiction}")))
}

/// Rewrites each stored policy version's figures with `edit(jurisdiction, figures)`, which
/// says whether it changed them; only changed rows are written back.
async fn rewrite_figures(
    m: &SchemaManager<'_>,
    edit: impl Fn(&str, &mut serde_json::Value) -> Result<bool, DbErr>,
) -> Result<(), DbErr> {
    let db = m.get_connection();
    let select = Query::select().columns(["id", "jurisdiction", "figures"]).from("policy_version").to_owned();
    for row in db.query_all(&select).await? {
        let id: uuid::Uuid = row.try_get("", "id")?;
        let jurisdiction: String = row.try_get("", "jurisdiction")?;
        let mut figures: serde_json::Value = row.try_get("", "figures")?;
        if edit(&jurisdiction, &mut figures)? {
            let update = Query::update()
                .table("policy_version")
                .value("figures", figures)
                .and_where(Expr::col("id").eq(id))
                .to_owned();
            db.execute(&update).await?;
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        rewrite_figures(m, |jurisdiction, figures| {
            let Some(contact) = figures.get_mut("contact").and_then(|c| c.as_object_mut()) else { return Ok(false) };
            if contact.contains_key("clearance_minutes") {
                return Ok(false);
            }
            contact.insert("clearance_minutes".to_owned(), shipped_minutes(jurisdiction)?);
            Ok(true)
        })
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The code before this step refuses unknown figures: take the field out again.
        rewrite_figures(m, |_, figures| {
            Ok(figures
                .get_mut("contact")
                .and_then(|c| c.as_object_mut())
                .and_then(|c| c.remove("clearance_minutes"))
                .is_some())
        })
        .await
    }
}
