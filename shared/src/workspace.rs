//! A workspace's configuration: statuses, teams, agents, tags and custom fields.

use crate::preset::Preset;
use crate::reference::ReferenceScheme;
use crate::sla::SlaConfig;
use crate::status::{Status, StatusCategory, StatusId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a signed-in person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Works tickets of their teams.
    Agent,
    /// An agent who also configures statuses, fields, tags, SLA and canned responses.
    Leader,
    /// Sees and configures everything.
    Admin,
    /// A requester using the portal.
    Customer,
}

impl Role {
    /// Whether the role works tickets (as opposed to requesting them).
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Customer)
    }

    /// Whether the role may release other agents' tickets and configure the workspace.
    pub fn is_leader(self) -> bool {
        matches!(self, Role::Leader | Role::Admin)
    }
}

/// A group of agents (a department).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// Stable id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
}

/// A member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// Stable id (the user id).
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Sign-in email.
    pub email: String,
    /// Role in the workspace.
    pub role: Role,
    /// Teams the agent belongs to.
    pub teams: Vec<Uuid>,
    /// Inactive agents keep their history but cannot be assigned.
    pub active: bool,
}

/// A label tickets can carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// Stable id.
    pub id: Uuid,
    /// Lower-case name, unique in the workspace.
    pub name: String,
    /// CSS color.
    pub color: String,
}

/// The kind of value a custom field holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text.
    Text,
    /// A number.
    Number,
    /// One of the listed options.
    Select {
        /// The allowed values.
        options: Vec<String>,
    },
    /// A calendar date.
    Date,
    /// Yes or no.
    Checkbox,
}

/// A custom field's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldValue {
    /// For text and select fields.
    Text(String),
    /// For number fields.
    Number(f64),
    /// For date fields.
    Date(NaiveDate),
    /// For checkbox fields.
    Checkbox(bool),
}

/// A custom field definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDef {
    /// Stable key, e.g. `service_type`.
    pub key: String,
    /// What agents read.
    pub label: String,
    /// Value kind.
    pub kind: FieldKind,
    /// A ticket cannot be solved while this field is empty.
    pub required_to_solve: bool,
}

impl FieldValue {
    /// Whether the value is empty text (which counts as no value).
    pub fn is_blank(&self) -> bool {
        matches!(self, FieldValue::Text(text) if text.trim().is_empty())
    }
}

impl FieldDef {
    /// Checks that `value` fits this field, returning what is wrong otherwise.
    pub fn check(&self, value: &FieldValue) -> Result<(), String> {
        match (&self.kind, value) {
            (FieldKind::Number, FieldValue::Number(n)) if !n.is_finite() => {
                Err("a finite number".into())
            }
            (FieldKind::Text, FieldValue::Text(_))
            | (FieldKind::Number, FieldValue::Number(_))
            | (FieldKind::Date, FieldValue::Date(_))
            | (FieldKind::Checkbox, FieldValue::Checkbox(_)) => Ok(()),
            (FieldKind::Select { options }, FieldValue::Text(v)) => {
                if options.iter().any(|o| o == v) {
                    Ok(())
                } else {
                    Err(format!("one of: {}", options.join(", ")))
                }
            }
            (FieldKind::Text, _) => Err("text".into()),
            (FieldKind::Number, _) => Err("a number".into()),
            (FieldKind::Select { options }, _) => Err(format!("one of: {}", options.join(", "))),
            (FieldKind::Date, _) => Err("a date".into()),
            (FieldKind::Checkbox, _) => Err("yes or no".into()),
        }
    }
}

/// Everything a client needs to know about a workspace to decide mutations and draw the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    /// Stable id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// The preset the workspace started from.
    pub preset: Preset,
    /// How tickets are numbered.
    pub reference_scheme: ReferenceScheme,
    /// Statuses in display order.
    pub statuses: Vec<Status>,
    /// Ticket types agents can choose.
    pub ticket_types: Vec<String>,
    /// Teams.
    pub teams: Vec<Team>,
    /// Staff.
    pub agents: Vec<Agent>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Custom field definitions.
    pub fields: Vec<FieldDef>,
    /// When true every agent sees every team's tickets; otherwise agents see their teams' tickets.
    pub agents_see_all_teams: bool,
    /// Service levels: calendars and policies.
    #[serde(default)]
    pub sla: SlaConfig,
}

impl Workspace {
    /// Looks a status up by id.
    pub fn status(&self, id: &StatusId) -> Option<&Status> {
        self.statuses.iter().find(|s| &s.id == id)
    }

    /// The statuses in their display order (by position), as every list of them shows them.
    pub fn statuses_in_order(&self) -> Vec<Status> {
        let mut statuses = self.statuses.clone();
        statuses.sort_by_key(|s| s.position);
        statuses
    }

    /// The category of a status; unknown ids count as `New` so a stale client never panics.
    pub fn category(&self, id: &StatusId) -> StatusCategory {
        self.status(id).map_or(StatusCategory::New, |s| s.category)
    }

    /// The first status (by position) of a category, if the workspace has one.
    pub fn first_in(&self, category: StatusCategory) -> Option<&Status> {
        self.statuses
            .iter()
            .filter(|s| s.category == category)
            .min_by_key(|s| s.position)
    }

    /// The label of a status, or its id when unknown.
    pub fn status_label<'a>(&'a self, id: &'a StatusId) -> &'a str {
        self.status(id).map_or(id.as_str(), |s| s.label.as_str())
    }

    /// Looks an agent up by id.
    pub fn agent(&self, id: Uuid) -> Option<&Agent> {
        self.agents.iter().find(|a| a.id == id)
    }

    /// The agent's name, or "a former agent" when unknown.
    pub fn agent_name(&self, id: Uuid) -> &str {
        self.agent(id).map_or("a former agent", |a| a.name.as_str())
    }

    /// Looks a team up by id.
    pub fn team(&self, id: Uuid) -> Option<&Team> {
        self.teams.iter().find(|t| t.id == id)
    }

    /// Looks a tag up by id.
    pub fn tag(&self, id: Uuid) -> Option<&Tag> {
        self.tags.iter().find(|t| t.id == id)
    }

    /// Looks a custom field up by key.
    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.key == key)
    }
}
