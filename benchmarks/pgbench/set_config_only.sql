\set t random(0,99)
\set id random(0,999)
\startpipeline
BEGIN;
SELECT set_config('tenancy.tenant_id', 'tenant-0' || lpad(:t::text, 2, '0'), true);
SELECT amount FROM items_plain WHERE tenant_id = 'tenant-0' || lpad(:t::text, 2, '0') AND id = :id;
\endpipeline
COMMIT;
