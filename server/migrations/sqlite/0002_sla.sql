-- Service levels: the configuration, when the scheduler must next look at each ticket, the alerts
-- already sent (so a restart never sends one twice), the in-app inbox and the email outbox.

CREATE TABLE sla_config (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    data       TEXT NOT NULL,                      -- JSON shared::sla::SlaConfig, zones filled
    updated_at INTEGER NOT NULL
);

-- The next instant (ms) a ticket's SLA state can change by the clock alone; NULL: nothing running.
ALTER TABLE tickets ADD COLUMN sla_due_at INTEGER;
CREATE INDEX tickets_by_sla_due ON tickets (sla_due_at) WHERE sla_due_at IS NOT NULL;

-- One row per ticket, metric, clock cycle and kind: the primary key is the once-only guarantee.
CREATE TABLE sla_alerts (
    ticket_id   TEXT NOT NULL,
    metric      TEXT NOT NULL CHECK (metric IN ('first_response', 'next_response', 'resolution')),
    cycle_start INTEGER NOT NULL,                  -- when this metric's clock started (ms)
    kind        TEXT NOT NULL CHECK (kind IN ('warning', 'breached')),
    at          INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, metric, cycle_start, kind)
);

CREATE TABLE inbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL REFERENCES users (id),
    ticket_id  TEXT,
    reference  TEXT,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
CREATE INDEX inbox_by_user ON inbox (user_id, id DESC);

-- Email waiting for SMTP; without SMTP configured it stays here, visible to admins.
CREATE TABLE email_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    to_address TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER
);

-- Status changes now record the category they entered (SLA clocks pause by category). Events
-- written before this migration learn it from the status table; their tickets are re-folded
-- from the log when the server starts (Store::refold_tickets).
UPDATE events
SET data = json_set(
    data,
    '$.kind.status_changed.category',
    COALESCE((SELECT category FROM statuses WHERE id = json_extract(events.data, '$.kind.status_changed.to')), 'open')
)
WHERE kind = 'status_changed';

-- How far the scheduler has looked: tickets with a higher `seq` get their due time recomputed.
CREATE TABLE sla_scheduler (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
