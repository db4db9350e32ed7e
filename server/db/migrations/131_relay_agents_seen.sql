-- The operator console shows each POS agent's last sign of life (issue 22):
-- set when it authenticates (its command stream, its results), at most every
-- few seconds, and while its stream is open.
ALTER TABLE relay_pos_agents ADD COLUMN last_seen_at TIMESTAMPTZ;
