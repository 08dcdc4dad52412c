-- Polls, their options and votes; digest subscriptions and the quotes each channel has been shown.
-- Instants are UTC text in one fixed-width format (YYYY-MM-DDTHH:MM:SS.ffffffZ), so they compare as strings.

CREATE TABLE polls (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    platform    TEXT    NOT NULL,
    workspace   TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    creator_id  TEXT    NOT NULL,
    question    TEXT    NOT NULL CHECK (length(question) BETWEEN 1 AND 200),
    preset_id   TEXT,
    anonymous   INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
    max_choices INTEGER NOT NULL DEFAULT 1 CHECK (max_choices >= 1),
    created_at  TEXT    NOT NULL,
    closes_at   TEXT,
    closed_at   TEXT,
    message_ref TEXT
);
CREATE INDEX polls_by_channel ON polls (platform, workspace, channel, id);

CREATE TABLE poll_options (
    poll_id  INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    key      TEXT    NOT NULL,
    position INTEGER NOT NULL,
    label    TEXT    NOT NULL CHECK (length(label) BETWEEN 1 AND 75),
    PRIMARY KEY (poll_id, key),
    UNIQUE (poll_id, position)
);

-- slot is '' in a single-choice poll, so the primary key allows one row per voter and a vote
-- is a single upsert; in a multi-choice poll slot is the option key (one row per chosen option).
CREATE TABLE votes (
    poll_id    INTEGER NOT NULL,
    user_id    TEXT    NOT NULL,
    slot       TEXT    NOT NULL,
    option_key TEXT    NOT NULL,
    cast_at    TEXT    NOT NULL,
    PRIMARY KEY (poll_id, user_id, slot),
    FOREIGN KEY (poll_id, option_key) REFERENCES poll_options (poll_id, key) ON DELETE CASCADE
);
CREATE INDEX votes_by_option ON votes (poll_id, option_key);

CREATE TABLE digest_subscriptions (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    local_time TEXT NOT NULL CHECK (local_time GLOB '[0-2][0-9]:[0-5][0-9]'),
    time_zone  TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, channel)
);

CREATE TABLE digest_quotes (
    platform   TEXT    NOT NULL,
    workspace  TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    local_date TEXT    NOT NULL,
    claim_id   TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (platform, workspace, channel, local_date),
    UNIQUE (platform, workspace, channel, seq)
);
