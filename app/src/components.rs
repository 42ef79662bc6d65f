//! Building blocks of the workspace, one component per file.

pub mod calendar_editor;
pub mod check_list;
pub mod composer;
pub mod header;
pub mod icon;
pub mod inbox;
pub mod list_tools;
pub mod logo;
pub mod new_ticket;
pub mod notices;
pub mod policy_editor;
pub mod properties;
pub mod queue_entry;
pub mod sidebar;
pub mod sla_badge;
pub mod sla_banner;
pub mod sla_settings;
pub mod status_pill;
pub mod tag_editor;
pub mod ticket_list;
pub mod ticket_row;
pub mod ticket_view;
pub mod timeline;
