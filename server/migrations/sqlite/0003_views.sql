-- Saved views (DESIGN §5): each user's named queries with a sort, in the order they arranged them.
-- Ticket references need no index here: `tickets.reference` is UNIQUE, which SQLite indexes.

CREATE TABLE saved_views (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL,                      -- trimmed, 1 to 60 characters
    query      TEXT NOT NULL,                      -- the filter bar's query language
    sort       TEXT NOT NULL,                      -- shared::queue::Sort::name()
    position   INTEGER NOT NULL,                   -- 0, 1, 2, ... within the user's views
    created_at INTEGER NOT NULL
);
-- Names are unique per user regardless of case. SQLite's lower() folds ASCII only; the server
-- compares with full Unicode case folding before it writes, so this index is the backstop.
CREATE UNIQUE INDEX saved_views_by_user_name ON saved_views (user_id, lower(name));
