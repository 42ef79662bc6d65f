//! Who sees which ticket, and the sidebar counts of a queue.

use crate::mutation::Actor;
use crate::status::StatusId;
use crate::ticket::Ticket;
use crate::workspace::{Role, Team, Workspace};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Whether `actor` may see `ticket`.
///
/// Admins see everything. Agents and leaders see tickets of their teams, tickets with no team, and
/// tickets assigned to them; or every ticket where the workspace allows it. Customers see only their
/// own requests. The server's SQL filter mirrors this rule and is tested against it.
pub fn can_see(actor: &Actor, ticket: &Ticket, workspace: &Workspace) -> bool {
    Sight::of(ticket).visible_to(actor, workspace)
}

/// The fields of a ticket that decide who sees it, all [`can_see`] reads: the server keeps them
/// in columns of their own, so it can judge a ticket (or a past state of one) without its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sight {
    pub team: Option<Uuid>,
    pub assignee: Option<Uuid>,
    /// The requester's contact id.
    pub requester: Option<Uuid>,
}

impl Sight {
    pub fn of(ticket: &Ticket) -> Sight {
        Sight {
            team: ticket.team,
            assignee: ticket.assignee,
            requester: ticket.requester.as_ref().map(|r| r.id),
        }
    }

    /// Whether `actor` may see a ticket with these fields; see [`can_see`].
    pub fn visible_to(&self, actor: &Actor, workspace: &Workspace) -> bool {
        match actor.role {
            Role::Admin => true,
            Role::Customer => self.requester == Some(actor.id),
            Role::Agent | Role::Leader => {
                if workspace.agents_see_all_teams || self.assignee == Some(actor.id) {
                    return true;
                }
                match self.team {
                    None => true,
                    Some(team) => workspace
                        .agent(actor.id)
                        .is_some_and(|agent| agent.teams.contains(&team)),
                }
            }
        }
    }
}

/// The ticket as `actor` may receive it: staff get everything, customers the redacted view.
pub fn as_seen_by(actor: &Actor, ticket: &Ticket) -> Ticket {
    if actor.role.is_staff() {
        ticket.clone()
    } else {
        ticket.for_customer()
    }
}

/// The teams whose queues `actor` works: every team for admins or where the workspace shows all
/// teams, otherwise the actor's own.
pub fn teams_in_view<'a>(
    actor: &Actor,
    workspace: &'a Workspace,
) -> impl Iterator<Item = &'a Team> {
    let every = workspace.agents_see_all_teams || actor.role == Role::Admin;
    let mine = workspace
        .agent(actor.id)
        .map(|a| a.teams.clone())
        .unwrap_or_default();
    workspace
        .teams
        .iter()
        .filter(move |t| every || mine.contains(&t.id))
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

/// How the ticket list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Sort {
    /// Most recently created first.
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
    /// Most recently changed first.
    Updated,
    /// Most urgent first, then most recently changed.
    Priority,
    /// Nearest SLA deadline first (`deskline_shared::sla::Indicator::sort_key`).
    SlaDeadline,
}

impl Sort {
    /// Every order, as the selector offers them.
    pub const ALL: [Sort; 5] = [
        Sort::Newest,
        Sort::Oldest,
        Sort::Updated,
        Sort::Priority,
        Sort::SlaDeadline,
    ];

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Sort::Newest => "Newest",
            Sort::Oldest => "Oldest",
            Sort::Updated => "Recently updated",
            Sort::Priority => "Priority",
            Sort::SlaDeadline => "Next SLA deadline",
        }
    }

    /// The name stored and used as the `<option>` value.
    pub fn name(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::Updated => "updated",
            Sort::Priority => "priority",
            Sort::SlaDeadline => "sla_deadline",
        }
    }

    /// Parses a name.
    pub fn from_name(name: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Orders two tickets, each with its SLA sort key (`sla::Indicator::sort_key`, only read by
    /// [`Sort::SlaDeadline`]). Ties fall back to the most recent change, then the id, so the order
    /// never flickers.
    pub fn compare(self, (ka, a): ((u8, i64), &Ticket), (kb, b): ((u8, i64), &Ticket)) -> Ordering {
        let first = match self {
            Sort::Newest => b.created_at.cmp(&a.created_at),
            Sort::Oldest => a.created_at.cmp(&b.created_at),
            Sort::Updated => Ordering::Equal,
            Sort::Priority => a.priority.cmp(&b.priority),
            Sort::SlaDeadline => ka.cmp(&kb),
        };
        first
            .then(b.updated_at.cmp(&a.updated_at))
            .then(b.id.cmp(&a.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{self, ANA, BILLING, BRUNO, CARLA, TECHNICAL};
    use crate::{Context, Mutation, Preset, Role, apply};

    fn ticket_in(ws: &Workspace, team: Option<Uuid>, n: u128) -> Ticket {
        let (mut t, _) = fixtures::ticket(ws, Uuid::from_u128(n));
        t.team = team;
        t
    }

    #[test]
    fn agents_see_their_teams_unteamed_and_their_own_tickets() {
        let ws = fixtures::workspace(Preset::SupportModule);
        let ana = fixtures::actor(&ws, ANA);
        let bruno = fixtures::actor(&ws, BRUNO);
        let billing = ticket_in(&ws, Some(BILLING), 1);
        let technical = ticket_in(&ws, Some(TECHNICAL), 2);
        let loose = ticket_in(&ws, None, 3);
        assert!(
            can_see(&ana, &billing, &ws)
                && !can_see(&ana, &technical, &ws)
                && can_see(&ana, &loose, &ws)
        );
        assert!(!can_see(&bruno, &billing, &ws) && can_see(&bruno, &technical, &ws));
        let mut handed = technical.clone();
        handed.assignee = Some(ANA);
        assert!(
            can_see(&ana, &handed, &ws),
            "an agent sees what is assigned to them"
        );
        let mut open_ws = ws.clone();
        open_ws.agents_see_all_teams = true;
        assert!(can_see(&ana, &technical, &open_ws));
        let customer = fixtures::customer();
        let stranger = Actor {
            id: Uuid::from_u128(0xC9),
            name: "Eve".into(),
            role: Role::Customer,
        };
        assert!(can_see(&customer, &billing, &ws) && !can_see(&stranger, &billing, &ws));
    }

    #[test]
    fn counts_follow_status_and_assignee_and_teams_follow_the_viewer() {
        let ws = fixtures::workspace(Preset::SupportModule);
        let carla = fixtures::actor(&ws, CARLA);
        let mut t = ticket_in(&ws, Some(BILLING), 1);
        let ctx = Context {
            actor: &carla,
            workspace: &ws,
            now: fixtures::at(1),
        };
        for e in apply(Some(&t), &Mutation::Start { ticket_id: t.id }, &ctx).unwrap() {
            t.apply_event(&e);
        }
        t.status = StatusId::new("resolved");
        let counts = Counts::of([&t], CARLA);
        assert_eq!(
            (
                counts.total,
                counts.mine,
                counts.status(&StatusId::new("resolved"))
            ),
            (1, 1, 1)
        );
        let ana = fixtures::actor(&ws, crate::fixtures::ANA);
        let names: Vec<_> = teams_in_view(&ana, &ws).map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Billing"]);
        assert_eq!(teams_in_view(&carla, &ws).count(), 2);
    }

    #[test]
    fn sorts_name_their_order_and_break_ties_by_the_latest_change() {
        for sort in Sort::ALL {
            assert_eq!(Sort::from_name(sort.name()), Some(sort));
        }
        let ws = crate::fixtures::workspace(crate::Preset::SupportModule);
        let (old, _) = crate::fixtures::ticket(&ws, Uuid::from_u128(1));
        let mut new = old.clone();
        new.id = Uuid::from_u128(2);
        new.created_at += chrono::Duration::hours(1);
        new.updated_at += chrono::Duration::hours(1);
        let none = (2, 0);
        assert_eq!(
            Sort::Newest.compare((none, &new), (none, &old)),
            Ordering::Less
        );
        assert_eq!(
            Sort::Oldest.compare((none, &new), (none, &old)),
            Ordering::Greater
        );
        // Equal SLA keys: the most recently changed first.
        assert_eq!(
            Sort::SlaDeadline.compare((none, &new), (none, &old)),
            Ordering::Less
        );
        assert_eq!(
            Sort::SlaDeadline.compare(((0, 5), &old), ((0, 9), &new)),
            Ordering::Less
        );
    }
}
