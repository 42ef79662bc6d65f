//! Which tickets the list shows: the view chosen in the sidebar, the status tab, and the query
//! typed in the search box (or built with the filter bar), answered by the queue index.

use super::local;
use deskline_shared::filter::{Filter, FilterContext, Scope, Who};
use deskline_shared::index::{Bits, QueueIndex};
use deskline_shared::queue::{Counts, Sort};
use deskline_shared::sla::Zone;
use deskline_shared::{Actor, StatusId, Workspace};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A sidebar entry: a built-in view or a saved one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum View {
    /// Tickets assigned to the viewer.
    Mine,
    /// Tickets of the viewer's teams.
    MyTeams,
    /// Tickets assigned to nobody.
    Unassigned,
    /// Every ticket the viewer may see.
    All,
    /// Archived tickets.
    Archived,
    /// Tickets snoozed until later.
    Snoozed,
    /// Spam and deleted tickets.
    Trash,
    /// One team's tickets (`None`: without a team).
    Team(Option<Uuid>),
    /// A saved view: its query and sort, over every ticket.
    Saved(Uuid),
}

impl View {
    /// The built-in views, in sidebar order.
    pub const BUILT_IN: [View; 7] = [
        View::Mine,
        View::MyTeams,
        View::Unassigned,
        View::All,
        View::Archived,
        View::Snoozed,
        View::Trash,
    ];

    /// What the view asks of a ticket, before the user's own filters.
    pub fn filter(&self, actor: &Actor, workspace: &Workspace) -> Filter {
        let mut filter = Filter::default();
        match self {
            View::Mine => filter.assignees = vec![Who::Me],
            View::MyTeams => {
                // No teams means nothing to show, not everything: a team nobody has.
                let teams = workspace.agent(actor.id).map(|a| a.teams.clone());
                filter.teams = match teams {
                    Some(teams) if !teams.is_empty() => teams.into_iter().map(Some).collect(),
                    _ => vec![Some(Uuid::nil())],
                };
            }
            View::Unassigned => filter.assignees = vec![Who::Nobody],
            View::All | View::Saved(_) => {}
            // Archived tickets are all completed, and the trash keeps whatever was thrown away.
            View::Archived => {
                filter.scope = Scope::Archived;
                filter.show_completed = true;
            }
            View::Snoozed => filter.scope = Scope::Snoozed,
            View::Trash => {
                filter.scope = Scope::Trash;
                filter.show_completed = true;
            }
            View::Team(team) => filter.teams = vec![*team],
        }
        filter
    }

    /// The sidebar label and list heading of a built-in view.
    pub fn label(&self, workspace: &Workspace) -> String {
        match self {
            View::Mine => "My tickets".to_owned(),
            View::MyTeams => "My teams".to_owned(),
            View::Unassigned => "Unassigned".to_owned(),
            View::All => "All".to_owned(),
            View::Archived => "Archived".to_owned(),
            View::Snoozed => "Snoozed".to_owned(),
            View::Trash => "Spam/Deleted".to_owned(),
            View::Team(Some(team)) => workspace
                .team(*team)
                .map_or_else(|| "Team".to_owned(), |t| t.name.clone()),
            View::Team(None) => "No team".to_owned(),
            View::Saved(_) => "Saved view".to_owned(),
        }
    }

    /// A short stable name for `data-testid`s and the saved choice.
    pub fn key(&self) -> String {
        match self {
            View::Mine => "mine".to_owned(),
            View::MyTeams => "my-teams".to_owned(),
            View::Unassigned => "unassigned".to_owned(),
            View::All => "all".to_owned(),
            View::Archived => "archived".to_owned(),
            View::Snoozed => "snoozed".to_owned(),
            View::Trash => "trash".to_owned(),
            View::Team(Some(team)) => format!("team-{team}"),
            View::Team(None) => "team-none".to_owned(),
            View::Saved(id) => format!("saved-{id}"),
        }
    }

    /// Whether an assignee filter makes sense here (not in a view that fixes the assignee).
    pub fn offers_assignee(&self) -> bool {
        !matches!(self, View::Mine | View::Unassigned)
    }

    /// Whether a team filter makes sense here (not in a view that fixes the team).
    pub fn offers_team(&self) -> bool {
        !matches!(self, View::Team(_))
    }
}

/// What the list shows, and the counts of the status tabs.
///
/// The list is a selection and an order of the index, not a list of ids: at 100,000 tickets,
/// copying every listed id out in order was as costly as the filter itself, and only the rows in
/// sight are read on most keystrokes ([`Listing::ids`] walks the order from the top).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// The listed slots of the index.
    shown: Bits,
    /// Their order.
    sort: Sort,
    /// How many tickets are listed.
    pub len: usize,
    /// How many the view and query list on the "All" tab.
    pub all: usize,
    /// Tickets of the view and query per status, completed ones included, whatever the tab.
    pub tabs: Counts,
    /// The projection's generation the listing was read from: the same selection of a changed
    /// index may be in another order.
    generation: u64,
}

impl Listing {
    /// Whether nothing is listed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The listed tickets in order, from the top; `index` must be the one the listing was read
    /// from (it is, under [`super::Store::with_listed`]).
    pub fn ids<'a>(&'a self, index: &'a QueueIndex) -> impl Iterator<Item = Uuid> + 'a {
        index.sorted(&self.shown, self.sort).map(|s| index.id(s))
    }

    /// The listed tickets at positions `from..to`.
    pub fn slice(&self, index: &QueueIndex, from: usize, to: usize) -> Vec<Uuid> {
        self.ids(index)
            .skip(from)
            .take(to.saturating_sub(from))
            .collect()
    }

    /// The list position of `id`, if it is listed.
    pub fn position(&self, index: &QueueIndex, id: Uuid) -> Option<usize> {
        self.ids(index).position(|listed| listed == id)
    }
}

/// Everything the list depends on besides the tickets.
pub struct Ask<'a> {
    /// The view's own filter.
    pub view: &'a Filter,
    /// The user's query.
    pub query: &'a Filter,
    /// The status tab (`None`: every status the view and query show).
    pub tab: Option<&'a StatusId>,
    /// The list order.
    pub sort: Sort,
}

/// Answers `ask` over the tickets `visible` to the viewer, in the projection's `generation`.
pub fn listing(
    index: &QueueIndex,
    generation: u64,
    visible: &Bits,
    ask: &Ask<'_>,
    ctx: &FilterContext<'_>,
) -> Listing {
    // One place to look in: the view's (Archived, Snoozed, Spam/Deleted), else the query's
    // (`in:archived` typed in All); every filter below asks for that scope.
    let scope = if ask.view.scope == Scope::Active {
        ask.query.scope
    } else {
        ask.view.scope
    };
    // The tabs count every status, so completed ones are let through here; which are listed is
    // decided below. A filter that names a completed status (or asks for them) shows them all.
    let shows_completed = ask.view.shows_completed(ctx.workspace)
        || ask.query.shows_completed(ctx.workspace)
        || scope.lists_completed();
    let everything = |f: &Filter| Filter {
        show_completed: true,
        scope,
        ..f.clone()
    };
    let (view, query) = (everything(ask.view), everything(ask.query));
    let mut shown = index.select(visible, &[&view, &query], ctx);
    let tabs = index.status_counts(&shown);
    // What the "All" tab lists, counted from the tabs rather than selected again.
    let all = if shows_completed {
        tabs.total
    } else {
        tabs.by_status
            .iter()
            .filter(|(status, _)| !ctx.workspace.category(status).is_completed())
            .map(|(_, n)| n)
            .sum()
    };
    match ask.tab {
        Some(status) => index.keep_status(&mut shown, status),
        None if !shows_completed => index.drop_completed(&mut shown),
        None => {}
    }
    Listing {
        len: shown.count(),
        shown,
        sort: ask.sort,
        all,
        tabs,
        generation,
    }
}

/// Sidebar counts: views, statuses and teams.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SidebarCounts {
    /// Over tickets not completed (and not archived, snoozed or in the trash): the views and the
    /// teams.
    pub open: Counts,
    /// Over every active ticket, completed ones included: the statuses.
    pub all: Counts,
    /// Tickets in the viewer's teams, not completed.
    pub my_teams: usize,
    /// Archived tickets.
    pub archived: usize,
    /// Tickets snoozed now.
    pub snoozed: usize,
    /// Spam and deleted tickets.
    pub trash: usize,
}

impl SidebarCounts {
    /// The count shown next to `view`.
    pub fn of(&self, view: &View) -> Option<usize> {
        Some(match view {
            View::Mine => self.open.mine,
            View::MyTeams => self.my_teams,
            View::Unassigned => self.open.unassigned,
            View::All => self.open.total,
            View::Archived => self.archived,
            View::Snoozed => self.snoozed,
            View::Trash => self.trash,
            View::Team(team) => self.open.team(*team),
            View::Saved(_) => return None,
        })
    }
}

/// Counts the sidebar's entries over the tickets `visible` to the viewer.
pub fn sidebar_counts(
    index: &QueueIndex,
    visible: &Bits,
    actor: &Actor,
    ctx: &FilterContext<'_>,
) -> SidebarCounts {
    let open = index.select(visible, &[&Filter::default()], ctx);
    let all = Filter {
        show_completed: true,
        ..Filter::default()
    };
    let all = index.select(visible, &[&all], ctx);
    let in_scope = |scope: Scope| {
        let filter = Filter {
            scope,
            show_completed: true,
            ..Filter::default()
        };
        index.select(visible, &[&filter], ctx).count()
    };
    let open = index.counts(&open, ctx.me);
    let my_teams = ctx
        .workspace
        .agent(actor.id)
        .map_or(0, |a| a.teams.iter().map(|t| open.team(Some(*t))).sum());
    SidebarCounts {
        my_teams,
        all: index.counts(&all, ctx.me),
        open,
        archived: in_scope(Scope::Archived),
        snoozed: in_scope(Scope::Snoozed),
        trash: in_scope(Scope::Trash),
    }
}

/// The zone whose days the query's date ranges mean: the workspace's first business calendar's
/// (the offsets come with the configuration; the browser ships no time zone database).
pub fn zone(workspace: &Workspace) -> Zone {
    workspace
        .sla
        .calendars
        .first()
        .map(|c| c.zone.clone())
        .unwrap_or_default()
}

const VIEW: &str = "deskline.view";
const QUERY: &str = "deskline.query";

/// The view and query in use last time, so a reload comes back to them.
pub fn load() -> (View, String) {
    let view = local::get(VIEW)
        .and_then(|text| serde_json::from_slice(text.as_bytes()).ok())
        .unwrap_or(View::All);
    (view, local::get(QUERY).unwrap_or_default())
}

/// Remembers the view and query for the next visit.
pub fn save(view: &View, query: &str) {
    if let Ok(text) = serde_json::to_string(view) {
        local::set(VIEW, &text);
    }
    local::set(QUERY, query);
}

/// Where one user's open tabs are remembered.
fn tabs_key(user: Uuid) -> String {
    format!("deskline.tabs.{user}")
}

/// The tickets open as tabs last time.
pub fn load_tabs(user: Uuid) -> Vec<Uuid> {
    let mut tabs: Vec<Uuid> = local::get(&tabs_key(user))
        .and_then(|text| serde_json::from_slice(text.as_bytes()).ok())
        .unwrap_or_default();
    tabs.truncate(super::MAX_TABS);
    tabs
}

/// Remembers the open tabs for the next visit.
pub fn save_tabs(user: Uuid, tabs: &[Uuid]) {
    if let Ok(text) = serde_json::to_string(tabs) {
        local::set(&tabs_key(user), &text);
    }
}
