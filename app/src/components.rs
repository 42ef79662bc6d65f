//! Building blocks of the workspace, one component per file.

pub mod composer;
pub mod header;
pub mod icon;
pub mod logo;
pub mod new_ticket;
pub mod notices;
pub mod properties;
pub mod queue_entry;
pub mod sidebar;
pub mod status_pill;
pub mod tag_editor;
pub mod ticket_list;
pub mod ticket_row;
pub mod ticket_view;
pub mod timeline;
