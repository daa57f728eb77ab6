//! The statistics' statements: grouped counts over the selects of a table (and its deadline),
//! the timeliness CASE, and the JSON arrays each engine unnests its own way. Constant SQL
//! text only; every value is bound.

use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use super::Scope;
use crate::error::ServiceResult;

pub(super) fn col(table: &str, c: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(c)))
}

/// `(group, key, count)` rows of `SELECT g, k, COUNT(*) … GROUP BY g, k`.
pub(super) async fn grouped(
    db: &impl ConnectionTrait,
    mut q: SelectStatement,
    g: Expr,
    k: Expr,
) -> ServiceResult<Vec<(Uuid, String, i64)>> {
    q.expr_as(g.clone(), Alias::new("g"))
        .expr_as(k.clone(), Alias::new("k"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        // By position: PostgreSQL would not see two bound copies of an expression as one.
        .add_group_by([Expr::cust("1"), Expr::cust("2")]);
    rows(db, db.get_database_backend().build(&q)).await
}

pub(super) async fn rows(db: &impl ConnectionTrait, stmt: Statement) -> ServiceResult<Vec<(Uuid, String, i64)>> {
    let mut out = Vec::new();
    for r in db.query_all_raw(stmt).await? {
        let g: Uuid = r.try_get("", "g")?;
        let k: Option<String> = r.try_get("", "k")?;
        let n: i64 = r.try_get("", "n")?;
        out.push((g, k.unwrap_or_else(|| "NONE".to_owned()), n));
    }
    Ok(out)
}

pub(super) fn from(table: &str) -> SelectStatement {
    Query::select().from_as(Alias::new(table), Alias::new("t")).to_owned()
}

/// `t` joined to its deadline `d` of `kind`.
pub(super) fn with_deadline(table: &str, kind: &str) -> SelectStatement {
    let mut q = from(table);
    q.join_as(
        JoinType::InnerJoin,
        Alias::new("deadline"),
        Alias::new("d"),
        Condition::all()
            .add(col("d", "subject_id").equals((Alias::new("t"), Alias::new("id"))))
            .add(col("d", "kind").eq(kind)),
    );
    q
}

/// A duty's outcome from its deadline `d` and whether the record is done (`done`) or still
/// waiting for it (`waiting`), both SQL over `t`'s columns, constant text only.
pub(super) fn timeliness(done: &str, waiting: &str) -> Expr {
    Expr::cust(format!(
        "CASE WHEN d.status = 'MET' THEN 'ON_TIME' \
         WHEN d.status = 'MISSED' AND {done} THEN 'LATE' \
         WHEN d.status = 'MISSED' AND {waiting} THEN 'OPEN_OVERDUE' \
         WHEN d.status = 'OPEN' THEN 'OPEN' ELSE 'OTHER' END"
    ))
}

pub(super) const COMPLAINT_ANSWERED: &str = "t.status IN ('ANSWERED', 'ANSWERED_ORALLY')";
pub(super) const COMPLAINT_WAITING: &str = "t.status IN ('REGISTERED', 'FORWARDED', 'UNDER_REVIEW')";
pub(super) const APPLICATION_DECIDED: &str = "t.status IN ('APPROVED', 'COUNTER_PROPOSED', 'AGREED', 'COUNTER_REJECTED', 'REFUSED', 'DEEMED_REFUSED', 'IMPLEMENTED')";
pub(super) const APPLICATION_WAITING: &str = "t.status IN ('REGISTERED', 'DOCUMENTS_REQUESTED')";

/// Requested measures (`[{measure, text}]`), one row per measure: a JSON array unnested in
/// the database, which the two engines spell differently.
pub(super) fn measure_statement(s: &Scope, filtered: SelectStatement) -> Statement {
    let mut ids = filtered;
    ids.column((Alias::new("t"), Alias::new("id")));
    let inner = s.backend.build(&ids);
    let sql = match s.backend {
        DbBackend::Postgres => format!(
            "SELECT a.mfo_id AS g, m.value->>'measure' AS k, COUNT(*) AS n FROM restructuring_application a \
             CROSS JOIN LATERAL jsonb_array_elements(a.requested_measures) AS m(value) \
             WHERE a.id IN ({}) GROUP BY a.mfo_id, m.value->>'measure'",
            inner.sql
        ),
        _ => format!(
            "SELECT a.mfo_id AS g, json_extract(m.value, '$.measure') AS k, COUNT(*) AS n \
             FROM restructuring_application a, json_each(a.requested_measures) AS m \
             WHERE a.id IN ({}) GROUP BY a.mfo_id, json_extract(m.value, '$.measure')",
            inner.sql
        ),
    };
    Statement { sql, ..inner }
}

/// Violated rules (a JSON array of rule IDs), one row per rule, by MFO or contactor.
pub(super) fn violation_statement(s: &Scope, filtered: SelectStatement, by_contactor: bool) -> Statement {
    let mut ids = filtered;
    ids.column((Alias::new("t"), Alias::new("id")));
    let inner = s.backend.build(&ids);
    let g = if by_contactor { "c.contactor_org_id" } else { "c.mfo_id" };
    let sql = match s.backend {
        DbBackend::Postgres => format!(
            "SELECT {g} AS g, v.value AS k, COUNT(*) AS n FROM contact_event c \
             CROSS JOIN LATERAL jsonb_array_elements_text(c.violations) AS v(value) \
             WHERE c.id IN ({}) GROUP BY {g}, v.value",
            inner.sql
        ),
        _ => format!(
            "SELECT {g} AS g, v.value AS k, COUNT(*) AS n FROM contact_event c, json_each(c.violations) AS v \
             WHERE c.id IN ({}) GROUP BY {g}, v.value",
            inner.sql
        ),
    };
    Statement { sql, ..inner }
}
