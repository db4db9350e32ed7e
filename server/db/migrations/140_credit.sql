-- Pay-later credit (server/flows/credit). Data that names a person (the
-- buyer's user id, the delivery name and address, the items) is kept only
-- sealed (AES-256-GCM, column `sealed`); rows find a buyer by `buyer_ref`, a
-- keyed hash (HMAC-SHA256) of the user id, which is also what the ledger's
-- account ids and the institution see.

-- The PG's and the sandbox institution's signing keys (ES256), made once for
-- every server process on the database; the private part sealed.
CREATE TABLE credit_keys (
  name           TEXT PRIMARY KEY,
  public_jwk     JSONB NOT NULL,
  private_sealed TEXT NOT NULL,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Each merchant's public key (P-256 JWK): its orders and actions must verify under it.
CREATE TABLE credit_merchant_keys (
  merchant_id TEXT PRIMARY KEY,
  public_jwk  JSONB NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The sandbox institution's book of buyers: a limit (also the ledger
-- account's limit, which the database enforces) and a score.
CREATE TABLE credit_buyers (
  buyer_ref    TEXT NOT NULL,
  currency     TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  credit_limit BIGINT NOT NULL CHECK (credit_limit >= 0),
  score        INTEGER NOT NULL CHECK (score BETWEEN 0 AND 1000),
  PRIMARY KEY (buyer_ref, currency)
);

CREATE TABLE credit_loans (
  id                 TEXT PRIMARY KEY,
  merchant_id        TEXT NOT NULL,
  merchant_name      TEXT NOT NULL,
  order_ref          TEXT NOT NULL,
  buyer_ref          TEXT NOT NULL,
  sealed             TEXT NOT NULL,
  amount             BIGINT NOT NULL CHECK (amount > 0),
  currency           TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  instalments        INTEGER NOT NULL CHECK (instalments > 0),
  state              TEXT NOT NULL CHECK (state IN ('declined', 'awaiting-buyer', 'refused', 'authorised', 'voided', 'expired', 'captured', 'delivered', 'repaid', 'refunded')),
  decline_reason     TEXT,
  approval_number    TEXT,
  decision_jws       TEXT NOT NULL,
  fee                BIGINT NOT NULL DEFAULT 0,
  paid               BIGINT NOT NULL DEFAULT 0 CHECK (paid >= 0),
  refunded           BIGINT NOT NULL DEFAULT 0 CHECK (refunded >= 0),
  returned_to_buyer  BIGINT NOT NULL DEFAULT 0 CHECK (returned_to_buyer >= 0),
  refund_count       INTEGER NOT NULL DEFAULT 0,
  request_id         TEXT,
  expires_at         TIMESTAMPTZ,
  return_reported_at TIMESTAMPTZ,
  created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  captured_at        TIMESTAMPTZ,
  delivered_at       TIMESTAMPTZ,
  CHECK (refunded <= amount),
  CHECK ((state = 'declined') = (decline_reason IS NOT NULL))
);
-- The workers' scans: loans waiting for the buyer, authorisations that may lapse.
CREATE INDEX credit_loans_open ON credit_loans (state, expires_at) WHERE state IN ('awaiting-buyer', 'authorised');
CREATE INDEX credit_loans_buyer ON credit_loans (buyer_ref, created_at);
CREATE INDEX credit_loans_merchant ON credit_loans (merchant_id, created_at);

CREATE TABLE credit_instalments (
  loan_id  TEXT NOT NULL REFERENCES credit_loans (id),
  seq      INTEGER NOT NULL CHECK (seq > 0),
  amount   BIGINT NOT NULL CHECK (amount >= 0),
  due_at   TIMESTAMPTZ NOT NULL,
  state    TEXT NOT NULL CHECK (state IN ('due', 'late', 'paid', 'cancelled')),
  paid_at  TIMESTAMPTZ,
  was_late BOOLEAN NOT NULL DEFAULT false,
  PRIMARY KEY (loan_id, seq)
);
CREATE INDEX credit_instalments_due ON credit_instalments (due_at) WHERE state = 'due';

-- Each refund of a loan: how much, and how much of it went back to the buyer (what they had paid beyond the new amount).
CREATE TABLE credit_refunds (
  loan_id    TEXT NOT NULL REFERENCES credit_loans (id),
  n          INTEGER NOT NULL,
  amount     BIGINT NOT NULL CHECK (amount > 0),
  to_buyer   BIGINT NOT NULL CHECK (to_buyer >= 0),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (loan_id, n)
);
