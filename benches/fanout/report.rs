//! The report: tallies the deliveries against what each subscriber's scope expects, and
//! prints latency, loss, statements, RSS and CPU, then the `FANOUT key=value …` line.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::Args;
use crate::measure::{Statements, commit_instants};
use crate::raise::{MEASURED_RULE, Phase, Raised};
use crate::scope::Kind;
use crate::subscriber::Outcome;

/// What the run measured, for the report.
pub(crate) struct Run {
    pub(crate) raised: HashMap<String, Raised>,
    pub(crate) per_subscriber: Vec<(Kind, usize, Outcome)>,
    pub(crate) before_subscribing: Statements,
    pub(crate) before_raising: Statements,
    pub(crate) after_raising: Statements,
    pub(crate) rss_idle: Vec<(f64, f64)>,
    pub(crate) rss_subscribed: Vec<(f64, f64)>,
    pub(crate) rss_end: Vec<(f64, f64)>,
    pub(crate) before_burst: (Vec<f64>, f64, (f64, f64)),
    pub(crate) after_burst: (Vec<f64>, f64, (f64, f64)),
    pub(crate) complete: bool,
    pub(crate) warmed: usize,
    pub(crate) open_s: f64,
}

/// Tallies `run` and prints it.
pub(crate) async fn report(args: &Args, run: Run) -> anyhow::Result<()> {
    let Run {
        raised,
        per_subscriber,
        before_subscribing,
        before_raising,
        after_raising,
        rss_idle,
        rss_subscribed,
        rss_end,
        before_burst,
        after_burst,
        complete,
        warmed,
        open_s,
    } = run;
    let n_instances = args.urls.len();

    // Tally.
    let mut lat: HashMap<(Phase, usize), Vec<f64>> = HashMap::new();
    // Received − the mutation's answer (lower bound of committed → received), and the
    // deliveries of each escalation, for its spread (received − its first delivery).
    let mut after_answer: HashMap<Phase, Vec<f64>> = HashMap::new();
    // Received − committed, exactly, where the database recorded the commit instants.
    let committed = match &args.database_url {
        Some(url) => commit_instants(url).await.unwrap_or_else(|e| {
            println!("fanout: commit instants not read: {e:#}");
            None
        }),
        None => None,
    };
    let mut after_commit: HashMap<Phase, Vec<f64>> = HashMap::new();
    let mut arrivals: HashMap<&str, Vec<DateTime<Utc>>> = HashMap::new();
    let (mut expected, mut received, mut duplicates, mut outside, mut unknown, mut problems) = (0, 0, 0, 0, 0, 0);
    let mut lost_by_kind: HashMap<&'static str, usize> = HashMap::new();
    let mut first_problem = None;
    for (kind, instance, outcome) in &per_subscriber {
        let mine = raised.values().filter(|r| kind.sees(r.mfo)).count();
        expected += mine;
        let mut seen = HashSet::new();
        let mut got = 0;
        for d in outcome.deliveries.iter().filter(|d| d.rule == MEASURED_RULE) {
            let Some(r) = raised.get(&d.subject) else {
                unknown += 1;
                continue;
            };
            if !seen.insert(d.id.as_str()) {
                duplicates += 1;
                continue;
            }
            if !kind.sees(r.mfo) {
                outside += 1;
                continue;
            }
            got += 1;
            lat.entry((r.phase, *instance)).or_default().push(ms(d.received - d.raised_at));
            after_answer.entry(r.phase).or_default().push(ms(d.received - r.responded));
            if let Some(at) = committed
                .as_ref()
                .and_then(|c| mfo_api::graphql::ids::parse(&d.id).and_then(|(_, uuid)| c.get(&uuid).copied()))
            {
                after_commit.entry(r.phase).or_default().push(ms(d.received - at));
            }
            arrivals.entry(d.subject.as_str()).or_default().push(d.received);
        }
        received += got;
        if got < mine {
            *lost_by_kind.entry(kind.label()).or_default() += mine - got;
        }
        if let Some(p) = &outcome.problem {
            problems += 1;
            first_problem.get_or_insert_with(|| p.clone());
        }
    }
    let lost = expected - received;
    let phase_lat = |p: Phase| -> Vec<f64> {
        lat.iter().filter(|((ph, _), _)| *ph == p).flat_map(|(_, v)| v.iter().copied()).collect()
    };
    let mut spread: HashMap<Phase, Vec<f64>> = HashMap::new();
    for (subject, times) in &arrivals {
        let (Some(r), Some(first)) = (raised.get(*subject), times.iter().min()) else { continue };
        spread.entry(r.phase).or_default().extend(times.iter().map(|t| ms(*t - *first)));
    }
    let (s50, s99, smax) = summary(&mut phase_lat(Phase::Spaced));
    let (b50, b99, bmax) = summary(&mut phase_lat(Phase::Burst));
    let mut rt_spaced: Vec<f64> =
        raised.values().filter(|r| r.phase == Phase::Spaced).map(|r| r.round_trip.as_secs_f64() * 1000.0).collect();
    let mut rt_burst: Vec<f64> =
        raised.values().filter(|r| r.phase == Phase::Burst).map(|r| r.round_trip.as_secs_f64() * 1000.0).collect();
    let (rts50, rts99, _) = summary(&mut rt_spaced);
    let (rtb50, rtb99, _) = summary(&mut rt_burst);

    let n_esc = raised.len().max(1) as f64;
    let mut line_extra = String::new();
    let delta = |a: &Statements, b: &Statements| -> (Vec<f64>, Vec<f64>) {
        (
            a.all.iter().zip(&b.all).map(|(x, y)| y - x).collect(),
            a.raise.iter().zip(&b.raise).map(|(x, y)| y - x).collect(),
        )
    };
    let (all, own) = delta(&before_raising, &after_raising);
    let (setup_all, _) = delta(&before_subscribing, &before_raising);
    let total: f64 = all.iter().sum();
    let own_total: f64 = own.iter().sum();

    println!(
        "fanout: {} escalations raised ({} spaced {} ms apart, {} at once)",
        raised.len(),
        args.escalations,
        args.spacing_ms,
        args.burst
    );
    println!(
        "fanout: deliveries expected {expected}, received {received}, lost {lost}, duplicates {duplicates}, \
        outside the subscriber's scope {outside}, unknown {unknown}; all in time: {complete}"
    );
    for (kind, n) in &lost_by_kind {
        println!("fanout:   lost for {kind}: {n}");
    }
    if let Some(p) = &first_problem {
        println!("fanout: {problems} subscription(s) ended early; first: {p}");
    }
    println!(
        "fanout: latency received − raisedAt, ms: spaced p50 {s50:.1} p99 {s99:.1} max {smax:.1}; \
        burst p50 {b50:.1} p99 {b99:.1} max {bmax:.1}"
    );
    for i in 0..n_instances {
        for p in [Phase::Spaced, Phase::Burst] {
            let (a, b, c) = summary(&mut lat.get(&(p, i)).cloned().unwrap_or_default());
            println!("fanout:   subscribers on instance {i}, {p:?}: p50 {a:.1} p99 {b:.1} max {c:.1}");
        }
    }
    for p in [Phase::Spaced, Phase::Burst] {
        let (a50, a99, amax) = summary(after_answer.get_mut(&p).map(|v| v.as_mut_slice()).unwrap_or_default());
        let (f50, f99, fmax) = summary(spread.get_mut(&p).map(|v| v.as_mut_slice()).unwrap_or_default());
        println!(
            "fanout:   {p:?}: received − the mutation's answer p50 {a50:.1} p99 {a99:.1} max {amax:.1} (a lower \
            bound of committed → received); received − the escalation's first delivery p50 {f50:.1} p99 {f99:.1} \
            max {fmax:.1} (the fan-out's spread)"
        );
        line_extra
            .push_str(&format!(" {p:?}_after_answer_p99_ms={a99:.1} {p:?}_spread_p99_ms={f99:.1}",).to_lowercase());
    }
    if committed.is_some() {
        for p in [Phase::Spaced, Phase::Burst] {
            let values = after_commit.get_mut(&p).map(|v| v.as_mut_slice()).unwrap_or_default();
            let n = values.len();
            let (c50, c99, cmax) = summary(values);
            println!(
                "fanout:   {p:?}: received − committed (pg_xact_commit_timestamp), ms: p50 {c50:.1} p99 {c99:.1} \
                max {cmax:.1} over {n} deliveries"
            );
            line_extra.push_str(&format!(" {p:?}_commit_p50_ms={c50:.1} {p:?}_commit_p99_ms={c99:.1}").to_lowercase());
        }
    }
    println!(
        "fanout: recordContact round trip, ms: spaced p50 {rts50:.1} p99 {rts99:.1}; burst p50 {rtb50:.1} p99 {rtb99:.1}"
    );
    for i in 0..n_instances {
        println!(
            "fanout: instance {i}: {:.0} statements while raising ({:.0} of them the mutations' own), \
            {:.0} while subscribing and warming up",
            all[i], own[i], setup_all[i]
        );
    }
    println!(
        "fanout: statements per escalation, both instances: {:.1} in all, {:.1} besides the mutation's own",
        total / n_esc,
        (total - own_total) / n_esc
    );
    for (i, pid) in args.pids.iter().enumerate() {
        let idle = rss_idle.get(i).map_or(f64::NAN, |r| r.0);
        let sub = rss_subscribed.get(i).map_or(f64::NAN, |r| r.0);
        let (end, peak) = rss_end.get(i).copied().unwrap_or((f64::NAN, f64::NAN));
        println!(
            "fanout: instance {i} (pid {pid}) RSS MB: idle {idle:.0}, subscribed {sub:.0}, after {end:.0}, peak {peak:.0}"
        );
    }

    // Where the burst's CPU went: the instances (their share of the mutations included),
    // this client (parsing every delivery), and how busy the machine was over it.
    let burst_to = |instance: Option<usize>| -> usize {
        raised
            .values()
            .filter(|r| r.phase == Phase::Burst)
            .map(|r| {
                per_subscriber.iter().filter(|(k, i, _)| k.sees(r.mfo) && instance.is_none_or(|n| n == *i)).count()
            })
            .sum()
    };
    let burst_deliveries = burst_to(None);
    let ((srv0, client0, (busy0, total0)), (srv1, client1, (busy1, total1))) = (&before_burst, &after_burst);
    let client_ms = client1 - client0;
    let busy_pct = 100.0 * (busy1 - busy0) / (total1 - total0).max(1.0);
    let mut burst_line = String::new();
    for (i, (a, b)) in srv0.iter().zip(srv1).enumerate() {
        let cpu = b - a;
        println!("fanout: burst, instance {i}: CPU {cpu:.0} ms for its {} deliveries and mutations", burst_to(Some(i)));
        burst_line.push_str(&format!(" burst_cpu_ms_{i}={cpu:.0}"));
    }
    println!(
        "fanout: burst, this client: CPU {client_ms:.0} ms for {burst_deliveries} deliveries; the machine {busy_pct:.0}% busy \
        from the first burst mutation sent to the last delivery received ({:.0} ms of CPU time in all)",
        (total1 - total0)
    );
    burst_line.push_str(&format!(" burst_client_cpu_ms={client_ms:.0} burst_busy_pct={busy_pct:.0}"));
    line_extra.push_str(&burst_line);

    // One line for bench/fanout.sh.
    let mut line = line_extra.clone();
    line.insert_str(0, &format!(
        "FANOUT subscribers={} instances={n_instances} escalations={} spaced={} burst={} spacing_ms={} expected={expected} received={received} \
         lost={lost} duplicates={duplicates} outside={outside} ended={problems} live={warmed} \
         spaced_p50_ms={s50:.1} spaced_p99_ms={s99:.1} spaced_max_ms={smax:.1} \
         burst_p50_ms={b50:.1} burst_p99_ms={b99:.1} burst_max_ms={bmax:.1} \
         mutation_p50_ms={rts50:.1} mutation_p99_ms={rts99:.1} burst_mutation_p50_ms={rtb50:.1} \
         statements_per_escalation={:.2} fanout_statements_per_escalation={:.2} open_s={open_s:.1}",
        per_subscriber.len(),
        raised.len(),
        args.escalations,
        args.burst,
        args.spacing_ms,
        total / n_esc,
        (total - own_total) / n_esc,
    ));
    for i in 0..n_instances {
        line.push_str(&format!(
            " statements_{i}={:.0} own_statements_{i}={:.0} setup_statements_{i}={:.0}",
            all[i], own[i], setup_all[i]
        ));
    }
    for i in 0..args.pids.len() {
        let idle = rss_idle.get(i).map_or(f64::NAN, |r| r.0);
        let sub = rss_subscribed.get(i).map_or(f64::NAN, |r| r.0);
        let (end, peak) = rss_end.get(i).copied().unwrap_or((f64::NAN, f64::NAN));
        line.push_str(&format!(
            " rss_idle_mb_{i}={idle:.0} rss_subscribed_mb_{i}={sub:.0} rss_end_mb_{i}={end:.0} \
            rss_peak_mb_{i}={peak:.0}"
        ));
    }
    println!("{line}");
    Ok(())
}

/// A signed duration in milliseconds.
pub(crate) fn ms(d: chrono::Duration) -> f64 {
    d.num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
}

/// The `q` quantile (nearest rank) of sorted values.
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub(crate) fn summary(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (quantile(values, 0.5), quantile(values, 0.99), values.last().copied().unwrap_or(f64::NAN))
}
