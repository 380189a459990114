-- 0011: indexes retention deletes by (issue #22), the same on SQLite and
-- PostgreSQL. Each lets a bounded batch of the oldest expired rows be found
-- without scanning the table; the partial ones hold only rows that can
-- expire (finished notifications, resolved incidents).
CREATE INDEX events_received ON events(received_at);
CREATE INDEX notifications_done ON notifications(created_at) WHERE state <> 'pending';
CREATE INDEX incidents_resolved ON incidents(updated_at) WHERE status = 'resolved';
CREATE INDEX incident_effects_incident ON incident_effects(incident_id);
