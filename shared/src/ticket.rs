//! The ticket record and how events fold into it.

use crate::event::{Event, EventKind, Visibility};
use crate::sla::SlaClock;
use crate::status::StatusId;
use crate::workspace::FieldValue;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use uuid::Uuid;

/// How urgent a ticket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Drop everything.
    Urgent,
    /// Before the rest.
    High,
    /// The default.
    Medium,
    /// When there is time.
    Low,
}

impl Priority {
    /// Every priority, most urgent first.
    pub const ALL: [Priority; 4] = [
        Priority::Urgent,
        Priority::High,
        Priority::Medium,
        Priority::Low,
    ];

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Priority::Urgent => "Urgent",
            Priority::High => "High",
            Priority::Medium => "Medium",
            Priority::Low => "Low",
        }
    }

    /// The lower-case name used in queries and forms.
    pub fn name(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
        }
    }

    /// Parses a lower-case name.
    pub fn from_name(name: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Where a ticket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The customer portal.
    Portal,
    /// Inbound email.
    Email,
    /// A phone call logged by an agent.
    Phone,
    /// Live chat.
    Chat,
    /// The HTTP API.
    Api,
    /// The embeddable widget.
    Widget,
    /// Created by hand in the workspace.
    Manual,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 7] = [
        Channel::Portal,
        Channel::Email,
        Channel::Phone,
        Channel::Chat,
        Channel::Api,
        Channel::Widget,
        Channel::Manual,
    ];

    /// The snake-case name used in the API and queries.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Portal => "portal",
            Channel::Email => "email",
            Channel::Phone => "phone",
            Channel::Chat => "chat",
            Channel::Api => "api",
            Channel::Widget => "widget",
            Channel::Manual => "manual",
        }
    }

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Portal => "Portal",
            Channel::Email => "Email",
            Channel::Phone => "Phone",
            Channel::Chat => "Chat",
            Channel::Api => "API",
            Channel::Widget => "Widget",
            Channel::Manual => "Manual",
        }
    }
}

/// Why a ticket is in the bin: out of every queue but the Spam/Deleted view, until restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trash {
    /// Unwanted mail or abuse, not a real request.
    Spam,
    /// Deleted by an agent.
    Deleted,
}

impl Trash {
    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Trash::Spam => "Spam",
            Trash::Deleted => "Deleted",
        }
    }
}

/// The person a ticket is for, copied onto the ticket so lists and filters work offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    /// Contact id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Email address, if known.
    pub email: Option<String>,
    /// Phone number, if known.
    pub phone: Option<String>,
    /// Organization, if known.
    pub organization: Option<String>,
}

/// A support request and everything the queue needs to know about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// UUID v7, chosen by whoever created the ticket (so offline creation works).
    pub id: Uuid,
    /// Assigned by the server; `None` while a ticket created offline waits for sync.
    pub reference: Option<String>,
    /// One line summary; required.
    pub title: String,
    /// The request in the requester's words.
    pub description: String,
    /// One of the workspace's ticket types.
    pub ticket_type: String,
    /// Where it came from.
    pub channel: Channel,
    /// How urgent it is.
    pub priority: Priority,
    /// Current status.
    pub status: StatusId,
    /// The agent holding it.
    pub assignee: Option<Uuid>,
    /// When the current assignee got it.
    #[serde(default, with = "crate::instant::option")]
    pub assigned_at: Option<DateTime<Utc>>,
    /// When the ticket last lost its assignee (`None`: never assigned, or assigned now).
    #[serde(default, with = "crate::instant::option")]
    pub unassigned_at: Option<DateTime<Utc>>,
    /// The team (department) it belongs to.
    pub team: Option<Uuid>,
    /// Who asked.
    pub requester: Option<Requester>,
    /// Tag ids, in the order they were added.
    pub tags: Vec<Uuid>,
    /// Custom field values by field key.
    pub fields: BTreeMap<String, FieldValue>,
    /// When each status was first reached.
    #[serde(with = "crate::instant::map")]
    pub status_history: BTreeMap<StatusId, DateTime<Utc>>,
    /// Creation time.
    #[serde(with = "crate::instant")]
    pub created_at: DateTime<Utc>,
    /// Time of the last change.
    #[serde(with = "crate::instant")]
    pub updated_at: DateTime<Utc>,
    /// Time of the first public agent reply.
    #[serde(default, with = "crate::instant::option")]
    pub first_response_at: Option<DateTime<Utc>>,
    /// Time the ticket last reached a solved status.
    #[serde(default, with = "crate::instant::option")]
    pub solved_at: Option<DateTime<Utc>>,
    /// Number of public replies and internal notes.
    pub message_count: u32,
    /// Number of public replies (what a customer may count).
    #[serde(default)]
    pub public_message_count: u32,
    /// Put away in the archive (only completed tickets are; reopening takes it out).
    #[serde(default)]
    pub archived: bool,
    /// Out of the queue until this time; at or before now it is awake again.
    #[serde(default, with = "crate::instant::option")]
    pub snoozed_until: Option<DateTime<Utc>>,
    /// Marked as spam or deleted; `None` for every ticket not in the bin.
    #[serde(default)]
    pub trash: Option<Trash>,
    /// Number of events folded into this ticket.
    pub version: u64,
    /// What the SLA clocks run on, folded from the same events.
    pub sla: SlaClock,
}

impl Ticket {
    /// Since when the ticket has had no assignee (meaningful while it has none).
    pub fn unassigned_since(&self) -> DateTime<Utc> {
        self.unassigned_at.unwrap_or(self.created_at)
    }

    /// Whether the ticket is snoozed at `now` (Unix seconds): a snooze ends at its time.
    pub fn snoozed_at(&self, now: i64) -> bool {
        self.snoozed_until
            .is_some_and(|until| until.timestamp() > now)
    }

    /// The reference, or a placeholder while the server has not assigned one.
    pub fn display_reference(&self) -> &str {
        self.reference.as_deref().unwrap_or("(reference pending)")
    }

    /// The ticket as its requester may see it: tags, custom fields, the count of internal notes,
    /// and whether the team archived, snoozed, or binned it are the team's business.
    pub fn for_customer(&self) -> Ticket {
        Ticket {
            tags: Vec::new(),
            fields: BTreeMap::new(),
            message_count: self.public_message_count,
            archived: false,
            snoozed_until: None,
            trash: None,
            ..self.clone()
        }
    }

    /// Builds a ticket from its history; `None` when the first event is not a creation.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<Ticket> {
        let mut events = events.into_iter();
        let mut ticket = Ticket::from_created(events.next()?)?;
        for event in events {
            ticket.apply_event(event);
        }
        Some(ticket)
    }

    /// Builds a ticket from its `Created` event.
    pub fn from_created(event: &Event) -> Option<Ticket> {
        let EventKind::Created(created) = &event.kind else {
            return None;
        };
        let mut status_history = BTreeMap::new();
        status_history.insert(created.status.clone(), event.at);
        Some(Ticket {
            id: event.ticket,
            reference: None,
            title: created.title.clone(),
            description: created.description.clone(),
            ticket_type: created.ticket_type.clone(),
            channel: created.channel,
            priority: created.priority,
            status: created.status.clone(),
            assignee: None,
            assigned_at: None,
            unassigned_at: None,
            team: created.team,
            requester: created.requester.clone(),
            tags: Vec::new(),
            fields: BTreeMap::new(),
            status_history,
            created_at: event.at,
            updated_at: event.at,
            first_response_at: None,
            solved_at: None,
            message_count: 0,
            public_message_count: 0,
            archived: false,
            snoozed_until: None,
            trash: None,
            version: 1,
            sla: SlaClock::created(
                event.at,
                created
                    .requester
                    .as_ref()
                    .is_none_or(|r| Some(r.id) != event.actor),
            ),
        })
    }

    /// Folds one event into the ticket. Events are facts: this never fails.
    pub fn apply_event(&mut self, event: &Event) {
        self.sla.apply_event(event);
        match &event.kind {
            EventKind::Created(_) => {}
            EventKind::ReferenceAssigned { reference } => self.reference = Some(reference.clone()),
            EventKind::StatusChanged { to, solved, .. } => {
                self.status = to.clone();
                self.status_history.entry(to.clone()).or_insert(event.at);
                if *solved {
                    self.solved_at = Some(event.at);
                }
            }
            EventKind::PriorityChanged { to, .. } => self.priority = *to,
            EventKind::AssigneeChanged { to, .. } => {
                self.assignee = *to;
                self.assigned_at = to.map(|_| event.at);
                self.unassigned_at = to.is_none().then_some(event.at);
            }
            EventKind::TeamChanged { to, .. } => self.team = *to,
            EventKind::TagAdded { tag } => {
                if !self.tags.contains(tag) {
                    self.tags.push(*tag);
                }
            }
            EventKind::TagRemoved { tag } => self.tags.retain(|t| t != tag),
            EventKind::TitleChanged { to, .. } => self.title = to.clone(),
            EventKind::DescriptionChanged { to } => self.description = to.clone(),
            EventKind::FieldSet { field, value } => match value {
                Some(value) => {
                    self.fields.insert(field.clone(), value.clone());
                }
                None => {
                    self.fields.remove(field);
                }
            },
            EventKind::ArchiveChanged { archived } => self.archived = *archived,
            EventKind::SnoozeChanged { until } => self.snoozed_until = *until,
            EventKind::TrashChanged { to, .. } => self.trash = *to,
            EventKind::MessageAdded(message) => {
                self.message_count += 1;
                if message.visibility == Visibility::Public {
                    self.public_message_count += 1;
                }
                if message.visibility == Visibility::Public
                    && message.from_staff
                    && self.first_response_at.is_none()
                {
                    self.first_response_at = Some(event.at);
                }
            }
        }
        if event.at > self.updated_at {
            self.updated_at = event.at;
        }
        self.version += 1;
    }
}
