-- Small platform state: settings the adapters keep (such as the hash of the last command sync),
-- and the ids of platform events already handled, so a retried delivery is answered once.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE processed_events (
    platform TEXT NOT NULL,
    event_id TEXT NOT NULL,
    seen_at  TEXT NOT NULL,
    PRIMARY KEY (platform, event_id)
);
CREATE INDEX processed_events_by_age ON processed_events (seen_at);
