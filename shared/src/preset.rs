//! The five workflow presets, as data: statuses, reference scheme, default views and rules.

use crate::reference::ReferenceScheme;
use crate::status::{Status, StatusCategory, StatusId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A workflow vocabulary chosen when a workspace is created (and editable afterwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// Protocol references, departments, start/release/follow, third-party threads.
    ServiceDesk,
    /// Take it, macros, public reply vs internal note, Pending auto-closes.
    AgentWorkspace,
    /// `TKT-0001` references, escalate, merge, CSAT on resolve, SLA warning at 75 %.
    SupportModule,
    /// Five tabs with sub-statuses, archive/unarchive.
    TeamTabs,
    /// Conversations: open, answered, snoozing, closed; spam and deleted as flags.
    Conversations,
}

/// Workflow rules that vary by preset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresetRules {
    /// Pending tickets close automatically after this many days without a customer reply.
    pub pending_auto_close_days: Option<u32>,
    /// SLA warning threshold, in percent of the target.
    pub sla_warning_percent: u8,
    /// Ask the customer for a satisfaction score when a ticket is solved.
    pub csat_on_resolve: bool,
    /// Fields marked `required_to_solve` are enforced before a ticket is solved.
    pub mandatory_fields_before_solve: bool,
}

/// Status rows of a preset: (id, label, color, category).
type StatusRow = (&'static str, &'static str, &'static str, StatusCategory);

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 5] = [
        Preset::ServiceDesk,
        Preset::AgentWorkspace,
        Preset::SupportModule,
        Preset::TeamTabs,
        Preset::Conversations,
    ];

    /// The preset's name as used on the command line, e.g. `support-module`.
    pub fn name(self) -> &'static str {
        match self {
            Preset::ServiceDesk => "service-desk",
            Preset::AgentWorkspace => "agent-workspace",
            Preset::SupportModule => "support-module",
            Preset::TeamTabs => "team-tabs",
            Preset::Conversations => "conversations",
        }
    }

    fn rows(self) -> &'static [StatusRow] {
        use StatusCategory::*;
        match self {
            Preset::ServiceDesk => &[
                ("open", "Open", "#3b82f6", New),
                ("started", "Started", "#8b5cf6", Open),
                ("awaiting_response", "Awaiting Response", "#f59e0b", Pending),
                ("answered", "Answered", "#0ea5e9", Open),
                ("transferred", "Transferred", "#6366f1", Open),
                ("concluded", "Concluded", "#10b981", Solved),
            ],
            Preset::AgentWorkspace => &[
                ("new", "New", "#f59e0b", New),
                ("open", "Open", "#ef4444", Open),
                ("pending", "Pending", "#3b82f6", Pending),
                ("on_hold", "On-hold", "#1f2937", OnHold),
                ("solved", "Solved", "#6b7280", Solved),
                ("closed", "Closed", "#9ca3af", Closed),
            ],
            Preset::SupportModule => &[
                ("open", "Open", "#3b82f6", New),
                ("in_progress", "In Progress", "#8b5cf6", Open),
                ("waiting", "Waiting", "#f59e0b", Pending),
                ("resolved", "Resolved", "#10b981", Solved),
                ("closed", "Closed", "#6b7280", Closed),
            ],
            Preset::TeamTabs => &[
                ("submitted", "Submitted", "#3b82f6", New),
                ("pending", "Pending", "#f59e0b", Pending),
                ("ongoing", "Ongoing", "#8b5cf6", Open),
                ("resolved", "Resolved", "#10b981", Solved),
            ],
            Preset::Conversations => &[
                ("open", "Open", "#3b82f6", New),
                ("active", "Open", "#8b5cf6", Open),
                ("answered", "Answered", "#f59e0b", Pending),
                ("snoozing", "Snoozing", "#64748b", OnHold),
                ("closed", "Closed", "#10b981", Solved),
            ],
        }
    }

    /// The preset's statuses, in display order.
    pub fn statuses(self) -> Vec<Status> {
        self.rows()
            .iter()
            .zip(0u32..)
            .map(|(&(id, label, color, category), position)| Status {
                id: StatusId::new(id),
                label: label.to_owned(),
                color: color.to_owned(),
                category,
                position,
            })
            .collect()
    }

    /// How the preset numbers tickets.
    pub fn reference_scheme(self) -> ReferenceScheme {
        match self {
            Preset::ServiceDesk => ReferenceScheme::Protocol,
            _ => ReferenceScheme::Prefixed,
        }
    }

    /// Names of the views a new workspace of this preset shows in its sidebar.
    pub fn default_views(self) -> &'static [&'static str] {
        match self {
            Preset::ServiceDesk => &[
                "My tickets",
                "My departments",
                "Unassigned",
                "All",
                "Following",
            ],
            Preset::AgentWorkspace => &[
                "My tickets",
                "Unassigned",
                "All",
                "Pending",
                "Recently solved",
            ],
            Preset::SupportModule => &["My tickets", "My team(s)", "Unassigned", "All", "Archived"],
            Preset::TeamTabs => &["Submitted", "Pending", "Ongoing", "Resolved", "Archived"],
            Preset::Conversations => &["Mine", "Unassigned", "All", "Snoozed", "Spam/Deleted"],
        }
    }

    /// The preset's workflow rules.
    pub fn rules(self) -> PresetRules {
        PresetRules {
            pending_auto_close_days: matches!(self, Preset::AgentWorkspace).then_some(3),
            sla_warning_percent: 75,
            csat_on_resolve: matches!(self, Preset::SupportModule),
            mandatory_fields_before_solve: matches!(self, Preset::ServiceDesk),
        }
    }

    /// The default ticket types.
    pub fn ticket_types(self) -> Vec<String> {
        [
            "Support Ticket",
            "Customer Request",
            "Bug Report",
            "Feature Request",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect()
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for a preset name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "There is no workflow preset named \"{0}\"; choose one of service-desk, agent-workspace, support-module, team-tabs, conversations."
)]
pub struct UnknownPreset(pub String);

impl FromStr for Preset {
    type Err = UnknownPreset;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownPreset(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_can_take_a_ticket_from_new_to_open_and_solved() {
        for preset in Preset::ALL {
            let statuses = preset.statuses();
            for category in [
                StatusCategory::New,
                StatusCategory::Open,
                StatusCategory::Pending,
                StatusCategory::Solved,
            ] {
                assert!(
                    statuses.iter().any(|s| s.category == category),
                    "{preset} has no {category:?} status"
                );
            }
            let mut ids: Vec<_> = statuses.iter().map(|s| s.id.clone()).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), statuses.len(), "{preset} repeats a status id");
        }
    }

    #[test]
    fn names_round_trip() {
        for preset in Preset::ALL {
            assert_eq!(preset.name().parse::<Preset>(), Ok(preset));
        }
        let err = "helpdesk".parse::<Preset>().unwrap_err();
        assert!(err.to_string().contains("\"helpdesk\""));
    }

    #[test]
    fn support_module_matches_the_brief() {
        let labels: Vec<_> = Preset::SupportModule
            .statuses()
            .into_iter()
            .map(|s| s.label)
            .collect();
        assert_eq!(
            labels,
            ["Open", "In Progress", "Waiting", "Resolved", "Closed"]
        );
        assert_eq!(
            Preset::SupportModule.reference_scheme(),
            ReferenceScheme::Prefixed
        );
        assert_eq!(
            Preset::ServiceDesk.reference_scheme(),
            ReferenceScheme::Protocol
        );
        assert!(Preset::SupportModule.rules().csat_on_resolve);
        assert_eq!(
            Preset::AgentWorkspace.rules().pending_auto_close_days,
            Some(3)
        );
    }
}
