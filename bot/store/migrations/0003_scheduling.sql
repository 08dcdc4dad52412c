-- The scheduler's state: each digest run keyed by (channel, local date), claimed before posting,
-- so two processes or a restart can never post the same channel-day twice; and why a
-- subscription was paused after repeated definite failures.

ALTER TABLE digest_subscriptions ADD COLUMN paused_reason TEXT;

CREATE TABLE digest_runs (
    platform    TEXT    NOT NULL,
    workspace   TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    local_date  TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('claimed', 'posted', 'failed', 'skipped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    claimed_at  TEXT,
    finished_at TEXT,
    message_ref TEXT,
    last_error  TEXT,
    retry_at    TEXT,
    PRIMARY KEY (platform, workspace, channel, local_date)
);

CREATE INDEX polls_due ON polls (closes_at) WHERE closed_at IS NULL AND closes_at IS NOT NULL;
