-- The elevator flow (issue 19): where the goods are, as the gateway reports
-- it ({stage, car, floor, at}), and the orderer's "goods taken out" (stage
-- unload-confirmed). The orderer's wallet lists their recent deliveries.
ALTER TABLE elevator_deliveries ADD COLUMN progress JSONB;
CREATE INDEX elevator_deliveries_orderer ON elevator_deliveries (orderer_id, updated_at) WHERE orderer_id IS NOT NULL;
