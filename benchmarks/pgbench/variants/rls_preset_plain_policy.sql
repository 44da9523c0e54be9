\set id random(0,999)
\startpipeline
BEGIN;
SELECT amount FROM items_rls_plain_policy WHERE id = :id;
\endpipeline
COMMIT;
