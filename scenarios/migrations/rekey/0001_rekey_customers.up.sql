-- Re-keys customers: every id becomes a uuid derived from the customer's email, and
-- orders.customer_ref (a reference without an FK) follows. The old ids stay in
-- migration_backup for the down.
CREATE SCHEMA migration_backup;
CREATE TABLE migration_backup.customer_ids AS
    SELECT id AS old_id, md5('customer:' || email)::uuid::text AS new_id FROM customers;
UPDATE orders AS o SET customer_ref = b.new_id
  FROM migration_backup.customer_ids AS b WHERE o.customer_ref = b.old_id;
UPDATE customers AS c SET id = b.new_id
  FROM migration_backup.customer_ids AS b WHERE c.id = b.old_id;
