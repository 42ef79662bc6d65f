-- Deskline schema, SQLite. Applied migrations are never edited: add a new file instead.
-- Times are INTEGER milliseconds since the Unix epoch (UTC) so they sort and compare as numbers.
-- Ids are UUIDs as hyphenated TEXT.

CREATE TABLE workspace (
    id                   TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    preset               TEXT NOT NULL,
    reference_scheme     TEXT NOT NULL,
    ticket_types         TEXT NOT NULL,            -- JSON array of strings
    agents_see_all_teams INTEGER NOT NULL DEFAULT 0,
    next_reference       INTEGER NOT NULL DEFAULT 1,
    demo                 INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL
);

CREATE TABLE statuses (
    id       TEXT PRIMARY KEY,
    label    TEXT NOT NULL,
    color    TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('new', 'open', 'pending', 'on_hold', 'solved', 'closed')),
    position INTEGER NOT NULL
);

CREATE TABLE teams (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('agent', 'leader', 'admin', 'customer')),
    password_hash TEXT,
    active        INTEGER NOT NULL DEFAULT 1,
    position      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE contacts (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    email        TEXT UNIQUE COLLATE NOCASE,
    phone        TEXT,
    organization TEXT
);

CREATE TABLE tags (
    id    TEXT PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE COLLATE NOCASE,
    color TEXT NOT NULL
);

CREATE TABLE fields (
    key               TEXT PRIMARY KEY,
    label             TEXT NOT NULL,
    definition        TEXT NOT NULL,               -- JSON FieldKind
    required_to_solve INTEGER NOT NULL DEFAULT 0,
    position          INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,                   -- SHA-256 of the cookie value; the value itself is never stored
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- Current state of each ticket: hot columns for SQL filters, the whole record as JSON in `data`.
CREATE TABLE tickets (
    id           TEXT PRIMARY KEY,
    reference    TEXT UNIQUE,
    status       TEXT NOT NULL,
    team_id      TEXT,
    assignee_id  TEXT,
    requester_id TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    seq          INTEGER NOT NULL,                 -- the change that last touched it
    data         TEXT NOT NULL
);
CREATE INDEX tickets_by_seq ON tickets (seq);
CREATE INDEX tickets_by_updated ON tickets (updated_at DESC, id DESC);
CREATE INDEX tickets_by_team ON tickets (team_id);
CREATE INDEX tickets_by_assignee ON tickets (assignee_id);

-- Every committed change, numbered without gaps in commit order. The single writer assigns MAX+1.
-- The ticket's team and assignee before the change tell a pull whether a client that synced
-- before it could have held the ticket (and so must be told to drop it), without leaking others.
CREATE TABLE changes (
    seq              INTEGER PRIMARY KEY,
    ticket_id        TEXT NOT NULL,
    committed_at     INTEGER NOT NULL,
    prev_existed     INTEGER NOT NULL,
    prev_team_id     TEXT,
    prev_assignee_id TEXT
);
CREATE INDEX changes_by_ticket ON changes (ticket_id, seq);

-- The append-only activity log.
CREATE TABLE events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL,
    seq       INTEGER NOT NULL REFERENCES changes (seq),
    actor_id  TEXT,
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    data      TEXT NOT NULL                        -- JSON shared::Event
);
CREATE INDEX events_by_ticket ON events (ticket_id, id);

-- Messages, also in the log; kept apart for search and for customer-facing queries.
CREATE TABLE messages (
    id         TEXT PRIMARY KEY,
    ticket_id  TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    from_staff INTEGER NOT NULL,
    author_id  TEXT,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    seq        INTEGER NOT NULL
);
CREATE INDEX messages_by_ticket ON messages (ticket_id, created_at);

-- Sync clients (one per browser profile) and the mutations they pushed.
CREATE TABLE sync_clients (
    client_id        TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id),
    last_mutation_id INTEGER NOT NULL DEFAULT 0,
    updated_at       INTEGER NOT NULL
);

CREATE TABLE mutations (
    client_id    TEXT NOT NULL,
    mutation_id  INTEGER NOT NULL,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    ticket_id    TEXT NOT NULL,
    args         TEXT NOT NULL,                    -- JSON shared::Mutation
    created_at   INTEGER NOT NULL,                 -- the client's clock
    processed_at INTEGER NOT NULL,
    outcome      TEXT NOT NULL,                    -- JSON api::Outcome, answered again to retries
    seq          INTEGER NOT NULL,                 -- the head seq once it was processed
    PRIMARY KEY (client_id, mutation_id)
);
