-- Pay-later: the sandbox institution's side of a loan is an account per buyer
-- (`credit_institution:sandbox:<buyer_ref>:<CUR>`), no longer one per
-- currency: every approval's hold locked that one account until its
-- transaction committed, so approvals waited for each other (issue 23).
-- New lines open it with the line; this opens it for the lines already set.
-- Loans held before keep their hold on the old account; rule none, so
-- either account may carry any balance, and every transfer still balances.
INSERT INTO ledger_accounts (id, kind, currency, owner)
SELECT 'credit_institution:sandbox:' || buyer_ref || ':' || currency, 'issuer_float', currency, 'credit'
FROM credit_buyers
ON CONFLICT (id) DO NOTHING;
