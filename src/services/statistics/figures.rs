//! One function per table of figures (complaints, applications, contacts, assignments,
//! deferrals, escalations, deadlines, weeks), each counting in the database. Nothing here
//! decides who may ask; `authorize` has done that.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, Duration};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, IntoCondition, JoinType, SimpleExpr};
use uuid::Uuid;

use super::sql::{
    APPLICATION_DECIDED, APPLICATION_WAITING, COMPLAINT_ANSWERED, COMPLAINT_WAITING, col, from, grouped,
    measure_statement, rows, timeliness, violation_statement, with_deadline,
};
use super::{AgencyFigures, ContactFigures, Figures, Scope, Timeliness, WeekFigures, start_of};
use crate::error::ServiceResult;

/// For each `(mfo, key, count)` row: `$body` with `$f` the MFO's figures in `$mfos`, `$k`
/// the key as `&str`, and `$n` the count.
macro_rules! each {
    ($mfos:expr, $rows:expr, |$f:ident, $k:ident, $n:ident| $body:expr) => {
        for (g, $k, $n) in $rows {
            let $f = $mfos.entry(g).or_default();
            let $k = $k.as_str();
            $body;
        }
    };
}

/// Complaints (C1–C9).
pub(super) async fn complaint_figures(
    db: &impl ConnectionTrait,
    s: &Scope,
    mfos: &mut HashMap<Uuid, Figures>,
) -> ServiceResult<()> {
    let c = || from("complaint").cond_where(s.mfo_duties("t", "mfo_id", "received_at")).to_owned();
    let g = || col("t", "mfo_id");
    each!(mfos, grouped(db, c(), g(), col("t", "channel")).await?, |f, k, n| {
        f.complaints.total += n;
        *f.complaints.by_channel.entry(k.to_owned()).or_default() += n
    });
    each!(mfos, grouped(db, c(), g(), col("t", "kind")).await?, |f, k, n| *f
        .complaints
        .by_kind
        .entry(k.to_owned())
        .or_default() += n);
    each!(mfos, grouped(db, c(), g(), col("t", "form")).await?, |f, k, n| *f
        .complaints
        .by_form
        .entry(k.to_owned())
        .or_default() += n);
    each!(mfos, grouped(db, c(), g(), col("t", "language")).await?, |f, k, n| *f
        .complaints
        .by_language
        .entry(k.to_owned())
        .or_default() += n);
    each!(mfos, grouped(db, c(), g(), col("t", "status")).await?, |f, k, n| *f
        .complaints
        .by_outcome
        .entry(k.to_owned())
        .or_default() += n);
    let left = c().and_where(col("t", "status").eq("LEFT_WITHOUT_CONSIDERATION")).to_owned();
    each!(mfos, grouped(db, left, g(), col("t", "closure_reason")).await?, |f, k, n| *f
        .complaints
        .left_without_consideration_by_reason
        .entry(k.to_owned())
        .or_default() += n);
    let extended = c().and_where(col("t", "extended_at").is_not_null()).to_owned();
    each!(mfos, grouped(db, extended, g(), Expr::cust("'E'")).await?, |f, _k, n| f.complaints.extensions_used += n);
    let c8 =
        |kind: &str| with_deadline("complaint", kind).cond_where(s.mfo_duties("t", "mfo_id", "received_at")).to_owned();
    each!(
        mfos,
        grouped(db, c8("COMPLAINT_ANSWER"), g(), timeliness(COMPLAINT_ANSWERED, COMPLAINT_WAITING)).await?,
        |f, k, n| f.complaints.answer.add(k, n)
    );
    each!(mfos, grouped(db, c8("COMPLAINT_REGISTRATION"), g(), col("d", "status")).await?, |f, k, n| f
        .complaints
        .registration
        .add(k, n));
    each!(mfos, grouped(db, c8("COMPLAINT_ACKNOWLEDGEMENT"), g(), col("d", "status")).await?, |f, k, n| f
        .complaints
        .acknowledgement
        .add(k, n));
    // C9: information requests.
    let ir = || from("info_request").cond_where(s.mfo_duties("t", "mfo_id", "received_at")).to_owned();
    let beyond = Expr::cust("CASE WHEN t.beyond_free_monthly THEN 'BEYOND' ELSE 'FREE' END");
    each!(mfos, grouped(db, ir(), g(), beyond).await?, |f, k, n| {
        f.complaints.info_requests += n;
        if k == "BEYOND" {
            f.complaints.info_requests_beyond_free += n
        }
    });
    let c9 = with_deadline("info_request", "INFO_REQUEST_ANSWER")
        .cond_where(s.mfo_duties("t", "mfo_id", "received_at"))
        .to_owned();
    each!(mfos, grouped(db, c9, g(), timeliness("t.status = 'ANSWERED'", "t.status = 'OPEN'")).await?, |f, k, n| f
        .complaints
        .info_requests_answer
        .add(k, n));
    Ok(())
}

/// Restructuring applications (R2–R16).
pub(super) async fn application_figures(
    db: &impl ConnectionTrait,
    s: &Scope,
    mfos: &mut HashMap<Uuid, Figures>,
) -> ServiceResult<()> {
    let g = || col("t", "mfo_id");
    let a = || from("restructuring_application").cond_where(s.mfo_duties("t", "mfo_id", "received_at")).to_owned();
    each!(mfos, grouped(db, a(), g(), col("t", "status")).await?, |f, k, n| {
        f.applications.total += n;
        *f.applications.by_status.entry(k.to_owned()).or_default() += n;
        let outcome = match k {
            "DEEMED_REFUSED" => Some("DEEMED_REFUSAL"),
            "LEFT_WITHOUT_REVIEW" => Some("LEFT_WITHOUT_REVIEW"),
            _ => None,
        };
        if let Some(o) = outcome {
            *f.applications.by_outcome.entry(o.to_owned()).or_default() += n
        }
    });
    let decided = a()
        .join_as(
            JoinType::InnerJoin,
            Alias::new("decision"),
            Alias::new("d"),
            Condition::all()
                .add(col("d", "application_id").equals((Alias::new("t"), Alias::new("id"))))
                .add(col("d", "draft").eq(false))
                .add(col("d", "decided_at").is_not_null()),
        )
        .to_owned();
    each!(mfos, grouped(db, decided, g(), col("d", "kind")).await?, |f, k, n| {
        let o = match k {
            "APPROVE" => "APPROVED",
            "REFUSE" => "REFUSED",
            other => other,
        };
        *f.applications.by_outcome.entry(o.to_owned()).or_default() += n
    });
    let measures = measure_statement(s, a());
    each!(mfos, rows(db, measures).await?, |f, k, n| *f
        .applications
        .by_measure_requested
        .entry(k.to_owned())
        .or_default() += n);
    let r8 = with_deadline("restructuring_application", "APPLICATION_DECISION")
        .cond_where(s.mfo_duties("t", "mfo_id", "received_at"))
        .to_owned();
    each!(mfos, grouped(db, r8, g(), timeliness(APPLICATION_DECIDED, APPLICATION_WAITING)).await?, |f, k, n| f
        .applications
        .decision
        .add(k, n));
    let r11 = with_deadline("restructuring_application", "DECISION_IMPLEMENTATION")
        .cond_where(s.mfo_duties("t", "mfo_id", "received_at"))
        .to_owned();
    each!(mfos, grouped(db, r11, g(), col("d", "status")).await?, |f, k, n| f.applications.implementation.add(k, n));
    let appeals = from("regulator_appeal").cond_where(s.mfo_duties("t", "mfo_id", "filed_at")).to_owned();
    let outcome = Expr::cust("CASE WHEN t.outcome IS NULL THEN t.status ELSE t.outcome END");
    each!(mfos, grouped(db, appeals.clone(), g(), outcome).await?, |f, k, n| {
        f.applications.appeals += n;
        *f.applications.appeals_by_outcome.entry(k.to_owned()).or_default() += n
    });
    let home = appeals.clone().and_where(col("t", "home_protected_until").is_not_null()).to_owned();
    each!(mfos, grouped(db, home, g(), Expr::cust("'H'")).await?, |f, _k, n| f.applications.home_protection_windows +=
        n);
    Ok(())
}

/// Contacts (X2–X7), per MFO and per contacting organisation.
pub(super) async fn contact_figures(
    db: &impl ConnectionTrait,
    s: &Scope,
    agency_ids: &BTreeSet<Uuid>,
    mfos: &mut HashMap<Uuid, Figures>,
    agencies: &mut HashMap<Uuid, AgencyFigures>,
) -> ServiceResult<()> {
    let g = || col("t", "mfo_id");
    for by_agency in [false, true] {
        let group = if by_agency { col("t", "contactor_org_id") } else { g() };
        let ct = || from("contact_event").cond_where(s.contacts()).to_owned();
        let mut add = |id: Uuid, apply: &dyn Fn(&mut ContactFigures)| {
            if by_agency {
                if agency_ids.contains(&id) {
                    apply(&mut agencies.entry(id).or_default().contacts);
                }
            } else {
                apply(&mut mfos.entry(id).or_default().contacts);
            }
        };
        for (id, k, n) in grouped(db, ct(), group.clone(), col("t", "channel")).await? {
            add(id, &|c| {
                c.total += n;
                *c.by_channel.entry(k.clone()).or_default() += n;
            });
        }
        let flagged = Expr::cust("CASE WHEN CAST(t.violations AS TEXT) = '[]' THEN 'CLEAN' ELSE 'FLAGGED' END");
        for (id, k, n) in grouped(db, ct(), group.clone(), flagged).await? {
            if k == "FLAGGED" {
                add(id, &|c| c.with_violations += n);
            }
        }
        for (id, k, n) in rows(db, violation_statement(s, ct(), by_agency)).await? {
            add(id, &|c| *c.by_violated_rule.entry(k.clone()).or_default() += n);
        }
    }
    Ok(())
}

/// Assignments (R17.2), per MFO and per agency.
pub(super) async fn assignment_figures(
    db: &impl ConnectionTrait,
    s: &Scope,
    mfos: &mut HashMap<Uuid, Figures>,
    agencies: &mut HashMap<Uuid, AgencyFigures>,
) -> ServiceResult<()> {
    let asg = || {
        from("collection_assignment")
            .join_as(
                JoinType::InnerJoin,
                Alias::new("loan"),
                Alias::new("l"),
                col("l", "id").equals((Alias::new("t"), Alias::new("loan_id"))).into_condition(),
            )
            .cond_where(s.assignments())
            .to_owned()
    };
    each!(mfos, grouped(db, asg(), col("l", "mfo_id"), Expr::cust("'A'")).await?, |f, _k, n| f.assignments += n);
    for (id, _, n) in grouped(db, asg(), col("t", "agency_id"), Expr::cust("'A'")).await? {
        agencies.entry(id).or_default().assignments += n;
    }
    Ok(())
}

/// Conscript deferrals (M1).
pub(super) async fn deferral_figures(
    db: &impl ConnectionTrait,
    s: &Scope,
    mfos: &mut HashMap<Uuid, Figures>,
) -> ServiceResult<()> {
    let g = || col("t", "mfo_id");
    let d = || from("military_deferral").cond_where(s.mfo_duties("t", "mfo_id", "bureau_received_at")).to_owned();
    each!(mfos, grouped(db, d(), g(), col("t", "status")).await?, |f, k, n| {
        f.deferrals.total += n;
        *f.deferrals.by_status.entry(k.to_owned()).or_default() += n
    });
    let m1 = with_deadline("military_deferral", "MILITARY_DEFERRAL_GRANT")
        .cond_where(s.mfo_duties("t", "mfo_id", "bureau_received_at"))
        .to_owned();
    each!(mfos, grouped(db, m1, g(), col("d", "status")).await?, |f, k, n| f.deferrals.grant.add(k, n));
    Ok(())
}

/// Escalations, by kind and rule (severity and kind follow from the pair).
pub(super) async fn escalation_figures(
    db: &impl ConnectionTrait,
    s: &Scope,
    agency_ids: &BTreeSet<Uuid>,
    mfos: &mut HashMap<Uuid, Figures>,
    agencies: &mut HashMap<Uuid, AgencyFigures>,
) -> ServiceResult<()> {
    let esc = || from("escalation").cond_where(s.escalations()).to_owned();
    let pair = Expr::cust("t.kind || ':' || t.rule");
    each!(mfos, grouped(db, esc(), col("t", "org_id"), pair.clone()).await?, |f, k, n| {
        let (kind, rule) = k.split_once(':').unwrap_or((k, ""));
        f.escalations.total += n;
        *f.escalations.by_kind.entry(kind.to_owned()).or_default() += n;
        *f.escalations.by_rule.entry(rule.to_owned()).or_default() += n;
        let severity = sea_orm::ActiveEnum::try_from_value(&kind.to_owned())
            .map(|kind| sea_orm::ActiveEnum::to_value(&crate::services::escalations::severity(kind, rule)))
            .unwrap_or_else(|_| "UNKNOWN".to_owned());
        *f.escalations.by_severity.entry(severity).or_default() += n
    });
    let acked = esc().and_where(col("t", "acknowledged_at").is_not_null()).to_owned();
    each!(mfos, grouped(db, acked, col("t", "org_id"), Expr::cust("'A'")).await?, |f, _k, n| f
        .escalations
        .acknowledged += n);
    let responsible = esc().and_where(col("t", "responsible_org_id").is_not_null()).to_owned();
    for (id, _, n) in grouped(db, responsible, col("t", "responsible_org_id"), Expr::cust("'E'")).await? {
        if agency_ids.contains(&id) {
            agencies.entry(id).or_default().escalations += n;
        }
    }
    Ok(())
}

/// Deadlines due in the period.
pub(super) async fn deadline_figures(
    db: &impl ConnectionTrait,
    s: &Scope,
    mfos: &mut HashMap<Uuid, Figures>,
) -> ServiceResult<()> {
    let dl = from("deadline").cond_where(s.deadlines()).to_owned();
    each!(mfos, grouped(db, dl, col("t", "org_id"), col("t", "status")).await?, |f, k, n| f.deadlines.add(k, n));
    Ok(())
}

/// C8 of the complaints received in each week (Monday to Sunday, local) that meets the
/// period: one statement grouping by a CASE over the weeks' UTC bounds.
pub(super) async fn weekly(db: &impl ConnectionTrait, s: &Scope) -> ServiceResult<Vec<WeekFigures>> {
    let first = s.from - Duration::days(i64::from(s.from.weekday().num_days_from_monday()));
    let mut starts = Vec::new();
    let mut w = first;
    while w <= s.to {
        starts.push(w);
        w += Duration::days(7);
    }
    // Bucket i: received in [start of week i, start of week i+1), clipped to the period by
    // the WHERE; the bounds are bound values, the labels constants.
    let mut case = sea_orm::sea_query::CaseStatement::new();
    for (i, start) in starts.iter().enumerate() {
        let next = start_of(s.j, *start + Duration::days(7));
        case = case.case(col("t", "received_at").lt(next), Expr::val(i as i64));
    }
    let bucket: SimpleExpr = case.finally(Expr::val(-1i64)).into();
    let mut q = with_deadline("complaint", "COMPLAINT_ANSWER")
        .cond_where(s.mfo_duties("t", "mfo_id", "received_at"))
        .to_owned();
    let key = timeliness(COMPLAINT_ANSWERED, COMPLAINT_WAITING);
    q.expr_as(bucket.clone(), Alias::new("b"))
        .expr_as(key.clone(), Alias::new("k"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .add_group_by([Expr::cust("1"), Expr::cust("2")]);
    let mut weeks: Vec<WeekFigures> =
        starts.iter().map(|w| WeekFigures { week_start: *w, answer: Timeliness::default() }).collect();
    for r in db.query_all_raw(db.get_database_backend().build(&q)).await? {
        let b: i64 = r.try_get("", "b")?;
        let k: String = r.try_get("", "k")?;
        let n: i64 = r.try_get("", "n")?;
        if let Some(w) = usize::try_from(b).ok().and_then(|b| weeks.get_mut(b)) {
            w.answer.add(&k, n);
        }
    }
    Ok(weeks)
}
