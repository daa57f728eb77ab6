//! `changes`: the change feed (`services::changes`) as a Relay-style connection for systems
//! that cannot hold a socket. Each change names its record by global ID; the records are
//! read with `nodes(ids:)`, scoped as ever.

use async_graphql::connection::PageInfo;
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::outbox_event;

use crate::graphql::connection::first;
use crate::graphql::context::ContextExt;
use crate::graphql::errors::{bad_input, top_level};
use crate::graphql::ids::{Kind, cursor, encode, parse_cursor};
use crate::services::changes::{self as svc, Cursor};

/// The type of the record a change is about (named after its GraphQL type).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "ChangeRecordType")]
pub enum RecordType {
    /// A `Loan`: synced, overdue, handed to an agency or recalled, a payment recorded.
    Loan,
    /// A `Borrower`: synced, or contact details changed.
    Borrower,
    /// A `Complaint`: registered, and each step of its journal.
    Complaint,
    /// An `InfoRequest` (C9): asked and answered.
    InfoRequest,
    /// A `RestructuringApplication`: submitted, documents, decision.
    RestructuringApplication,
    /// A `RegulatorAppeal`: filed and resolved.
    RegulatorAppeal,
    /// A `ContactEvent`: recorded, or flagged as misrepresented.
    ContactEvent,
    /// A `MilitaryDeferral`: registered, granted, discharged.
    MilitaryDeferral,
    /// A `Deadline`: opened, met, extended, missed.
    Deadline,
    /// An `Escalation`: raised, acknowledged.
    Escalation,
    /// An `Organization`: its reception hours or details.
    Organization,
}

impl RecordType {
    const ALL: [RecordType; 11] = [
        Self::Loan,
        Self::Borrower,
        Self::Complaint,
        Self::InfoRequest,
        Self::RestructuringApplication,
        Self::RegulatorAppeal,
        Self::ContactEvent,
        Self::MilitaryDeferral,
        Self::Deadline,
        Self::Escalation,
        Self::Organization,
    ];

    /// The outbox's name of the record type, as `services::changes::RECORD_TYPES` lists it.
    pub(crate) fn subject(self) -> &'static str {
        match self {
            Self::Loan => "loan",
            Self::Borrower => "borrower",
            Self::Complaint => "complaint",
            Self::InfoRequest => "info_request",
            Self::RestructuringApplication => "application",
            Self::RegulatorAppeal => "appeal",
            Self::ContactEvent => "contact",
            Self::MilitaryDeferral => "military_deferral",
            Self::Deadline => "deadline",
            Self::Escalation => "escalation",
            Self::Organization => "organization",
        }
    }

    fn kind(self) -> Kind {
        match self {
            Self::Loan => Kind::Loan,
            Self::Borrower => Kind::Borrower,
            Self::Complaint => Kind::Complaint,
            Self::InfoRequest => Kind::InfoRequest,
            Self::RestructuringApplication => Kind::Application,
            Self::RegulatorAppeal => Kind::Appeal,
            Self::ContactEvent => Kind::Contact,
            Self::MilitaryDeferral => Kind::Deferral,
            Self::Deadline => Kind::Deadline,
            Self::Escalation => Kind::Escalation,
            Self::Organization => Kind::Organization,
        }
    }

    pub(crate) fn of(subject: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.subject() == subject)
    }
}

/// One committed change to a record the caller may see.
pub struct Change(outbox_event::Model, RecordType);

/// One committed change to a record the caller may see.
#[Object]
impl Change {
    /// The change's own id (a UUID, not a global ID: a change is not a record `node`
    /// reads): unique and stable, the same on every read of the feed.
    async fn id(&self) -> String {
        self.0.id.to_string()
    }

    /// What happened, as `<record>.<event>`: `loan.upserted`, `payment.recorded` (on its
    /// loan), `complaint.registered`, `complaint.answered`, `deadline.missed`, …
    #[graphql(name = "type")]
    async fn event_type(&self) -> &str {
        &self.0.topic
    }

    /// The type of the record that changed.
    async fn record_type(&self) -> RecordType {
        self.1
    }

    /// The record's global ID: read it (as it is now) with `node(id:)` or, for a page of
    /// changes, `nodes(ids:)`.
    async fn record_id(&self) -> ID {
        encode(self.1.kind(), self.0.subject_id)
    }

    /// When the change was made (UTC).
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
}

/// A change and its position in the feed.
#[derive(SimpleObject)]
pub struct ChangeEdge {
    /// Pass as `after` to read the changes after this one.
    pub cursor: String,
    /// The change.
    pub node: Change,
}

/// A page of the change feed. `pageInfo.endCursor` is where the next page starts: after
/// the last edge, or further when changes the caller may not see were passed over (a
/// page may then be short, even empty, with `hasNextPage` true). With `hasNextPage`
/// false the caller has every change committed so far: poll again from `endCursor`.
#[derive(SimpleObject)]
pub struct ChangeConnection {
    /// The changes, in commit order.
    pub edges: Vec<ChangeEdge>,
    /// `endCursor`: where to continue (null only when the feed has nothing for the caller
    /// yet and no cursor was given); `hasNextPage`: whether more changes can be read now.
    pub page_info: PageInfo,
}

fn encode_cursor(c: Cursor) -> String {
    cursor(format!("{}|{}", c.seq, c.at.timestamp_micros()))
}

fn decode_cursor(after: &str) -> async_graphql::Result<Cursor> {
    let key = parse_cursor(after)?;
    let parsed = key.split_once('|').and_then(|(seq, at)| {
        let seq = seq.parse::<i64>().ok()?;
        let at = DateTime::<Utc>::from_timestamp_micros(at.parse::<i64>().ok()?)?;
        Some(Cursor { seq, at })
    });
    parsed.ok_or_else(|| bad_input("`after` is not a cursor returned by `changes`"))
}

#[derive(Default)]
pub struct ChangeQuery;

#[Object]
impl ChangeQuery {
    /// Every committed change to the records the caller may see (each as scoped as the
    /// record's own query), in commit order, from the cursor on: for systems that follow
    /// the API without a socket. Changes are kept `MFO_CHANGE_RETENTION_DAYS` (30 by
    /// default); a cursor older than that is refused (BAD_USER_INPUT) rather than answered
    /// with a gap: read the lists again, then follow the feed from their time. A feed is
    /// followed forward, so it has neither `orderBy` nor `last`/`before`: to look back, read
    /// the lists (`orderBy: {field: UPDATED_AT, direction: DESC}`).
    #[graphql(complexity = "crate::graphql::connection::cost(first, None, child_complexity)")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "`endCursor` of the previous page (or an edge's cursor); none: from the oldest kept.")]
        after: Option<String>,
        #[graphql(desc = "Only changes to records of these types; none or empty: all.")] types: Option<Vec<RecordType>>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
    ) -> async_graphql::Result<ChangeConnection> {
        let p = ctx.principal()?;
        let limit = self::first(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let types: Vec<&'static str> = types.unwrap_or_default().into_iter().map(RecordType::subject).collect();
        let page = svc::page(ctx.services(), p, after, &types, limit).await.map_err(top_level)?;
        // The service lists only the record types of `RECORD_TYPES`, each one of ours.
        let edges: Vec<ChangeEdge> = page
            .items
            .into_iter()
            .filter_map(|e| {
                let t = RecordType::of(&e.subject_type)?;
                Some(ChangeEdge { cursor: encode_cursor(Cursor::of(&e)), node: Change(e, t) })
            })
            .collect();
        let page_info = PageInfo {
            has_previous_page: after.is_some(),
            has_next_page: page.has_next,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: page.resume.map(encode_cursor),
        };
        Ok(ChangeConnection { edges, page_info })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_type_is_one_the_feed_lists_under_its_schema_name() {
        use async_graphql::resolver_utils::EnumType;
        let listed: Vec<(&str, &str)> = RecordType::ALL
            .iter()
            .map(|t| {
                let name = RecordType::items().iter().find(|i| i.value == *t).map(|i| i.name).unwrap_or("");
                (t.subject(), name)
            })
            .collect();
        assert_eq!(listed, svc::RECORD_TYPES.to_vec());
    }

    #[test]
    fn cursors_round_trip_and_refuse_others() {
        let c = Cursor { seq: 42, at: DateTime::<Utc>::from_timestamp_micros(1_700_000_000_123_456).expect("instant") };
        assert_eq!(decode_cursor(&encode_cursor(c)).expect("decodes"), c);
        assert!(decode_cursor(&cursor("42")).is_err());
        assert!(decode_cursor("not base64!").is_err());
    }
}
