-- The server's one double-entry money ledger (server/ledger/), after
-- TigerBeetle's model: accounts hold running totals, transfers move integer
-- minor units from one account (debit) to another (credit) of the same
-- currency, posted at once or pending then posted (fully or partly) or voided.
-- The database, not TypeScript, keeps the rules:
--   * an account's totals change only when a transfer row is inserted (an
--     AFTER INSERT trigger applies it, in the same statement), so the totals
--     always equal the sum of the transfers;
--   * each account's balance rule is a CHECK constraint on those totals,
--     checked on the row version the UPDATE locked, so concurrent transfers
--     cannot overdraw it;
--   * transfers are never updated or deleted (corrections are new transfers);
--   * a pending transfer is resolved (posted or voided) at most once (a
--     unique index on pending_id).

-- The balance rule, one definition for the CHECK constraint and for
-- ledger_create_transfers' own check (which answers a result code instead of
-- failing the whole batch). Pending debits count against the account, pending
-- credits do not, as in TigerBeetle. `lim` widens the rule by a fixed amount:
--   debits_must_not_exceed_credits + lim: debits <= credits + lim, e.g. a
--     credit line of lim, or (lim NULL = 0) a balance that never goes below 0;
--   credits_must_not_exceed_debits + lim: credits <= debits + lim, e.g. a
--     stored balance that never goes above lim.
CREATE FUNCTION ledger_balance_ok(dmnec boolean, cmned boolean, lim bigint,
  debits_pending bigint, debits_posted bigint, credits_pending bigint, credits_posted bigint)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT (NOT dmnec OR debits_pending + debits_posted <= credits_posted + coalesce(lim, 0))
     AND (NOT cmned OR credits_pending + credits_posted <= debits_posted + coalesce(lim, 0))
$$;

CREATE TABLE ledger_accounts (
  id              TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  -- What the account stands for (buyer_funding, merchant_payable, ...): a
  -- stable word the code branches on; server/ledger/types.ts lists them.
  kind            TEXT NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,63}$'),
  currency        TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- Whose account it is (a user, a site, a merchant): free text for people
  -- and queries, never interpreted by the ledger.
  owner           TEXT,
  debits_must_not_exceed_credits BOOLEAN NOT NULL DEFAULT false,
  credits_must_not_exceed_debits BOOLEAN NOT NULL DEFAULT false,
  limit_amount    BIGINT CHECK (limit_amount IS NULL OR limit_amount >= 0),
  debits_pending  BIGINT NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
  debits_posted   BIGINT NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
  credits_pending BIGINT NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
  credits_posted  BIGINT NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT ledger_accounts_one_rule CHECK (NOT (debits_must_not_exceed_credits AND credits_must_not_exceed_debits)),
  CONSTRAINT ledger_accounts_limit_needs_rule CHECK (limit_amount IS NULL OR debits_must_not_exceed_credits OR credits_must_not_exceed_debits),
  CONSTRAINT ledger_accounts_balance_rule CHECK (ledger_balance_ok(debits_must_not_exceed_credits, credits_must_not_exceed_debits,
    limit_amount, debits_pending, debits_posted, credits_pending, credits_posted)),
  -- For the transfers' foreign keys: a transfer's currency is its accounts'.
  UNIQUE (id, currency)
);

CREATE TABLE ledger_transfers (
  -- Made by the client; the idempotency key of the transfer.
  id                TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  debit_account_id  TEXT NOT NULL,
  credit_account_id TEXT NOT NULL,
  -- posted: the amount moved; pending: reserved; post_pending: the part of
  -- the pending amount posted; void_pending: the pending amount released.
  amount            BIGINT NOT NULL CHECK (amount > 0),
  currency          TEXT NOT NULL,
  -- Why the money moved (authorise, capture, refund, pending_timeout, ...).
  code              TEXT NOT NULL CHECK (code ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
  -- The business object it belongs to, e.g. 'payment:<id>'.
  reference         TEXT CHECK (reference IS NULL OR length(reference) BETWEEN 1 AND 200),
  kind              TEXT NOT NULL CHECK (kind IN ('posted', 'pending', 'post_pending', 'void_pending')),
  linked            BOOLEAN NOT NULL DEFAULT false,
  pending_id        TEXT,
  timeout_seconds   INTEGER CHECK (timeout_seconds IS NULL OR timeout_seconds > 0),
  expires_at        TIMESTAMPTZ,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK (debit_account_id <> credit_account_id),
  CHECK ((pending_id IS NOT NULL) = (kind IN ('post_pending', 'void_pending'))),
  CHECK (timeout_seconds IS NULL OR kind = 'pending'),
  CHECK ((expires_at IS NULL) = (timeout_seconds IS NULL)),
  FOREIGN KEY (debit_account_id, currency) REFERENCES ledger_accounts (id, currency),
  FOREIGN KEY (credit_account_id, currency) REFERENCES ledger_accounts (id, currency)
);
-- A pending transfer is posted or voided at most once, whoever races.
CREATE UNIQUE INDEX ledger_transfers_resolves ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit_account_id);
CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit_account_id);
CREATE INDEX ledger_transfers_reference ON ledger_transfers (reference) WHERE reference IS NOT NULL;

-- The pending transfers with a timeout that are not resolved yet, so that the
-- sweeper reads only those and not every pending transfer ever made. Kept by
-- the trigger below; not money, only an index of work.
CREATE TABLE ledger_pending_timeouts (
  pending_id TEXT PRIMARY KEY,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ledger_pending_timeouts_due ON ledger_pending_timeouts (expires_at);

-- Applies an inserted transfer to its accounts' totals. Runs for every row,
-- however it was inserted, so the totals cannot drift from the transfers.
CREATE FUNCTION ledger_transfers_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p ledger_transfers%ROWTYPE;
BEGIN
  -- One UPDATE for both accounts where it can (the posted case is the hot
  -- path: one statement instead of two is about a fifth of a transfer's time).
  IF NEW.kind = 'posted' THEN
    UPDATE ledger_accounts
      SET debits_posted = debits_posted + CASE WHEN id = NEW.debit_account_id THEN NEW.amount ELSE 0 END,
          credits_posted = credits_posted + CASE WHEN id = NEW.credit_account_id THEN NEW.amount ELSE 0 END
      WHERE id IN (NEW.debit_account_id, NEW.credit_account_id);
  ELSIF NEW.kind = 'pending' THEN
    UPDATE ledger_accounts
      SET debits_pending = debits_pending + CASE WHEN id = NEW.debit_account_id THEN NEW.amount ELSE 0 END,
          credits_pending = credits_pending + CASE WHEN id = NEW.credit_account_id THEN NEW.amount ELSE 0 END
      WHERE id IN (NEW.debit_account_id, NEW.credit_account_id);
    IF NEW.expires_at IS NOT NULL THEN
      INSERT INTO ledger_pending_timeouts (pending_id, expires_at) VALUES (NEW.id, NEW.expires_at);
    END IF;
  ELSE
    SELECT * INTO p FROM ledger_transfers WHERE id = NEW.pending_id;
    IF NOT FOUND OR p.kind <> 'pending' OR p.debit_account_id <> NEW.debit_account_id
       OR p.credit_account_id <> NEW.credit_account_id OR p.currency <> NEW.currency
       OR (NEW.kind = 'post_pending' AND NEW.amount > p.amount)
       OR (NEW.kind = 'void_pending' AND NEW.amount <> p.amount) THEN
      RAISE EXCEPTION 'ledger: transfer % does not resolve a pending transfer of the same accounts and amount', NEW.id
        USING ERRCODE = 'LDG02';
    END IF;
    IF NEW.kind = 'post_pending' THEN
      UPDATE ledger_accounts SET debits_pending = debits_pending - p.amount, debits_posted = debits_posted + NEW.amount
        WHERE id = NEW.debit_account_id;
      UPDATE ledger_accounts SET credits_pending = credits_pending - p.amount, credits_posted = credits_posted + NEW.amount
        WHERE id = NEW.credit_account_id;
    ELSE
      UPDATE ledger_accounts SET debits_pending = debits_pending - p.amount WHERE id = NEW.debit_account_id;
      UPDATE ledger_accounts SET credits_pending = credits_pending - p.amount WHERE id = NEW.credit_account_id;
    END IF;
    DELETE FROM ledger_pending_timeouts WHERE pending_id = NEW.pending_id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER ledger_transfers_apply AFTER INSERT ON ledger_transfers
  FOR EACH ROW EXECUTE FUNCTION ledger_transfers_apply();

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger: % on % refused (transfers are never changed; account totals change only through transfers)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'LDG01';
END $$;

CREATE TRIGGER ledger_transfers_append_only BEFORE UPDATE OR DELETE ON ledger_transfers
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transfers_no_truncate BEFORE TRUNCATE ON ledger_transfers
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
-- Totals may change only from inside ledger_transfers_apply (trigger depth
-- 1); the other fields never change; accounts are never deleted.
CREATE TRIGGER ledger_accounts_totals_only BEFORE UPDATE ON ledger_accounts
  FOR EACH ROW WHEN (pg_trigger_depth() = 0
    OR (OLD.id, OLD.kind, OLD.currency, OLD.owner, OLD.debits_must_not_exceed_credits, OLD.credits_must_not_exceed_debits,
        OLD.limit_amount, OLD.created_at)
       IS DISTINCT FROM (NEW.id, NEW.kind, NEW.currency, NEW.owner, NEW.debits_must_not_exceed_credits,
        NEW.credits_must_not_exceed_debits, NEW.limit_amount, NEW.created_at))
  EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON ledger_accounts
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- One transfer of a batch: checks it and inserts it, or answers why not,
-- without raising (an exception would need a subtransaction per transfer).
-- The caller holds the locks of every account involved. Answers
-- (result, detail): 'ok', 'exists' (same id, same body: nothing done), or an
-- error code of core/errors.ts with a detail (an account id, a field name).
CREATE FUNCTION ledger_apply_transfer(t jsonb, OUT result text, OUT detail text) LANGUAGE plpgsql AS $$
DECLARE
  tid text := t->>'id';
  tkind text := coalesce(t->>'kind', 'posted');
  tlinked boolean := coalesce((t->>'linked')::boolean, false);
  tamount bigint := (t->>'amount')::bigint;
  ttimeout integer := (t->>'timeout_seconds')::integer;
  ex ledger_transfers%ROWTYPE;
  p ledger_transfers%ROWTYPE;
  d ledger_accounts%ROWTYPE;
  c ledger_accounts%ROWTYPE;
  deb text; cred text; cur text; tcode text; amt bigint; released bigint := 0;
BEGIN
  IF tid IS NULL OR length(tid) NOT BETWEEN 1 AND 200 THEN
    result := 'LEDGER_TRANSFER_INVALID'; detail := 'id'; RETURN;
  END IF;
  IF tkind NOT IN ('posted', 'pending', 'post_pending', 'void_pending') THEN
    result := 'LEDGER_TRANSFER_INVALID'; detail := 'kind'; RETURN;
  END IF;

  -- Idempotency: the same id again is the same transfer or an error.
  SELECT * INTO ex FROM ledger_transfers WHERE id = tid;
  IF FOUND THEN
    IF ex.kind = tkind AND ex.linked = tlinked
       AND (t->>'debit_account_id' IS NULL OR t->>'debit_account_id' = ex.debit_account_id)
       AND (t->>'credit_account_id' IS NULL OR t->>'credit_account_id' = ex.credit_account_id)
       AND (tamount IS NULL OR tamount = ex.amount)
       AND (t->>'currency' IS NULL OR t->>'currency' = ex.currency)
       AND (t->>'code' IS NULL OR t->>'code' = ex.code)
       AND (t->>'reference') IS NOT DISTINCT FROM ex.reference
       AND (t->>'pending_id') IS NOT DISTINCT FROM ex.pending_id
       AND ttimeout IS NOT DISTINCT FROM ex.timeout_seconds THEN
      result := 'exists';
    ELSE
      result := 'LEDGER_TRANSFER_EXISTS_DIFFERENT'; detail := tid;
    END IF;
    RETURN;
  END IF;

  IF tamount IS NOT NULL AND tamount <= 0 THEN
    result := 'LEDGER_TRANSFER_INVALID'; detail := 'amount'; RETURN;
  END IF;
  IF ttimeout IS NOT NULL AND (tkind <> 'pending' OR ttimeout <= 0) THEN
    result := 'LEDGER_TRANSFER_INVALID'; detail := 'timeout_seconds'; RETURN;
  END IF;

  IF tkind IN ('post_pending', 'void_pending') THEN
    SELECT * INTO p FROM ledger_transfers WHERE id = t->>'pending_id';
    IF NOT FOUND OR p.kind <> 'pending' THEN
      result := 'LEDGER_PENDING_NOT_FOUND'; detail := coalesce(t->>'pending_id', ''); RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = p.id) THEN
      result := 'LEDGER_PENDING_ALREADY_RESOLVED'; detail := p.id; RETURN;
    END IF;
    IF (t->>'debit_account_id' IS NOT NULL AND t->>'debit_account_id' <> p.debit_account_id)
       OR (t->>'credit_account_id' IS NOT NULL AND t->>'credit_account_id' <> p.credit_account_id)
       OR (t->>'currency' IS NOT NULL AND t->>'currency' <> p.currency) THEN
      result := 'LEDGER_PENDING_MISMATCH'; detail := p.id; RETURN;
    END IF;
    deb := p.debit_account_id; cred := p.credit_account_id; cur := p.currency;
    tcode := coalesce(t->>'code', p.code);
    released := p.amount;
    IF tkind = 'post_pending' THEN
      IF p.expires_at IS NOT NULL AND p.expires_at <= now() THEN
        result := 'LEDGER_PENDING_EXPIRED'; detail := p.id; RETURN;
      END IF;
      amt := coalesce(tamount, p.amount);
      IF amt > p.amount THEN
        result := 'LEDGER_EXCEEDS_PENDING_AMOUNT'; detail := p.id; RETURN;
      END IF;
    ELSE
      IF tamount IS NOT NULL AND tamount <> p.amount THEN
        result := 'LEDGER_PENDING_MISMATCH'; detail := p.id; RETURN;
      END IF;
      amt := p.amount;
    END IF;
  ELSE
    IF t->>'pending_id' IS NOT NULL THEN
      result := 'LEDGER_TRANSFER_INVALID'; detail := 'pending_id'; RETURN;
    END IF;
    deb := t->>'debit_account_id'; cred := t->>'credit_account_id'; cur := t->>'currency';
    tcode := t->>'code'; amt := tamount;
    IF deb IS NULL OR cred IS NULL OR cur IS NULL OR amt IS NULL OR tcode IS NULL THEN
      result := 'LEDGER_TRANSFER_INVALID';
      detail := CASE WHEN deb IS NULL THEN 'debit_account_id' WHEN cred IS NULL THEN 'credit_account_id'
        WHEN cur IS NULL THEN 'currency' WHEN amt IS NULL THEN 'amount' ELSE 'code' END;
      RETURN;
    END IF;
    IF deb = cred THEN
      result := 'LEDGER_TRANSFER_INVALID'; detail := 'credit_account_id'; RETURN;
    END IF;
  END IF;
  IF tcode !~ '^[a-z][a-z0-9_.:-]{0,63}$' THEN
    result := 'LEDGER_TRANSFER_INVALID'; detail := 'code'; RETURN;
  END IF;
  IF t->>'reference' IS NOT NULL AND length(t->>'reference') NOT BETWEEN 1 AND 200 THEN
    result := 'LEDGER_TRANSFER_INVALID'; detail := 'reference'; RETURN;
  END IF;

  SELECT * INTO d FROM ledger_accounts WHERE id = deb;
  IF NOT FOUND THEN result := 'LEDGER_ACCOUNT_NOT_FOUND'; detail := deb; RETURN; END IF;
  SELECT * INTO c FROM ledger_accounts WHERE id = cred;
  IF NOT FOUND THEN result := 'LEDGER_ACCOUNT_NOT_FOUND'; detail := cred; RETURN; END IF;
  IF d.currency <> cur THEN result := 'LEDGER_CURRENCY_MISMATCH'; detail := deb; RETURN; END IF;
  IF c.currency <> cur THEN result := 'LEDGER_CURRENCY_MISMATCH'; detail := cred; RETURN; END IF;

  -- The balance rules on the totals this transfer would leave (the same
  -- arithmetic as ledger_transfers_apply; the CHECK constraint stays the
  -- guarantee, this only turns a failure into a result code).
  IF tkind = 'posted' THEN
    d.debits_posted := d.debits_posted + amt; c.credits_posted := c.credits_posted + amt;
  ELSIF tkind = 'pending' THEN
    d.debits_pending := d.debits_pending + amt; c.credits_pending := c.credits_pending + amt;
  ELSIF tkind = 'post_pending' THEN
    d.debits_pending := d.debits_pending - released; d.debits_posted := d.debits_posted + amt;
    c.credits_pending := c.credits_pending - released; c.credits_posted := c.credits_posted + amt;
  ELSE
    d.debits_pending := d.debits_pending - released; c.credits_pending := c.credits_pending - released;
  END IF;
  IF NOT ledger_balance_ok(d.debits_must_not_exceed_credits, d.credits_must_not_exceed_debits, d.limit_amount,
       d.debits_pending, d.debits_posted, d.credits_pending, d.credits_posted) THEN
    result := 'LEDGER_BALANCE_RULE'; detail := deb; RETURN;
  END IF;
  IF NOT ledger_balance_ok(c.debits_must_not_exceed_credits, c.credits_must_not_exceed_debits, c.limit_amount,
       c.debits_pending, c.debits_posted, c.credits_pending, c.credits_posted) THEN
    result := 'LEDGER_BALANCE_RULE'; detail := cred; RETURN;
  END IF;

  INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, currency, code, reference, kind, linked,
      pending_id, timeout_seconds, expires_at)
    VALUES (tid, deb, cred, amt, cur, tcode, t->>'reference', tkind, tlinked, t->>'pending_id', ttimeout,
      CASE WHEN ttimeout IS NULL THEN NULL ELSE now() + make_interval(secs => ttimeout) END);
  result := 'ok';
END $$;

-- A batch of transfers, in order, in the caller's transaction. Every account
-- the batch touches is locked first, in id order, so that two batches never
-- wait for each other in a circle. Unlinked transfers succeed or fail on
-- their own; a chain of linked ones (each flagged `linked` up to the first
-- that is not) succeeds or fails as a whole, in a subtransaction.
-- Answers one row per transfer: (idx from 0, result, detail).
CREATE FUNCTION ledger_create_transfers(batch jsonb) RETURNS TABLE (idx integer, result text, detail text)
LANGUAGE plpgsql AS $$
DECLARE
  n integer := jsonb_array_length(batch);
  results text[] := array_fill(NULL::text, ARRAY[greatest(n, 1)]);
  details text[] := array_fill(NULL::text, ARRAY[greatest(n, 1)]);
  i integer := 0;
  j integer;
  k integer;
  res text;
  det text;
  failed_at integer;
BEGIN
  PERFORM 1 FROM ledger_accounts a
    WHERE a.id IN (
      SELECT e->>'debit_account_id' FROM jsonb_array_elements(batch) e
      UNION SELECT e->>'credit_account_id' FROM jsonb_array_elements(batch) e
      UNION SELECT p.debit_account_id FROM ledger_transfers p
        WHERE p.id IN (SELECT e->>'pending_id' FROM jsonb_array_elements(batch) e)
      UNION SELECT p.credit_account_id FROM ledger_transfers p
        WHERE p.id IN (SELECT e->>'pending_id' FROM jsonb_array_elements(batch) e))
    ORDER BY a.id
    FOR NO KEY UPDATE;

  WHILE i < n LOOP
    IF NOT coalesce((batch->i->>'linked')::boolean, false) THEN
      SELECT o.result, o.detail INTO res, det FROM ledger_apply_transfer(batch->i) o;
      results[i + 1] := res; details[i + 1] := det;
      i := i + 1;
      CONTINUE;
    END IF;
    j := i;
    WHILE j < n AND coalesce((batch->j->>'linked')::boolean, false) LOOP
      j := j + 1;
    END LOOP;
    IF j = n THEN
      -- The last transfer of the batch says the chain goes on: refused whole.
      FOR k IN i .. n - 1 LOOP
        results[k + 1] := 'LEDGER_LINKED_CHAIN_OPEN';
      END LOOP;
      EXIT;
    END IF;
    failed_at := NULL;
    BEGIN
      FOR k IN i .. j LOOP
        SELECT o.result, o.detail INTO res, det FROM ledger_apply_transfer(batch->k) o;
        results[k + 1] := res; details[k + 1] := det;
        IF res NOT IN ('ok', 'exists') THEN
          failed_at := k;
          RAISE EXCEPTION 'ledger: linked chain failed' USING ERRCODE = 'LDG03';
        END IF;
      END LOOP;
    EXCEPTION WHEN SQLSTATE 'LDG03' THEN
      FOR k IN i .. j LOOP
        IF k <> failed_at THEN
          results[k + 1] := 'LEDGER_LINKED_EVENT_FAILED'; details[k + 1] := batch->failed_at->>'id';
        END IF;
      END LOOP;
    END;
    i := j + 1;
  END LOOP;

  RETURN QUERY SELECT g, results[g + 1], details[g + 1] FROM generate_series(0, n - 1) g;
END $$;

-- Voids up to max_count pending transfers whose timeout has passed, with the
-- transfer id 'timeout:<pending id>'. Several server processes may call it at
-- once: one sweeps, the others see the advisory lock taken and return 0. It
-- takes no row lock before ledger_create_transfers locks the accounts (in id
-- order, like every batch), so it cannot deadlock with a concurrent post; a
-- pending transfer posted meanwhile is found resolved and left alone.
-- Answers how many it voided.
CREATE FUNCTION ledger_sweep_expired_pending(max_count integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  batch jsonb;
  voided integer;
BEGIN
  -- Arbitrary constant: the advisory lock key of the ledger's sweeper.
  IF NOT pg_try_advisory_xact_lock(7331018) THEN
    RETURN 0;
  END IF;
  SELECT coalesce(jsonb_agg(jsonb_build_object('id', 'timeout:' || due.pending_id, 'kind', 'void_pending',
      'pending_id', due.pending_id, 'code', 'pending_timeout')), '[]'::jsonb)
    INTO batch
    FROM (SELECT pt.pending_id FROM ledger_pending_timeouts pt
          WHERE pt.expires_at <= now()
          ORDER BY pt.expires_at
          LIMIT max_count) due;
  IF jsonb_array_length(batch) = 0 THEN
    RETURN 0;
  END IF;
  SELECT count(*) INTO voided FROM ledger_create_transfers(batch) r WHERE r.result = 'ok';
  RETURN voided;
END $$;
