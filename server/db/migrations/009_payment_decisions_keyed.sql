-- The payment authority's group commit (migration 008), with every table
-- access a lookup by key (issue 24, second round).
--
-- Why: 008 joined the batch to `documents` and `ledger_transfers` in set
-- statements. With the tables' statistics stale (a fresh database, or a busy
-- one between two autovacuum runs: the bench's schema is never analysed) the
-- planner took them for a few rows and chose plans that read every document
-- of the site (UPDATE ... FROM: a nested loop over the site's documents, the
-- batch inside: 12,780 rows filtered for a batch of 20 on 640 documents),
-- every payment document (the freshness check, a hash join) and every ledger
-- transfer (the accounts' lock, two sequential scans). A decision's cost grew
-- with the number of payments ever made: measured, 5-8 ms per settled payment
-- at 1,000 documents, most of the database's CPU during the bench.
--
-- Here each item is written by its primary key in a loop (the statements'
-- plans cannot depend on the table's size), the audit entries and transfers
-- are read from the batch itself, and the accounts to lock are found by key.
-- `enable_seqscan = off` for the call makes the plans made inside it (this
-- function's and the ledger functions' it calls, cached per connection) take
-- the index even while a table is small, so no plan cached then scans the
-- table once it has grown. Nothing else changes: the same counter lock taken
-- first and held to COMMIT (a pull by seq never steps over a commit), the
-- same answers, the ledger's rules in ledger_apply_transfer.
--
-- One difference in the answers: an item whose INSERT meets a document of the
-- same id committed meanwhile by another site is answered stale (the caller
-- decides it alone on the locked path, which refuses it), where 008 failed
-- the whole batch.
CREATE OR REPLACE FUNCTION edgepay_payment_decisions(p_collection text, p_site text, batch jsonb)
RETURNS TABLE (item integer, seq bigint) LANGUAGE plpgsql
SET enable_seqscan = off
AS $$
DECLARE
  base bigint;
  n integer := 0;
  e jsonb;
  fresh jsonb[] := '{}';
  transfers jsonb[] := '{}';
  accounts text[];
  t jsonb;
  res text;
  det text;
BEGIN
  INSERT INTO change_counters (collection, site_id, value) VALUES (p_collection, p_site, 0) ON CONFLICT DO NOTHING;
  SELECT c.value INTO base FROM change_counters c WHERE c.collection = p_collection AND c.site_id = p_site FOR UPDATE;

  -- Each item written if its document is still as the caller read it (at
  -- `expect`, of this site, not deleted; or absent when `expect` is null).
  FOR e IN SELECT b.elem FROM jsonb_array_elements(batch) WITH ORDINALITY AS b(elem, ord) ORDER BY b.ord LOOP
    IF jsonb_typeof(e->'expect') = 'number' THEN
      UPDATE documents d SET seq = base + n + 1, deleted = false, data = e->'data', updated_at = now(), updated_by = 'server'
       WHERE d.collection = p_collection AND d.id = e->>'id' AND d.site_id = p_site AND NOT d.deleted
         AND d.seq = (e->>'expect')::bigint;
    ELSE
      INSERT INTO documents (collection, id, site_id, seq, deleted, data, updated_at, updated_by)
      VALUES (p_collection, e->>'id', p_site, base + n + 1, false, e->'data', now(), 'server')
      ON CONFLICT DO NOTHING;
    END IF;
    IF FOUND THEN
      n := n + 1;
      fresh := fresh || e;
      SELECT transfers || coalesce(array_agg(x.tr ORDER BY x.xo), '{}') INTO transfers
        FROM jsonb_array_elements(e->'transfers') WITH ORDINALITY AS x(tr, xo);
      item := (e->>'i')::integer;
      seq := base + n;
      RETURN NEXT;
    END IF;
  END LOOP;
  IF n = 0 THEN
    RETURN;
  END IF;
  UPDATE change_counters c SET value = base + n WHERE c.collection = p_collection AND c.site_id = p_site;

  INSERT INTO audit_log (actor, action, payment_id, site_id, idempotency_key, amount, currency, details)
  SELECT a->>'actor', a->>'action', a->>'paymentId', a->>'siteId', a->>'idempotencyKey', (a->>'amount')::bigint,
         a->>'currency', coalesce(a->'details', '{}'::jsonb)
    FROM unnest(fresh) WITH ORDINALITY AS f(elem, ord)
    CROSS JOIN LATERAL jsonb_array_elements(f.elem->'audit') WITH ORDINALITY AS x(a, xo)
   ORDER BY f.ord, x.xo;

  IF cardinality(transfers) > 0 THEN
    -- The accounts of the transfers and of the pending transfers they resolve,
    -- locked in id order as ledger_create_transfers does (batches never wait
    -- for each other in a circle).
    -- (`p.id = ANY (array)`: a join here was planned as a scan of every transfer.)
    SELECT array_agg(DISTINCT a ORDER BY a) INTO accounts FROM (
      SELECT tr->>'debit_account_id' AS a FROM unnest(transfers) tr
      UNION ALL SELECT tr->>'credit_account_id' FROM unnest(transfers) tr
      UNION ALL SELECT unnest(ARRAY[p.debit_account_id, p.credit_account_id]) FROM ledger_transfers p
       WHERE p.id = ANY (ARRAY(SELECT tr->>'pending_id' FROM unnest(transfers) tr WHERE tr ? 'pending_id'))
    ) x WHERE a IS NOT NULL;
    PERFORM 1 FROM ledger_accounts la WHERE la.id = ANY (accounts) ORDER BY la.id FOR NO KEY UPDATE;
    FOREACH t IN ARRAY transfers LOOP
      SELECT o.result, o.detail INTO res, det FROM ledger_apply_transfer(t) o;
      IF res NOT IN ('ok', 'exists') THEN
        RAISE EXCEPTION 'edgepay: ledger refused transfer % (%: %)', t->>'id', res, det USING ERRCODE = 'EP422';
      END IF;
    END LOOP;
  END IF;
END $$;
