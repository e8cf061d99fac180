-- A new budget reset day takes effect at the next reset under the day in force: moving it
-- never restarts the period that holds now (which would forgive the usage of the period so far).
ALTER TABLE tenants ADD COLUMN budget_reset_day_next smallint CHECK (budget_reset_day_next BETWEEN 1 AND 28);
ALTER TABLE tenants ADD COLUMN budget_reset_day_next_from timestamptz;
ALTER TABLE tenants ADD CONSTRAINT tenants_reset_day_next_check CHECK ((budget_reset_day_next IS NULL) = (budget_reset_day_next_from IS NULL));

-- Tenant names are labels, unique among the names platform admins give (checked where they
-- create and rename), not a database constraint a tenant could probe by renaming itself.
DROP INDEX tenants_name_key;
CREATE INDEX tenants_name_idx ON tenants (lower(name));
