-- A gateway's push is one statement (server/replication/documents.ts). It
-- checks, while it holds the site's counter lock, that every document is still
-- in the state the server read before the lock; this function ends the
-- statement with an error otherwise, so nothing of the push is kept.
CREATE FUNCTION edgepay_push_verified(ok boolean) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF NOT ok THEN
    RAISE EXCEPTION 'edgepay: pushed documents changed since they were read' USING ERRCODE = 'EP409';
  END IF;
  RETURN true;
END $$;
