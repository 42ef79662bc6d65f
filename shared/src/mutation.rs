//! Named mutations with intent-level arguments, and the one pure function that decides them.
//!
//! `apply` runs in the browser (optimistically) and on the server (authoritatively) with the same
//! inputs, so both reach the same verdict. It never mutates: it returns the events to append, or a
//! [`Rejection`] whose message is a sentence the user can act on.

use crate::event::{Created, Event, EventKind, Message, Visibility};
use crate::status::{StatusCategory, StatusId};
use crate::ticket::{Channel, Priority, Requester, Ticket, Trash};
use crate::workspace::{FieldValue, Role, Workspace};
use crate::{
    MAX_DESCRIPTION_CHARS, MAX_NOTE_CHARS, MAX_REPLY_CHARS, MAX_TAGS_PER_TICKET, MAX_TITLE_CHARS,
};
// Hours and minutes by hand: chrono's strftime engine would otherwise land in the browser download.
use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// User id.
    pub id: Uuid,
    /// Display name, written into messages.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// Everything `apply` may consult besides the ticket: who acts, the workspace rules, and the time.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Who is acting.
    pub actor: &'a Actor,
    /// The workspace configuration.
    pub workspace: &'a Workspace,
    /// The time the mutation takes effect.
    pub now: DateTime<Utc>,
}

/// A change a user asks for, named by intent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "name",
    content = "args",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum Mutation {
    /// Open a new ticket with a client-chosen id.
    Create {
        /// UUID v7 chosen by the client.
        ticket_id: Uuid,
        /// Required title.
        title: String,
        /// Description.
        #[serde(default)]
        description: String,
        /// One of the workspace's ticket types.
        ticket_type: String,
        /// Where it came from.
        channel: Channel,
        /// How urgent.
        priority: Priority,
        /// Team, if known.
        #[serde(default)]
        team: Option<Uuid>,
        /// Requester, if known.
        #[serde(default)]
        requester: Option<Requester>,
    },
    /// Take the ticket: assign it to yourself and move it to the first Open status.
    Start {
        /// The ticket.
        ticket_id: Uuid,
    },
    /// Give the ticket back to the queue.
    Release {
        /// The ticket.
        ticket_id: Uuid,
    },
    /// Move the ticket to a status.
    SetStatus {
        /// The ticket.
        ticket_id: Uuid,
        /// Target status.
        status: StatusId,
    },
    /// Change the priority.
    SetPriority {
        /// The ticket.
        ticket_id: Uuid,
        /// New priority.
        priority: Priority,
    },
    /// Assign to an agent, or unassign with `null`.
    Assign {
        /// The ticket.
        ticket_id: Uuid,
        /// The agent.
        agent: Option<Uuid>,
    },
    /// Move to a team, or to no team with `null`.
    SetTeam {
        /// The ticket.
        ticket_id: Uuid,
        /// The team.
        team: Option<Uuid>,
    },
    /// Add a public reply or an internal note.
    Reply {
        /// The ticket.
        ticket_id: Uuid,
        /// Client-chosen message id.
        message_id: Uuid,
        /// Public reply or internal note.
        visibility: Visibility,
        /// Plain text.
        body: String,
    },
    /// Add a tag.
    AddTag {
        /// The ticket.
        ticket_id: Uuid,
        /// Tag id.
        tag: Uuid,
    },
    /// Remove a tag.
    RemoveTag {
        /// The ticket.
        ticket_id: Uuid,
        /// Tag id.
        tag: Uuid,
    },
    /// Replace the title.
    EditTitle {
        /// The ticket.
        ticket_id: Uuid,
        /// New title.
        title: String,
    },
    /// Replace the description.
    EditDescription {
        /// The ticket.
        ticket_id: Uuid,
        /// New description.
        description: String,
    },
    /// Set or clear a custom field.
    SetField {
        /// The ticket.
        ticket_id: Uuid,
        /// Field key.
        field: String,
        /// New value; `null` clears it.
        value: Option<FieldValue>,
    },
    /// Put a completed ticket in the archive, or take it out with `false`.
    Archive {
        /// The ticket.
        ticket_id: Uuid,
        /// Archived or not.
        archived: bool,
    },
    /// Snooze until a time, or wake now with `null`.
    Snooze {
        /// The ticket.
        ticket_id: Uuid,
        /// When it comes back; must be later than now.
        until: Option<DateTime<Utc>>,
    },
    /// Mark as spam or deleted, or restore with `null`.
    SetTrash {
        /// The ticket.
        ticket_id: Uuid,
        /// Spam, deleted, or restored.
        trash: Option<Trash>,
    },
}

impl Mutation {
    /// The ticket the mutation is about.
    pub fn ticket_id(&self) -> Uuid {
        match self {
            Mutation::Create { ticket_id, .. }
            | Mutation::Start { ticket_id }
            | Mutation::Release { ticket_id }
            | Mutation::SetStatus { ticket_id, .. }
            | Mutation::SetPriority { ticket_id, .. }
            | Mutation::Assign { ticket_id, .. }
            | Mutation::SetTeam { ticket_id, .. }
            | Mutation::Reply { ticket_id, .. }
            | Mutation::AddTag { ticket_id, .. }
            | Mutation::RemoveTag { ticket_id, .. }
            | Mutation::EditTitle { ticket_id, .. }
            | Mutation::EditDescription { ticket_id, .. }
            | Mutation::SetField { ticket_id, .. }
            | Mutation::Archive { ticket_id, .. }
            | Mutation::Snooze { ticket_id, .. }
            | Mutation::SetTrash { ticket_id, .. } => *ticket_id,
        }
    }

    /// The mutation's wire name, e.g. `set_priority`.
    pub fn name(&self) -> &'static str {
        match self {
            Mutation::Create { .. } => "create",
            Mutation::Start { .. } => "start",
            Mutation::Release { .. } => "release",
            Mutation::SetStatus { .. } => "set_status",
            Mutation::SetPriority { .. } => "set_priority",
            Mutation::Assign { .. } => "assign",
            Mutation::SetTeam { .. } => "set_team",
            Mutation::Reply { .. } => "reply",
            Mutation::AddTag { .. } => "add_tag",
            Mutation::RemoveTag { .. } => "remove_tag",
            Mutation::EditTitle { .. } => "edit_title",
            Mutation::EditDescription { .. } => "edit_description",
            Mutation::SetField { .. } => "set_field",
            Mutation::Archive { .. } => "archive",
            Mutation::Snooze { .. } => "snooze",
            Mutation::SetTrash { .. } => "set_trash",
        }
    }
}

/// Why a mutation was refused, as a sentence the user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    /// The mutation names a ticket that does not exist (or that the actor may not see).
    #[error("That ticket does not exist or you cannot see it.")]
    TicketNotFound,
    /// A create reused an id.
    #[error("A ticket with this id already exists ({reference}); it was not created twice.")]
    AlreadyExists {
        /// The existing ticket's reference.
        reference: String,
    },
    /// Someone else holds the ticket.
    #[error("Ticket {reference} was started by {holder} at {:02}:{:02} UTC; ask {holder} to release it, or add a note.", .at.hour(), .at.minute())]
    HeldBy {
        /// Ticket reference.
        reference: String,
        /// The holder's name.
        holder: String,
        /// When they took it.
        at: DateTime<Utc>,
    },
    /// Only the holder or a team leader may release.
    #[error("Only {holder}, who holds ticket {reference}, or a team leader can release it.")]
    NotHolder {
        /// Ticket reference.
        reference: String,
        /// The holder's name.
        holder: String,
    },
    /// Release of a ticket nobody holds.
    #[error("Ticket {reference} is not held by anyone, so there is nothing to release.")]
    NotHeld {
        /// Ticket reference.
        reference: String,
    },
    /// The ticket is closed.
    #[error("Ticket {reference} is closed; open a follow-up ticket instead.")]
    Closed {
        /// Ticket reference.
        reference: String,
    },
    /// The actor's role does not allow this.
    #[error("You cannot {action}: it needs {needed}.")]
    NotPermitted {
        /// What was attempted.
        action: String,
        /// The role needed.
        needed: String,
    },
    /// A status id that the workspace does not define.
    #[error("There is no status \"{status}\" in this workspace.")]
    UnknownStatus {
        /// The id given.
        status: String,
    },
    /// The workspace has no status of a category the mutation needs.
    #[error("This workspace has no {category} status to move the ticket to.")]
    NoStatusInCategory {
        /// The category's label.
        category: String,
    },
    /// An agent id that the workspace does not know or that is inactive.
    #[error("There is no active agent with that id; pick someone from the agent list.")]
    UnknownAgent,
    /// A team id that the workspace does not know.
    #[error("There is no team with that id; pick one from the team list.")]
    UnknownTeam,
    /// A tag id that the workspace does not know.
    #[error("There is no tag with that id; create the tag first.")]
    UnknownTag,
    /// A ticket type that the workspace does not define.
    #[error("\"{ticket_type}\" is not a ticket type of this workspace.")]
    UnknownTicketType {
        /// The type given.
        ticket_type: String,
    },
    /// A custom field key that the workspace does not define.
    #[error("There is no field \"{field}\" in this workspace.")]
    UnknownField {
        /// The key given.
        field: String,
    },
    /// A custom field value of the wrong kind.
    #[error("\"{field}\" must be {expected}.")]
    InvalidFieldValue {
        /// The field's label.
        field: String,
        /// What it accepts.
        expected: String,
    },
    /// A required field is empty at solve time.
    #[error("Fill in \"{field}\" before marking ticket {reference} {status}.")]
    RequiredFieldMissing {
        /// The field's label.
        field: String,
        /// Ticket reference.
        reference: String,
        /// The target status label.
        status: String,
    },
    /// A required field would be emptied on a solved or closed ticket.
    #[error(
        "\"{field}\" is required while ticket {reference} is {status}; reopen it to clear the field."
    )]
    RequiredFieldCleared {
        /// The field's label.
        field: String,
        /// Ticket reference.
        reference: String,
        /// The current status label.
        status: String,
    },
    /// Archive of a ticket that is not finished.
    #[error("Ticket {reference} is not solved or closed; only completed tickets can be archived.")]
    NotArchivable {
        /// Ticket reference.
        reference: String,
    },
    /// Snooze of a ticket that is finished.
    #[error(
        "Ticket {reference} is solved or closed; only tickets still being worked on can be snoozed."
    )]
    NotSnoozable {
        /// Ticket reference.
        reference: String,
    },
    /// Snooze until a time that is not in the future.
    #[error(
        "Ticket {reference} cannot be snoozed until {:04}-{:02}-{:02} {:02}:{:02} UTC: that time has passed; pick a later one.",
        .until.year(), .until.month(), .until.day(), .until.hour(), .until.minute()
    )]
    SnoozeInThePast {
        /// Ticket reference.
        reference: String,
        /// The time asked for.
        until: DateTime<Utc>,
    },
    /// A message id that is already on a timeline (reported by the server, which knows them all).
    #[error("This message was already added to the timeline; it was not added twice.")]
    DuplicateMessage,
    /// Customers open tickets only for themselves.
    #[error("You can open tickets only for yourself.")]
    RequesterMismatch,
    /// The tag limit would be exceeded.
    #[error(
        "Ticket {reference} already has {limit} tags, the most a ticket can have; remove one first."
    )]
    TooManyTags {
        /// Ticket reference.
        reference: String,
        /// The limit.
        limit: usize,
    },
    /// An empty required text.
    #[error("The {what} cannot be empty.")]
    Empty {
        /// What was empty ("title", "reply", "note").
        what: String,
    },
    /// A text over its length limit.
    #[error("The {what} is {length} characters long; the limit is {limit}.")]
    TooLong {
        /// What was too long.
        what: String,
        /// Its length in characters.
        length: usize,
        /// The limit in characters.
        limit: usize,
    },
}

/// Decides a mutation. `ticket` is `None` only for tickets that do not exist yet (a `Create`).
///
/// Returns the events to append (possibly none when the mutation changes nothing, such as adding a
/// tag the ticket already has), or why it was refused. Never panics, whatever the input.
pub fn apply(
    ticket: Option<&Ticket>,
    mutation: &Mutation,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, Rejection> {
    let ticket = match (ticket, mutation) {
        (None, Mutation::Create { .. }) => return create(mutation, ctx),
        (None, _) => return Err(Rejection::TicketNotFound),
        (Some(ticket), _) => ticket,
    };
    if let Mutation::Create { .. } = mutation {
        return Err(Rejection::AlreadyExists {
            reference: ticket.display_reference().to_owned(),
        });
    }
    if !ctx.actor.role.is_staff() && !is_customer_reply(ticket, mutation, ctx.actor) {
        return Err(Rejection::NotPermitted {
            action: format!("use \"{}\" on a ticket", mutation.name()),
            needed: "an agent account".into(),
        });
    }
    let ws = ctx.workspace;
    let reference = || ticket.display_reference().to_owned();
    let category = ws.category(&ticket.status);
    let is_internal_note = matches!(
        mutation,
        Mutation::Reply {
            visibility: Visibility::Internal,
            ..
        }
    );
    // Filing a ticket away is not working on it, so it is allowed on a closed one too.
    let files_away = matches!(
        mutation,
        Mutation::Archive { .. } | Mutation::Snooze { .. } | Mutation::SetTrash { .. }
    );
    if category == StatusCategory::Closed && !is_internal_note && !files_away {
        return Err(Rejection::Closed {
            reference: reference(),
        });
    }
    let event = |kind| Event {
        ticket: ticket.id,
        actor: Some(ctx.actor.id),
        at: ctx.now,
        kind,
    };
    let move_to = |to: &StatusId| -> Option<Event> {
        (ticket.status != *to).then(|| {
            event(EventKind::StatusChanged {
                from: ticket.status.clone(),
                to: to.clone(),
                solved: ws.category(to) == StatusCategory::Solved,
                category: ws.category(to),
            })
        })
    };

    let mut events = match mutation {
        // Answered above, before any rule that could mask the duplicate.
        Mutation::Create { .. } => Vec::new(),
        Mutation::Start { .. } => {
            // Someone else's ticket is theirs in any status; a leader reassigns with Assign.
            if let Some(holder) = ticket.assignee.filter(|&a| a != ctx.actor.id) {
                return Err(Rejection::HeldBy {
                    reference: reference(),
                    holder: ws.agent_name(holder).to_owned(),
                    at: ticket.assigned_at.unwrap_or(ticket.updated_at),
                });
            }
            let open =
                ws.first_in(StatusCategory::Open)
                    .ok_or_else(|| Rejection::NoStatusInCategory {
                        category: StatusCategory::Open.label().to_owned(),
                    })?;
            let mut events = Vec::new();
            if ticket.assignee != Some(ctx.actor.id) {
                events.push(event(EventKind::AssigneeChanged {
                    from: ticket.assignee,
                    to: Some(ctx.actor.id),
                }));
            }
            if category != StatusCategory::Open {
                events.extend(move_to(&open.id));
            }
            events
        }
        Mutation::Release { .. } => {
            let Some(holder) = ticket.assignee else {
                return Err(Rejection::NotHeld {
                    reference: reference(),
                });
            };
            if holder != ctx.actor.id && !ctx.actor.role.is_leader() {
                return Err(Rejection::NotHolder {
                    reference: reference(),
                    holder: ws.agent_name(holder).to_owned(),
                });
            }
            let mut events = vec![event(EventKind::AssigneeChanged {
                from: Some(holder),
                to: None,
            })];
            if category == StatusCategory::Open {
                let new = ws.first_in(StatusCategory::New).ok_or_else(|| {
                    Rejection::NoStatusInCategory {
                        category: StatusCategory::New.label().to_owned(),
                    }
                })?;
                events.extend(move_to(&new.id));
            }
            events
        }
        Mutation::SetStatus { status, .. } => {
            let target = ws.status(status).ok_or_else(|| Rejection::UnknownStatus {
                status: status.to_string(),
            })?;
            if target.category.is_completed()
                && let Some(field) = ws
                    .fields
                    .iter()
                    .find(|f| f.required_to_solve && !ticket.fields.contains_key(&f.key))
            {
                return Err(Rejection::RequiredFieldMissing {
                    field: field.label.clone(),
                    reference: reference(),
                    status: target.label.clone(),
                });
            }
            move_to(status).into_iter().collect()
        }
        Mutation::SetPriority { priority, .. } => {
            if ticket.priority == *priority {
                Vec::new()
            } else {
                vec![event(EventKind::PriorityChanged {
                    from: ticket.priority,
                    to: *priority,
                })]
            }
        }
        Mutation::Assign { agent, .. } => {
            if let Some(agent) = agent
                && !ws
                    .agent(*agent)
                    .is_some_and(|a| a.active && a.role.is_staff())
            {
                return Err(Rejection::UnknownAgent);
            }
            if ticket.assignee == *agent {
                Vec::new()
            } else {
                vec![event(EventKind::AssigneeChanged {
                    from: ticket.assignee,
                    to: *agent,
                })]
            }
        }
        Mutation::SetTeam { team, .. } => {
            if let Some(team) = team
                && ws.team(*team).is_none()
            {
                return Err(Rejection::UnknownTeam);
            }
            if ticket.team == *team {
                Vec::new()
            } else {
                vec![event(EventKind::TeamChanged {
                    from: ticket.team,
                    to: *team,
                })]
            }
        }
        Mutation::Reply {
            message_id,
            visibility,
            body,
            ..
        } => {
            let (what, limit) = match visibility {
                Visibility::Public => ("reply", MAX_REPLY_CHARS),
                Visibility::Internal => ("note", MAX_NOTE_CHARS),
            };
            let body = body.trim();
            check_text(what, body, limit, true)?;
            let from_staff = ctx.actor.role.is_staff();
            let mut events = vec![event(EventKind::MessageAdded(Message {
                id: *message_id,
                visibility: *visibility,
                from_staff,
                author_name: ctx.actor.name.clone(),
                body: body.to_owned(),
            }))];
            // The customer answered: a ticket waiting on them, or solved, is back in the queue,
            // and so is one the team archived or snoozed.
            if !from_staff && matches!(category, StatusCategory::Pending | StatusCategory::Solved) {
                let back_to = if ticket.assignee.is_some() {
                    StatusCategory::Open
                } else {
                    StatusCategory::New
                };
                if let Some(status) = ws.first_in(back_to) {
                    events.extend(move_to(&status.id));
                }
            }
            if !from_staff && ticket.archived {
                events.push(event(EventKind::ArchiveChanged { archived: false }));
            }
            if !from_staff && ticket.snoozed_at(ctx.now.timestamp()) {
                events.push(event(EventKind::SnoozeChanged { until: None }));
            }
            events
        }
        Mutation::AddTag { tag, .. } => {
            if ws.tag(*tag).is_none() {
                return Err(Rejection::UnknownTag);
            }
            if ticket.tags.contains(tag) {
                Vec::new()
            } else if ticket.tags.len() >= MAX_TAGS_PER_TICKET {
                return Err(Rejection::TooManyTags {
                    reference: reference(),
                    limit: MAX_TAGS_PER_TICKET,
                });
            } else {
                vec![event(EventKind::TagAdded { tag: *tag })]
            }
        }
        Mutation::RemoveTag { tag, .. } => {
            if ticket.tags.contains(tag) {
                vec![event(EventKind::TagRemoved { tag: *tag })]
            } else {
                Vec::new()
            }
        }
        Mutation::EditTitle { title, .. } => {
            let title = title.trim();
            check_text("title", title, MAX_TITLE_CHARS, true)?;
            if ticket.title == title {
                Vec::new()
            } else {
                vec![event(EventKind::TitleChanged {
                    from: ticket.title.clone(),
                    to: title.to_owned(),
                })]
            }
        }
        Mutation::EditDescription { description, .. } => {
            check_text("description", description, MAX_DESCRIPTION_CHARS, false)?;
            if ticket.description == *description {
                Vec::new()
            } else {
                vec![event(EventKind::DescriptionChanged {
                    to: description.clone(),
                })]
            }
        }
        Mutation::SetField { field, value, .. } => {
            let def = ws.field(field).ok_or_else(|| Rejection::UnknownField {
                field: field.clone(),
            })?;
            if let Some(value) = value {
                def.check(value)
                    .map_err(|expected| Rejection::InvalidFieldValue {
                        field: def.label.clone(),
                        expected,
                    })?;
            }
            // A blank text is no value: store it as cleared, so "filled in" means filled in.
            let value = value.as_ref().filter(|v| !v.is_blank());
            if def.required_to_solve && value.is_none() && category.is_completed() {
                return Err(Rejection::RequiredFieldCleared {
                    field: def.label.clone(),
                    reference: reference(),
                    status: ws.status_label(&ticket.status).to_owned(),
                });
            }
            let value = value.cloned();
            if ticket.fields.get(field) == value.as_ref() {
                Vec::new()
            } else {
                vec![event(EventKind::FieldSet {
                    field: field.clone(),
                    value: value.clone(),
                })]
            }
        }
        Mutation::Archive { archived, .. } => {
            if ticket.archived == *archived {
                Vec::new()
            } else if *archived && !category.is_completed() {
                return Err(Rejection::NotArchivable {
                    reference: reference(),
                });
            } else {
                vec![event(EventKind::ArchiveChanged {
                    archived: *archived,
                })]
            }
        }
        Mutation::Snooze { until, .. } => {
            if let Some(until) = *until {
                if category.is_completed() {
                    return Err(Rejection::NotSnoozable {
                        reference: reference(),
                    });
                }
                if until <= ctx.now {
                    return Err(Rejection::SnoozeInThePast {
                        reference: reference(),
                        until,
                    });
                }
            }
            if ticket.snoozed_until == *until {
                Vec::new()
            } else {
                vec![event(EventKind::SnoozeChanged { until: *until })]
            }
        }
        Mutation::SetTrash { trash, .. } => {
            if ticket.trash == *trash {
                Vec::new()
            } else {
                vec![event(EventKind::TrashChanged {
                    from: ticket.trash,
                    to: *trash,
                })]
            }
        }
    };
    // The archive holds finished work and a snooze defers unfinished work: a ticket reopened
    // (by any mutation that moves its status) leaves the archive, and one completed wakes up.
    let last_status = events.iter().rev().find_map(|e| match &e.kind {
        EventKind::StatusChanged { to, .. } => Some(ws.category(to).is_completed()),
        _ => None,
    });
    if let Some(completed) = last_status {
        let archived = events
            .iter()
            .rev()
            .find_map(|e| match e.kind {
                EventKind::ArchiveChanged { archived } => Some(archived),
                _ => None,
            })
            .unwrap_or(ticket.archived);
        let snoozed = events
            .iter()
            .rev()
            .find_map(|e| match e.kind {
                EventKind::SnoozeChanged { until } => Some(until),
                _ => None,
            })
            .unwrap_or(ticket.snoozed_until);
        if archived && !completed {
            events.push(event(EventKind::ArchiveChanged { archived: false }));
        }
        if snoozed.is_some() && completed {
            events.push(event(EventKind::SnoozeChanged { until: None }));
        }
    }
    Ok(events)
}

/// Customers may add public replies to their own tickets and nothing else.
fn is_customer_reply(ticket: &Ticket, mutation: &Mutation, actor: &Actor) -> bool {
    matches!(
        mutation,
        Mutation::Reply {
            visibility: Visibility::Public,
            ..
        }
    ) && ticket.requester.as_ref().is_some_and(|r| r.id == actor.id)
}

fn create(mutation: &Mutation, ctx: &Context<'_>) -> Result<Vec<Event>, Rejection> {
    let Mutation::Create {
        ticket_id,
        title,
        description,
        ticket_type,
        channel,
        priority,
        team,
        requester,
    } = mutation
    else {
        return Err(Rejection::TicketNotFound);
    };
    let ws = ctx.workspace;
    if !ctx.actor.role.is_staff() && requester.as_ref().is_none_or(|r| r.id != ctx.actor.id) {
        return Err(Rejection::RequesterMismatch);
    }
    let title = title.trim();
    check_text("title", title, MAX_TITLE_CHARS, true)?;
    check_text("description", description, MAX_DESCRIPTION_CHARS, false)?;
    if !ws.ticket_types.iter().any(|t| t == ticket_type) {
        return Err(Rejection::UnknownTicketType {
            ticket_type: ticket_type.clone(),
        });
    }
    if let Some(team) = team
        && ws.team(*team).is_none()
    {
        return Err(Rejection::UnknownTeam);
    }
    let status = ws
        .first_in(StatusCategory::New)
        .ok_or_else(|| Rejection::NoStatusInCategory {
            category: StatusCategory::New.label().to_owned(),
        })?;
    Ok(vec![Event {
        ticket: *ticket_id,
        actor: Some(ctx.actor.id),
        at: ctx.now,
        kind: EventKind::Created(Created {
            title: title.to_owned(),
            description: description.clone(),
            ticket_type: ticket_type.clone(),
            channel: *channel,
            priority: *priority,
            status: status.id.clone(),
            team: *team,
            requester: requester.clone(),
        }),
    }])
}

fn check_text(what: &str, text: &str, limit: usize, required: bool) -> Result<(), Rejection> {
    if required && text.trim().is_empty() {
        return Err(Rejection::Empty {
            what: what.to_owned(),
        });
    }
    let length = text.chars().count();
    if length > limit {
        return Err(Rejection::TooLong {
            what: what.to_owned(),
            length,
            limit,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
