-- Replay keys move out of the events table's index into their own table,
-- which the writer fills in key order (receiver/src/store/sqlite/replay.rs):
-- as an index of the events table every accepted event wrote a random page
-- of it (the key is a hash), most of what a group commit wrote.
CREATE TABLE replay_index (
    -- The event's own time, whole Unix seconds (floor), then its id.
    event_second INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    -- Until when (Unix ns, inclusive) the same bytes answer `duplicate`.
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (event_second, event_id)
) WITHOUT ROWID;
INSERT INTO replay_index (event_second, event_id, expires_at)
SELECT event_second, event_id, MAX(replay_expires_at) FROM events
WHERE replay_expires_at IS NOT NULL
GROUP BY event_second, event_id
ORDER BY event_second, event_id;
DROP INDEX events_replay;
-- The last event row (rowid and id) up to which every replay key is in
-- replay_index; the keys of later rows may still be held in memory by the
-- writer, and a restart writes them from the rows.
CREATE TABLE replay_flushed (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    event_rowid INTEGER NOT NULL,
    event_id TEXT NOT NULL
);
INSERT INTO replay_flushed (id, event_rowid, event_id)
SELECT 1, COALESCE(MAX(rowid), 0),
       COALESCE((SELECT event_id FROM events ORDER BY rowid DESC LIMIT 1), '')
FROM events;
