-- Constraints the Prisma schema language cannot express; hand-written, applied after the model.

-- At most one open equipment state interval per asset: state detection closes the open interval
-- and opens the next one in one transaction, and this makes a lost race fail loudly instead of
-- leaving two "current" states.
CREATE UNIQUE INDEX equipment_state_one_open_per_asset ON assets.equipment_state (asset_id) WHERE ended_at IS NULL;
