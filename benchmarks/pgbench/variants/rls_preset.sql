\set id random(0,999)
\startpipeline
BEGIN;
SELECT amount FROM items_rls WHERE id = :id;
\endpipeline
COMMIT;
