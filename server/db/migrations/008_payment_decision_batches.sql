-- Group commit of the payment authority's decisions (issue 24,
-- server/payments/decision-batches.ts): the decisions of one site that arrive
-- while the previous batch of that site is being written go together, in one
-- call of this function: one statement, one transaction, one fsync, one turn
-- of the site's counter lock and of its ledger accounts' row locks, instead of
-- about ten round trips and a commit per decision, each holding those locks.
--
-- batch: [{i, id, expect, data, audit: [AuditEntry...], transfers: [ledger wire...]}, ...]
--   expect  the document's seq as the caller read it (null: absent). An item
--           whose document is no longer so (another writer got there first,
--           or the id belongs to another site) is left out and not answered:
--           the caller decides it again on the locked path.
-- Answers (item i, seq written) for every item written.
--
-- The ordering guarantee is the one of server/replication/documents.ts: the
-- (collection, site) counter row lock is taken first and held to COMMIT, and
-- the documents get the next counter values, so a pull by seq never steps
-- over a commit. The ledger's rules stay the database's: every transfer goes
-- through ledger_apply_transfer, after the accounts are locked in id order as
-- ledger_create_transfers does (so batches cannot wait for each other in a
-- circle); a refused transfer fails the whole call (SQLSTATE EP422), nothing
-- of it is kept, and the caller decides each item alone. Transfers keep the
-- `linked` flags of a payment's chain, but need no subtransaction per chain:
-- the call is all or nothing.
CREATE FUNCTION edgepay_payment_decisions(p_collection text, p_site text, batch jsonb)
RETURNS TABLE (item integer, seq bigint) LANGUAGE plpgsql AS $$
DECLARE
  base bigint;
  fresh jsonb;
  n integer;
  written integer;
  k integer;
  transfers jsonb;
  t jsonb;
  res text;
  det text;
BEGIN
  INSERT INTO change_counters (collection, site_id, value) VALUES (p_collection, p_site, 0) ON CONFLICT DO NOTHING;
  SELECT c.value INTO base FROM change_counters c WHERE c.collection = p_collection AND c.site_id = p_site FOR UPDATE;

  -- The items whose document is still as the caller read it, in batch order.
  SELECT coalesce(jsonb_agg(b.elem ORDER BY b.ord), '[]'::jsonb) INTO fresh
    FROM jsonb_array_elements(batch) WITH ORDINALITY AS b(elem, ord)
    LEFT JOIN documents d ON d.collection = p_collection AND d.id = b.elem->>'id'
   WHERE CASE WHEN jsonb_typeof(b.elem->'expect') = 'number'
              THEN d.site_id = p_site AND NOT d.deleted AND d.seq = (b.elem->>'expect')::bigint
              ELSE d.id IS NULL END;
  n := jsonb_array_length(fresh);
  IF n = 0 THEN
    RETURN;
  END IF;

  INSERT INTO documents (collection, id, site_id, seq, deleted, data, updated_at, updated_by)
  SELECT p_collection, f.elem->>'id', p_site, base + f.ord, false, f.elem->'data', now(), 'server'
    FROM jsonb_array_elements(fresh) WITH ORDINALITY AS f(elem, ord)
   WHERE jsonb_typeof(f.elem->'expect') IS DISTINCT FROM 'number'
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS written = ROW_COUNT;
  UPDATE documents d SET seq = base + f.ord, deleted = false, data = f.elem->'data', updated_at = now(), updated_by = 'server'
    FROM jsonb_array_elements(fresh) WITH ORDINALITY AS f(elem, ord)
   WHERE jsonb_typeof(f.elem->'expect') = 'number' AND d.collection = p_collection AND d.id = f.elem->>'id'
     AND d.site_id = p_site AND d.seq = (f.elem->>'expect')::bigint;
  GET DIAGNOSTICS k = ROW_COUNT;
  -- Another site's insert of the same id committed after the check above (sites do not wait for each other).
  IF written + k <> n THEN
    RAISE EXCEPTION 'edgepay: decided documents changed since they were read' USING ERRCODE = 'EP409';
  END IF;
  UPDATE change_counters c SET value = base + n WHERE c.collection = p_collection AND c.site_id = p_site;

  INSERT INTO audit_log (actor, action, payment_id, site_id, idempotency_key, amount, currency, details)
  SELECT a->>'actor', a->>'action', a->>'paymentId', a->>'siteId', a->>'idempotencyKey', (a->>'amount')::bigint,
         a->>'currency', coalesce(a->'details', '{}'::jsonb)
    FROM jsonb_array_elements(fresh) WITH ORDINALITY AS f(elem, ord)
    CROSS JOIN LATERAL jsonb_array_elements(f.elem->'audit') WITH ORDINALITY AS x(a, xo)
   ORDER BY f.ord, x.xo;

  SELECT coalesce(jsonb_agg(x.tr ORDER BY f.ord, x.xo), '[]'::jsonb) INTO transfers
    FROM jsonb_array_elements(fresh) WITH ORDINALITY AS f(elem, ord)
    CROSS JOIN LATERAL jsonb_array_elements(f.elem->'transfers') WITH ORDINALITY AS x(tr, xo);
  IF jsonb_array_length(transfers) > 0 THEN
    PERFORM 1 FROM ledger_accounts a
      WHERE a.id IN (
        SELECT e->>'debit_account_id' FROM jsonb_array_elements(transfers) e
        UNION SELECT e->>'credit_account_id' FROM jsonb_array_elements(transfers) e
        UNION SELECT p.debit_account_id FROM ledger_transfers p
          WHERE p.id IN (SELECT e->>'pending_id' FROM jsonb_array_elements(transfers) e)
        UNION SELECT p.credit_account_id FROM ledger_transfers p
          WHERE p.id IN (SELECT e->>'pending_id' FROM jsonb_array_elements(transfers) e))
      ORDER BY a.id
      FOR NO KEY UPDATE;
    FOR t IN SELECT e FROM jsonb_array_elements(transfers) e LOOP
      SELECT o.result, o.detail INTO res, det FROM ledger_apply_transfer(t) o;
      IF res NOT IN ('ok', 'exists') THEN
        RAISE EXCEPTION 'edgepay: ledger refused transfer % (%: %)', t->>'id', res, det USING ERRCODE = 'EP422';
      END IF;
    END LOOP;
  END IF;

  RETURN QUERY SELECT (f.elem->>'i')::integer, base + f.ord FROM jsonb_array_elements(fresh) WITH ORDINALITY AS f(elem, ord);
END $$;
