//! Shared renderings of the `escalations` subscription: the sockets of
//! one instance that ask the same operation with the same variables, as the same principal,
//! in the same language, are one *group*, and each escalation is executed and serialised
//! once per group, not once per socket. A regulator's dashboard fleet is a handful of
//! groups; at 1,000 subscribers a burst of escalations cost ~30 µs of CPU per socket per
//! escalation when every socket ran its own execution.
//!
//! A member first replays on its own what its `after` asks, up to where its group is
//! (`services::escalations::replay`, the same operation with an upper bound), then takes
//! the group's payloads past the last escalation it delivered. A member that falls behind
//! the group's buffer replays the gap the same way; one whose group ends runs the
//! subscription on its own from where it is. Sequence numbers order all of it, so nothing
//! is lost or doubled.
//!
//! It decides nothing about what a subscriber may see: the group runs the very operation
//! under a principal equal to every member's in all but the token's expiry (which each
//! socket checks before every delivery itself). Any other operation, and an `escalations`
//! subscription not alone at the root of its operation, runs per socket as before.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::parser::types::Selection;
use async_graphql::{Name, Request, Response, Value, Variables};

use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::auth::Principal;
use crate::graphql::context::RequestAuth;
use crate::graphql::escalations::Window;
use crate::graphql::loaders::Loaders;
use crate::i18n::{self, Lang};

/// What a socket sends for one event of its operation.
pub enum Delivery {
    /// A response of the socket's own execution.
    Response(Box<Response>),
    /// A payload its group rendered (`with_codes` applied), serialised.
    Rendered(Arc<str>),
}

/// This instance's groups, by what makes their renderings equal.
pub struct Groups {
    groups: Mutex<HashMap<String, Weak<Group>>>,
    /// Payloads a member may fall behind its group before it replays the gap itself.
    buffer: usize,
    /// Gaps members have replayed (`/metrics`: a rising count is slow consumers or a
    /// buffer too small for the bursts).
    catch_ups: Arc<AtomicU64>,
}

struct Group {
    /// Weak: the render task holds the only sender, so members see the channel close
    /// when the execution ends, and a group that cannot be entered any more has ended (a new
    /// member then starts a new one).
    tx: broadcast::WeakSender<Rendered>,
    /// The last escalation the group has rendered (where it started, before any).
    last: Arc<AtomicI64>,
    task: JoinHandle<()>,
}

impl Drop for Group {
    fn drop(&mut self) {
        // The last member has gone: nobody reads the renderings any more.
        self.task.abort();
    }
}

#[derive(Clone)]
struct Rendered {
    /// The escalation rendered (`None` for a response without one, an error).
    seq: Option<i64>,
    payload: Arc<str>,
}

/// What a member shares with the operation it runs: the request without server data.
struct Operation {
    query: String,
    operation_name: Option<String>,
    variables: Variables,
}

impl Operation {
    fn request(&self, principal: &Principal, window: Window, state: &AppState) -> Request {
        let mut r = Request::new(self.query.clone()).variables(self.variables.clone());
        if let Some(name) = &self.operation_name {
            r = r.operation_name(name.clone());
        }
        on_socket(r, principal, state).data(window)
    }
}

/// A request as a socket's operation runs it: the principal, and loaders that keep what
/// they read for the operation's life (`Loaders::for_socket`).
fn on_socket(request: Request, principal: &Principal, state: &AppState) -> Request {
    request
        .data(RequestAuth { principal: Some(principal.clone()) })
        .data(Loaders::for_socket(&state.ctx, principal))
        .data(super::rate_charge(state, principal.key()))
}

impl Groups {
    pub fn new(buffer: usize) -> Self {
        Self { groups: Mutex::new(HashMap::new()), buffer: buffer.max(1), catch_ups: Arc::default() }
    }

    /// Gaps replayed so far by members that fell behind their group.
    pub fn catch_ups(&self) -> u64 {
        self.catch_ups.load(Ordering::Relaxed)
    }

    /// Groups with members now, and those members (`/metrics`).
    pub fn sizes(&self) -> (usize, usize) {
        let groups = self.groups.lock().unwrap_or_else(|p| p.into_inner());
        let live: Vec<usize> = groups.values().map(|g| g.strong_count()).filter(|n| *n > 0).collect();
        (live.len(), live.iter().sum())
    }

    /// Joins the group of `key`, started from the latest escalation when there is none (or
    /// only one whose execution ended). `None` when the start cannot be read: the member then
    /// runs on its own.
    async fn join(
        &self,
        state: &AppState,
        key: String,
        op: &Operation,
        principal: &Principal,
        lang: Option<Lang>,
    ) -> Option<Joined> {
        if let Some(j) = self.join_live(&key) {
            return Some(j);
        }
        let start = crate::services::escalations::latest_seq(&state.ctx).await.ok()?;
        let mut groups = self.groups.lock().unwrap_or_else(|p| p.into_inner());
        // Another member may have started it while the start was read.
        if let Some(j) = enter_live(&groups, &key) {
            return Some(j);
        }
        groups.retain(|_, g| g.strong_count() > 0);
        let (tx, _) = broadcast::channel(self.buffer);
        let last = Arc::new(AtomicI64::new(start));
        let window = Window { after: Some(start), until: None, tap: Arc::default() };
        let request = op.request(principal, window.clone(), state);
        let task = tokio::spawn(i18n::with_requested(
            lang,
            render(state.clone(), request, window.tap, tx.clone(), last.clone()),
        ));
        let group = Arc::new(Group { tx: tx.downgrade(), last, task });
        groups.insert(key, Arc::downgrade(&group));
        Joined::enter(group)
    }

    fn join_live(&self, key: &str) -> Option<Joined> {
        enter_live(&self.groups.lock().unwrap_or_else(|p| p.into_inner()), key)
    }
}

/// Enters the group of `key` if it still runs (the caller holds the groups' lock).
fn enter_live(groups: &HashMap<String, Weak<Group>>, key: &str) -> Option<Joined> {
    groups.get(key).and_then(Weak::upgrade).and_then(Joined::enter)
}

/// A member's place in its group.
struct Joined {
    group: Arc<Group>,
    rx: broadcast::Receiver<Rendered>,
    /// Where the group was when the member joined: its replay ends here.
    until: i64,
}

impl Joined {
    /// Called with the groups' lock held, so that a member counted on `/metrics` already
    /// receives everything the group renders from then on (a test, or an operator, that
    /// sees it joined and then raises an escalation must see it delivered).
    fn enter(group: Arc<Group>) -> Option<Joined> {
        let rx = group.tx.upgrade()?.subscribe();
        // After subscribing: whatever the group renders past this is in the receiver.
        let until = group.last.load(Ordering::SeqCst);
        Some(Joined { group, rx, until })
    }
}

/// The group's execution: each response rendered once and broadcast with its escalation's
/// sequence number.
async fn render(
    state: AppState,
    request: Request,
    tap: Arc<AtomicI64>,
    tx: broadcast::Sender<Rendered>,
    last: Arc<AtomicI64>,
) {
    let mut responses = state.schema.execute_stream(request);
    let mut first = true;
    while let Some(resp) = responses.next().await {
        // Refused before it ran: every member ran the same operation for its replay first
        // and got the refusal there; nothing to broadcast.
        if first && resp.data == Value::Null && resp.is_err() {
            break;
        }
        first = false;
        let resp = super::with_codes(resp);
        let Ok(payload) = serde_json::to_string(&resp) else { break };
        let seq = (!resp.is_err()).then(|| tap.load(Ordering::SeqCst));
        if let Some(s) = seq {
            // Before the send: a member reading `last` after subscribing either finds this
            // one in its receiver or at most `last` (sequence numbers tell duplicates).
            last.store(s, Ordering::SeqCst);
        }
        // No receiver is not an error: members come and go.
        let _ = tx.send(Rendered { seq, payload: payload.into() });
    }
    // Returning drops the only sender: members fall back to running alone, and the group
    // can no longer be entered.
}

/// The group key of a subscription that can be shared: its operation is a subscription
/// whose only root field is `escalations`. The key holds the document, the operation name,
/// the variables but the one `after` is given by (each member replays its own), the
/// principal but its expiry, and the language. (The group runs with its first member's
/// variables; where it starts overrides that member's `after`.)
fn key(request: &Request, principal: &Principal, lang: Option<Lang>) -> Option<String> {
    let doc = async_graphql::parser::parse_query(&request.query).ok()?;
    let (op, _) = crate::graphql::edge::operation_in(&doc, request.operation_name.as_deref())?;
    if op.node.ty != async_graphql::parser::types::OperationType::Subscription || !op.node.directives.is_empty() {
        return None;
    }
    let [only] = op.node.selection_set.node.items.as_slice() else { return None };
    let Selection::Field(field) = &only.node else { return None };
    if field.node.name.node != "escalations" || !field.node.directives.is_empty() {
        return None;
    }
    let mut shared = request.variables.clone();
    let after = field.node.get_argument("after").map(|a| &a.node);
    if let Some(async_graphql_value::Value::Variable(name)) = after {
        shared.remove(&Name::new(name.as_str()));
    }
    let p = principal;
    let who =
        format!("{:?}|{}|{}|{:?}|{:?}|{:?}", p.role, p.subject, p.org_id, p.org_kind, p.jurisdiction, p.borrower_id);
    serde_json::to_string(&(&request.query, &request.operation_name, &shared, who, format!("{lang:?}"))).ok()
}

/// The deliveries of one subscription on one socket: shared when it can be (`key`), its
/// own execution otherwise.
pub async fn deliveries(
    state: AppState,
    principal: Principal,
    request: Request,
    lang: Option<Lang>,
) -> BoxStream<'static, Delivery> {
    let alone = |state: &AppState, principal: &Principal, request: Request| {
        state
            .schema
            .execute_stream(on_socket(request, principal, state))
            .map(|r| Delivery::Response(Box::new(r)))
            .boxed()
    };
    let key = if state.http.subscription_sharing { key(&request, &principal, lang) } else { None };
    let Some(key) = key else {
        return alone(&state, &principal, request);
    };
    let op = Operation {
        query: request.query.clone(),
        operation_name: request.operation_name.clone(),
        variables: request.variables.clone(),
    };
    let Some(Joined { group, rx, until }) = state.subscriptions.join(&state, key, &op, &principal, lang).await else {
        return alone(&state, &principal, request);
    };
    let mut member = Member { state, principal, op, group, rx, delivered: None, step: Step::Follow };
    member.replay(None, until);
    stream::unfold(member, Member::next).boxed()
}

struct Member {
    state: AppState,
    principal: Principal,
    op: Operation,
    group: Arc<Group>,
    rx: broadcast::Receiver<Rendered>,
    /// The last escalation delivered.
    delivered: Option<i64>,
    step: Step,
}

enum Step {
    /// Its own execution up to `until` (the start, or a gap after falling behind).
    Replay { responses: BoxStream<'static, Response>, tap: Arc<AtomicI64>, until: i64 },
    /// The group's payloads.
    Follow,
    /// Its own execution from where it is on (the group ended).
    Alone(BoxStream<'static, Response>),
}

impl Member {
    /// Replays after `after` (the operation's own `after` when `None`) up to `until`.
    fn replay(&mut self, after: Option<i64>, until: i64) {
        let window = Window { after, until: Some(until), tap: Arc::default() };
        let tap = window.tap.clone();
        let request = self.op.request(&self.principal, window, &self.state);
        self.step = Step::Replay { responses: self.state.schema.execute_stream(request), tap, until };
    }

    async fn next(mut self) -> Option<(Delivery, Self)> {
        loop {
            match &mut self.step {
                Step::Replay { responses, tap, until } => match responses.next().await {
                    Some(resp) => {
                        if !resp.is_err() {
                            self.delivered = self.delivered.max(Some(tap.load(Ordering::SeqCst)));
                        }
                        return Some((Delivery::Response(Box::new(resp)), self));
                    }
                    None => {
                        // Everything up to `until` it may see has been delivered.
                        self.delivered = self.delivered.max(Some(*until));
                        self.step = Step::Follow;
                    }
                },
                Step::Follow => match self.rx.recv().await {
                    Ok(r) if r.seq.is_none() || r.seq > self.delivered => {
                        self.delivered = self.delivered.max(r.seq);
                        return Some((Delivery::Rendered(r.payload), self));
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => {
                        self.state.subscriptions.catch_ups.fetch_add(1, Ordering::Relaxed);
                        let until = self.group.last.load(Ordering::SeqCst);
                        self.replay(self.delivered, until);
                    }
                    Err(RecvError::Closed) => {
                        let window = Window { after: self.delivered, until: None, tap: Arc::default() };
                        let request = self.op.request(&self.principal, window, &self.state);
                        self.step = Step::Alone(self.state.schema.execute_stream(request));
                    }
                },
                Step::Alone(responses) => {
                    return responses.next().await.map(|r| (Delivery::Response(Box::new(r)), self));
                }
            }
        }
    }
}
