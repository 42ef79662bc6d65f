//! Who sees which ticket, and the sidebar counts of a queue.

use crate::mutation::Actor;
use crate::status::StatusId;
use crate::ticket::Ticket;
use crate::workspace::{Role, Workspace};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Whether `actor` may see `ticket`.
///
/// Admins see everything. Agents and leaders see tickets of their teams, tickets with no team, and
/// tickets assigned to them; or every ticket where the workspace allows it. Customers see only their
/// own requests. The server's SQL filter mirrors this rule and is tested against it.
pub fn can_see(actor: &Actor, ticket: &Ticket, workspace: &Workspace) -> bool {
    match actor.role {
        Role::Admin => true,
        Role::Customer => ticket.requester.as_ref().is_some_and(|r| r.id == actor.id),
        Role::Agent | Role::Leader => {
            if workspace.agents_see_all_teams || ticket.assignee == Some(actor.id) {
                return true;
            }
            match ticket.team {
                None => true,
                Some(team) => workspace
                    .agent(actor.id)
                    .is_some_and(|agent| agent.teams.contains(&team)),
            }
        }
    }
}

/// Ticket counts for the sidebar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Every ticket counted.
    pub total: usize,
    /// By status id.
    pub by_status: BTreeMap<StatusId, usize>,
    /// By team id; tickets without a team are under `None`.
    pub by_team: BTreeMap<Option<Uuid>, usize>,
    /// Tickets assigned to the viewer.
    pub mine: usize,
    /// Tickets assigned to nobody.
    pub unassigned: usize,
}

impl Counts {
    /// Counts `tickets` from the point of view of agent `me`.
    pub fn of<'a>(tickets: impl IntoIterator<Item = &'a Ticket>, me: Uuid) -> Counts {
        let mut counts = Counts::default();
        for ticket in tickets {
            counts.total += 1;
            *counts.by_status.entry(ticket.status.clone()).or_default() += 1;
            *counts.by_team.entry(ticket.team).or_default() += 1;
            match ticket.assignee {
                Some(a) if a == me => counts.mine += 1,
                Some(_) => {}
                None => counts.unassigned += 1,
            }
        }
        counts
    }

    /// The count for one status.
    pub fn status(&self, id: &StatusId) -> usize {
        self.by_status.get(id).copied().unwrap_or(0)
    }

    /// The count for one team.
    pub fn team(&self, id: Option<Uuid>) -> usize {
        self.by_team.get(&id).copied().unwrap_or(0)
    }
}
