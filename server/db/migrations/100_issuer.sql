-- The sandbox virtual-card issuer (server/issuer). No card number is kept:
-- a card is found by HMAC-SHA256 of its number under the issuer's own key,
-- and its expiry and security code are checked against a second HMAC.

-- The issuer's key pair (X25519: terminals seal their authorisations to it)
-- and its HMAC key. One row; made on first use.
CREATE TABLE issuer_keys (
  id          TEXT PRIMARY KEY,
  private_key TEXT NOT NULL,
  public_key  TEXT NOT NULL,
  mac_key     TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Card terminals' payment modules, with the public key a card is sealed to.
CREATE TABLE issuer_terminals (
  id          TEXT PRIMARY KEY,
  public_key  TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE issuer_cards (
  id              TEXT PRIMARY KEY,
  number_mac      TEXT NOT NULL UNIQUE,
  secret_mac      TEXT NOT NULL,
  last4           TEXT NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
  amount          BIGINT NOT NULL CHECK (amount > 0),
  currency        TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  merchant_id     TEXT NOT NULL,
  terminal_id     TEXT NOT NULL,
  funding_account TEXT NOT NULL,
  reference       TEXT NOT NULL UNIQUE,
  -- open: may take one authorisation; used: it did (closed to any other); closed: for good.
  state           TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'used', 'closed')),
  close_reason    TEXT,
  expires_at      TIMESTAMPTZ NOT NULL,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  closed_at       TIMESTAMPTZ
);
CREATE INDEX issuer_cards_expiring ON issuer_cards (expires_at) WHERE state <> 'closed';

-- Every authorisation request and its decision, keyed by the network's id:
-- a retry of the same id gets the stored decision (request_mac says it is the same request).
CREATE TABLE issuer_authorisations (
  id            TEXT PRIMARY KEY,
  card_id       TEXT REFERENCES issuer_cards (id),
  terminal_id   TEXT NOT NULL,
  request_mac   TEXT NOT NULL,
  decision      TEXT NOT NULL CHECK (decision IN ('approved', 'declined')),
  reason        TEXT,
  approval_code TEXT,
  amount        BIGINT NOT NULL,
  currency      TEXT NOT NULL,
  merchant_id   TEXT NOT NULL,
  -- approved authorisations only: held, then captured or reversed; a captured one may be refunded.
  settlement    TEXT CHECK (settlement IN ('held', 'captured', 'reversed', 'refunded')),
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  settled_at    TIMESTAMPTZ
);
-- The single use, kept by the database whatever the code does: one approval per card.
CREATE UNIQUE INDEX issuer_one_approval_per_card ON issuer_authorisations (card_id) WHERE decision = 'approved';
CREATE INDEX issuer_authorisations_held ON issuer_authorisations (created_at) WHERE settlement = 'held';
