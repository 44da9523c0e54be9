-- The tables of RlsOverheadBenchmark for pgbench; the policy is the form TenantPolicy generates.
DROP DATABASE IF EXISTS tenancy_pgbench;
CREATE DATABASE tenancy_pgbench;
\c tenancy_pgbench
DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='tenancy_pgbench_app') THEN CREATE ROLE tenancy_pgbench_app LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END$$;
CREATE TABLE items_plain(tenant_id text NOT NULL, id bigint NOT NULL, amount bigint NOT NULL, PRIMARY KEY (tenant_id,id));
INSERT INTO items_plain SELECT format('tenant-%s', lpad(t::text,3,'0')), i, (random()*100000)::bigint FROM generate_series(0,99) t, generate_series(0,999) i;
CREATE TABLE items_rls (LIKE items_plain INCLUDING ALL); INSERT INTO items_rls SELECT * FROM items_plain;
ALTER TABLE items_rls ENABLE ROW LEVEL SECURITY; ALTER TABLE items_rls FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON items_rls USING (tenant_id = (SELECT nullif(current_setting('tenancy.tenant_id', true), '')::text)) WITH CHECK (tenant_id = (SELECT nullif(current_setting('tenancy.tenant_id', true), '')::text));
GRANT SELECT ON items_plain, items_rls TO tenancy_pgbench_app;
VACUUM ANALYZE;
-- For variants/: the same table with the policy's plain form (no initPlan), to price the (SELECT ...) wrapper.
CREATE TABLE items_rls_plain_policy (LIKE items_plain INCLUDING ALL); INSERT INTO items_rls_plain_policy SELECT * FROM items_plain;
ALTER TABLE items_rls_plain_policy ENABLE ROW LEVEL SECURITY; ALTER TABLE items_rls_plain_policy FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON items_rls_plain_policy USING (tenant_id = nullif(current_setting('tenancy.tenant_id', true), '')::text);
GRANT SELECT ON items_rls_plain_policy TO tenancy_pgbench_app;
VACUUM ANALYZE items_rls_plain_policy;
