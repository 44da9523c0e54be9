\set id random(0,999)
\startpipeline
BEGIN;
SELECT set_config('tenancy.tenant_id', 'tenant-042', true);
SELECT amount FROM items_rls WHERE id = :id;
\endpipeline
COMMIT;
