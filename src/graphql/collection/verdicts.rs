//! `ActionVerdict`: a verdict of `permittedActions` as the schema shows it, and the one-pass
//! resolution of a loan's list of them. Renders reasons; judges nothing.

use std::borrow::Cow;
use std::sync::Arc;

use async_graphql::Object;
use chrono::{DateTime, Utc};
use entity::enums::CollectionAction;

use crate::i18n::render_all;
use crate::services::collection as svc;

/// Whether an action is allowed now, why, and when it will be if it is not.
///
/// Shared, not copied: a page's verdicts are held once by its DataLoader, and the reasons
/// are rendered only for the fields a client selects.
pub struct ActionVerdict(pub Arc<svc::VerdictView>);

impl From<svc::VerdictView> for ActionVerdict {
    fn from(v: svc::VerdictView) -> Self {
        Self(Arc::new(v))
    }
}

/// Whether an action is allowed now, why, and when it will be if it is not.
#[Object]
impl ActionVerdict {
    /// The action judged.
    async fn action(&self) -> CollectionAction {
        self.0.verdict.action
    }
    /// Whether the caller may take it at the verdict's instant.
    async fn allowed(&self) -> bool {
        self.0.verdict.allowed
    }
    /// The DOMAIN.md rules that decided it; `CONTRACT` beside `X4` when the loan's
    /// contract set the meeting terms used (X4 "unless the contract sets other terms").
    #[graphql(complexity = "crate::rules::collection::MAX_BASIS")]
    async fn basis(&self) -> &[&'static str] {
        &self.0.verdict.basis
    }
    /// Why, in the caller's (the collector's) language: the request's `Accept-Language`
    /// (ru, kk, ky or en); when the request names none of them, the borrower's language.
    async fn reason(&self) -> String {
        self.reason_text()
    }
    /// Why, in the borrower's language (the loan's borrower's `language`: ru, kk or ky),
    /// whatever the caller's: the text to read or send to the borrower.
    async fn borrower_reason(&self) -> String {
        self.borrower_reason_text()
    }
    /// When a refused action becomes allowed, if that is known.
    async fn next_allowed_at(&self) -> Option<DateTime<Utc>> {
        self.0.verdict.next_allowed_at
    }
    /// For counted actions (calls, meetings): what is left in the current window.
    async fn remaining(&self) -> Option<i32> {
        self.remaining_count()
    }
    /// A short-lived signed token for an allowed contact; quote it in `recordContact`
    /// (its `clearance` field then says ACCEPTED, or what else became of it). Issued only
    /// to MFO staff, managers and agencies, only for an allowed contact, and only when
    /// `at` is now.
    async fn clearance(&self) -> Option<&str> {
        self.0.clearance.as_deref()
    }
    /// Until when the clearance covers a contact (UTC instant; exclusive of later
    /// contacts): its issue plus the policy's `contact.clearance_minutes` (15 minutes in
    /// the shipped policies of both jurisdictions). A contact that happens later is still
    /// stored, UNCLEARED, with `recordContact`'s `clearance: EXPIRED`. Null without a
    /// clearance.
    async fn clearance_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.clearance_expires_at
    }
}

/// A loan's verdicts, as `permittedActions` answers them: a list of `ActionVerdict` in the
/// schema, resolved without a future per field. A page of 100 loans holds 1,600 verdicts,
/// and async-graphql's general path (a boxed future and a map insert per field of each)
/// took a quarter of the server's CPU for such a page. The fields are plain values, so
/// each verdict is one pass over the selection; anything the pass does not know (a custom
/// directive) takes the general path. The pass runs no extension's per-field hook: the
/// schema's one extension (`ValidationOffWorkers`) has none; one that had would need the
/// general path here.
pub struct ActionVerdicts(pub Vec<ActionVerdict>);

/// A field of `ActionVerdict` as the selection names it.
#[derive(Clone, Copy)]
enum VerdictField {
    Typename,
    Action,
    Allowed,
    Basis,
    Reason,
    BorrowerReason,
    NextAllowedAt,
    Remaining,
    Clearance,
    ClearanceExpiresAt,
}

impl VerdictField {
    fn named(name: &str) -> Option<Self> {
        Some(match name {
            "__typename" => Self::Typename,
            "action" => Self::Action,
            "allowed" => Self::Allowed,
            "basis" => Self::Basis,
            "reason" => Self::Reason,
            "borrowerReason" => Self::BorrowerReason,
            "nextAllowedAt" => Self::NextAllowedAt,
            "remaining" => Self::Remaining,
            "clearance" => Self::Clearance,
            "clearanceExpiresAt" => Self::ClearanceExpiresAt,
            _ => return None,
        })
    }
}

/// The selection on `ActionVerdict` flattened (fragments whose condition is the type
/// itself spread in place) into response keys, the first of a repeated key kept; `None`
/// when it holds what only the general path resolves.
fn verdict_selection(
    ctx: &async_graphql::ContextSelectionSet<'_>,
    set: &async_graphql::parser::types::SelectionSet,
    out: &mut Vec<(async_graphql::Name, VerdictField)>,
) -> Option<()> {
    use async_graphql::parser::types::Selection;
    for selection in &set.items {
        if !selection.node.directives().is_empty() {
            return None;
        }
        let (condition, inner) = match &selection.node {
            Selection::Field(f) => {
                let field = VerdictField::named(f.node.name.node.as_str())?;
                let key = f.node.response_key().node.clone();
                if !out.iter().any(|(k, _)| *k == key) {
                    out.push((key, field));
                }
                continue;
            }
            Selection::FragmentSpread(spread) => {
                let fragment = ctx.query_env.fragments.get(&spread.node.fragment_name.node)?;
                (Some(&fragment.node.type_condition), &fragment.node.selection_set)
            }
            Selection::InlineFragment(fragment) => {
                (fragment.node.type_condition.as_ref(), &fragment.node.selection_set)
            }
        };
        if condition
            .is_some_and(|c| c.node.on.node.as_str() != <ActionVerdict as async_graphql::OutputType>::type_name())
        {
            return None;
        }
        verdict_selection(ctx, &inner.node, out)?;
    }
    Some(())
}

impl ActionVerdict {
    fn reason_text(&self) -> String {
        render_all(&self.0.reasons(), crate::i18n::requested().unwrap_or(self.0.borrower_language))
    }

    fn borrower_reason_text(&self) -> String {
        render_all(&self.0.reasons(), self.0.borrower_language)
    }

    fn remaining_count(&self) -> Option<i32> {
        self.0.verdict.remaining.map(|r| i32::try_from(r).unwrap_or(i32::MAX))
    }

    /// The verdict's selected fields, as the `#[Object]` resolvers above answer them (the
    /// computed ones through the same helpers).
    fn value(&self, fields: &[(async_graphql::Name, VerdictField)]) -> async_graphql::Value {
        use async_graphql::{OutputType, ScalarType, Value, resolver_utils::enum_value};
        let instant = |t: Option<DateTime<Utc>>| t.as_ref().map_or(Value::Null, ScalarType::to_value);
        let v = &self.0;
        let mut object = async_graphql::indexmap::IndexMap::with_capacity(fields.len());
        for (key, field) in fields {
            let value = match field {
                VerdictField::Typename => Value::String(<Self as OutputType>::type_name().into_owned()),
                VerdictField::Action => enum_value(v.verdict.action),
                VerdictField::Allowed => Value::Boolean(v.verdict.allowed),
                VerdictField::Basis => {
                    Value::List(v.verdict.basis.iter().map(|b| Value::String((*b).to_owned())).collect())
                }
                VerdictField::Reason => Value::String(self.reason_text()),
                VerdictField::BorrowerReason => Value::String(self.borrower_reason_text()),
                VerdictField::NextAllowedAt => instant(v.verdict.next_allowed_at),
                VerdictField::Remaining => self.remaining_count().map_or(Value::Null, Value::from),
                VerdictField::Clearance => v.clearance.clone().map_or(Value::Null, Value::String),
                VerdictField::ClearanceExpiresAt => instant(v.clearance_expires_at),
            };
            object.insert(key.clone(), value);
        }
        Value::Object(object)
    }
}

impl async_graphql::OutputType for ActionVerdicts {
    fn type_name() -> Cow<'static, str> {
        <Vec<ActionVerdict> as async_graphql::OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<ActionVerdict> as async_graphql::OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        <Vec<ActionVerdict> as async_graphql::OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &async_graphql::ContextSelectionSet<'_>,
        field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
    ) -> async_graphql::ServerResult<async_graphql::Value> {
        let mut fields = Vec::new();
        if verdict_selection(ctx, &field.node.selection_set.node, &mut fields).is_some() {
            return Ok(async_graphql::Value::List(self.0.iter().map(|v| v.value(&fields)).collect()));
        }
        async_graphql::OutputType::resolve(&self.0, ctx, field).await
    }
}
