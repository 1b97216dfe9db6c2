-- Drops a column: the values are gone, so no down can bring them back.
ALTER TABLE users DROP COLUMN display_name;
