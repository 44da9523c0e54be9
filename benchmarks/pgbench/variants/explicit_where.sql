\set id random(0,999)
\startpipeline
BEGIN;
SELECT amount FROM items_plain WHERE tenant_id = 'tenant-042' AND id = :id;
\endpipeline
COMMIT;
