\set id random(0,999)
\startpipeline
BEGIN;
SET LOCAL tenancy.tenant_id = 'tenant-042';
SELECT amount FROM items_rls WHERE id = :id;
\endpipeline
COMMIT;
