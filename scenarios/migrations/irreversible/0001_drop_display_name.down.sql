-- The down refuses, as an irreversible migration's down should.
DO $$
BEGIN
    RAISE EXCEPTION 'irreversible: users.display_name was dropped and its values cannot be restored';
END
$$;
