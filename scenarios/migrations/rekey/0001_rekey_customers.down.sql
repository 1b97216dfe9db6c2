UPDATE customers AS c SET id = b.old_id
  FROM migration_backup.customer_ids AS b WHERE c.id = b.new_id;
UPDATE orders AS o SET customer_ref = b.old_id
  FROM migration_backup.customer_ids AS b WHERE o.customer_ref = b.new_id;
DROP SCHEMA migration_backup CASCADE;
