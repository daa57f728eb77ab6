//! C13: a manager's reception slot as a GraphQL type. Read-only; `setReceptionHours` is in
//! `mutation.rs`.

use async_graphql::Object;
use entity::enums::Weekday;
use entity::reception_hours;

/// C13: one reception slot of a manager.
pub struct ReceptionHours(pub reception_hours::Model);

/// C13: one reception slot of a manager.
#[Object]
impl ReceptionHours {
    /// The manager's full name.
    async fn manager_name(&self) -> &str {
        &self.0.manager_name
    }
    /// The manager's position.
    async fn position(&self) -> &str {
        &self.0.position
    }
    /// The day of the week of this slot.
    async fn weekday(&self) -> Weekday {
        self.0.weekday
    }
    /// Local time, `HH:MM`.
    async fn starts_at(&self) -> String {
        self.0.starts_at.format("%H:%M").to_string()
    }
    /// Local time, `HH:MM`, exclusive.
    async fn ends_at(&self) -> String {
        self.0.ends_at.format("%H:%M").to_string()
    }
}
