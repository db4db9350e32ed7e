-- The elevator flow (server/flows/elevator): lobby deliveries.

-- A site (building gateway) that runs a lobby terminal: its building, its
-- card terminal (enrolled with the issuer), how long a card lives and how
-- long the orderer has to answer.
CREATE TABLE elevator_sites (
  site_id            TEXT PRIMARY KEY,
  building_id        TEXT NOT NULL,
  terminal_id        TEXT NOT NULL,
  place              TEXT NOT NULL,
  card_life_seconds  INTEGER NOT NULL CHECK (card_life_seconds BETWEEN 30 AND 3600),
  answer_seconds     INTEGER NOT NULL CHECK (answer_seconds BETWEEN 5 AND 900),
  updated_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Courier codes given to delivery companies: SHA-256 of the code, and the merchant it stands for.
CREATE TABLE elevator_couriers (
  code_hash     TEXT PRIMARY KEY,
  merchant_id   TEXT NOT NULL,
  merchant_name TEXT NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE elevator_deliveries (
  id             TEXT PRIMARY KEY,
  site_id        TEXT NOT NULL,
  gateway_id     TEXT NOT NULL,
  body_hash      TEXT NOT NULL,
  merchant_id    TEXT NOT NULL,
  merchant_name  TEXT NOT NULL,
  unit           TEXT NOT NULL,
  floor          INTEGER,
  amount         BIGINT NOT NULL CHECK (amount > 0),
  currency       TEXT NOT NULL,
  request_id     TEXT,
  orderer_id     TEXT,
  state          TEXT NOT NULL CHECK (state IN ('waiting', 'card-ready', 'charged', 'delivered', 'declined', 'expired', 'no-orderer', 'card-failed', 'refunded')),
  card_id        TEXT,
  sealed_card    JSONB,
  authorisation_id TEXT,
  reason         TEXT,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX elevator_deliveries_guessing ON elevator_deliveries (gateway_id, created_at) WHERE state = 'no-orderer';
CREATE INDEX elevator_deliveries_waiting ON elevator_deliveries (request_id) WHERE state = 'waiting';
