-- A pull reads the events and messages of a page's tickets committed after a cookie: by ticket
-- and `seq`. Nothing read messages by creation time, so that index gives way.

CREATE INDEX events_by_ticket_seq ON events (ticket_id, seq);
DROP INDEX messages_by_ticket;
CREATE INDEX messages_by_ticket_seq ON messages (ticket_id, seq);
