package pgtest

// CatalogTrapSQL puts, in schema trap, a stand-in for every relation, function
// and operator of pg_catalog that can be made without being a superuser:
// each relation is a view with no columns of the catalog's, each function
// (same name and argument types) and each operator raises when run. With
// search_path = trap, pg_catalog any name dbguard leaves to the
// search_path resolves to trap's and fails the read, whichever it is.
const CatalogTrapSQL = `CREATE SCHEMA trap;
CREATE FUNCTION trap.boom() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'a name resolved in trap'; END $$;
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind IN ('r', 'v') LOOP
    EXECUTE format('CREATE VIEW trap.%I AS SELECT trap.boom() AS boom', r.relname);
  END LOOP;
  FOR r IN SELECT p.proname, pg_catalog.oidvectortypes(p.proargtypes) AS args, p.prorettype::regtype::text AS ret, p.proretset
    FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f'
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_type t WHERE t.typtype = 'p' AND (t.oid = p.prorettype OR t.oid = ANY (p.proargtypes)))
  LOOP
    EXECUTE format('CREATE FUNCTION trap.%I(%s) RETURNS %s%s LANGUAGE plpgsql AS $f$ BEGIN RAISE EXCEPTION ''a name resolved in trap''; END $f$',
      r.proname, r.args, CASE WHEN r.proretset THEN 'SETOF ' ELSE '' END, r.ret);
  END LOOP;
  FOR r IN SELECT o.oprname, o.oprleft::regtype::text AS l, o.oprright::regtype::text AS rt, p.proname
    FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_proc p ON p.oid = o.oprcode
    WHERE o.oprnamespace = 'pg_catalog'::regnamespace
      AND EXISTS (SELECT FROM pg_catalog.pg_proc q WHERE q.pronamespace = 'trap'::regnamespace AND q.proname = p.proname AND q.proargtypes = p.proargtypes)
  LOOP
    IF r.l = '-' THEN
      EXECUTE format('CREATE OPERATOR trap.%s (RIGHTARG = %s, FUNCTION = trap.%I)', r.oprname, r.rt, r.proname);
    ELSE
      EXECUTE format('CREATE OPERATOR trap.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = trap.%I)', r.oprname, r.l, r.rt, r.proname);
    END IF;
  END LOOP;
END $$`
