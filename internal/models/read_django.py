# dbguard's reader of Django models. dbguard runs it with the project's
# Python, its connection guard first on PYTHONPATH, and a time limit.
# argv: the settings module (manage.py's DJANGO_SETTINGS_MODULE), then the
# folder of manage.py, first on sys.path. django.setup() imports the
# models of INSTALLED_APPS; nothing migrates and nothing connects (every
# socket connect is refused). It prints one JSON document on stdout: each
# managed model's db_table, its columns with the type as Django's
# PostgreSQL backend writes it in DDL, null, and the field's file:line;
# many-to-many through tables Django creates are included.
# The socket guard, file_index and class_entry come first, from
# read_common.py (runReader in sqlalchemy.go runs the two joined).


def fail(msg):
    json.dump({"error": msg}, sys.stdout)
    sys.stdout.write("\n")
    sys.exit(0)


def where(e):
    """The innermost frame of the project for an exception: file:line."""
    tb = e.__traceback__
    last = None
    while tb is not None:
        f = tb.tb_frame.f_code.co_filename
        if f.startswith(ROOT + os.sep):
            last = "%s:%d" % (f, tb.tb_lineno)
        tb = tb.tb_next
    return last


def postgres_connection(connections):
    """A PostgreSQL connection object, never opened: the settings' first
    PostgreSQL database, else one built from the default's settings (an
    sqlite or MySQL project: its own backend is not even loaded), so each
    field's db_type is what the PostgreSQL backend writes."""
    from django.conf import settings
    databases = getattr(settings, "DATABASES", {}) or {}
    for alias, cfg in databases.items():
        engine = cfg.get("ENGINE", "")
        if engine.endswith(".postgresql") or engine.endswith(".postgis"):
            return connections[alias]
    from django.db.backends.postgresql.base import DatabaseWrapper
    cfg = dict(databases.get("default", {}))
    cfg["ENGINE"] = "django.db.backends.postgresql"
    for k, v in (("OPTIONS", {}), ("TIME_ZONE", None), ("NAME", ""), ("USER", ""), ("PASSWORD", ""), ("HOST", ""), ("PORT", ""),
                 ("ATOMIC_REQUESTS", False), ("AUTOCOMMIT", True), ("CONN_MAX_AGE", 0), ("TEST", {})):
        cfg.setdefault(k, v)
    return DatabaseWrapper(cfg, "dbguard")


# serial types are the integer they are (the sequence is not compared)
SERIAL = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}


def sources(cls):
    """(file, start, attrs) of each class in cls's MRO with a source."""
    out = []
    for k in cls.__mro__:
        if k.__module__ == "builtins" or k.__module__.startswith("django.db."):
            continue
        file, entry = class_entry(k)
        if file is not None:
            out.append((file, entry[0], entry[1]))
    return out


def attr_line(srcs, name):
    for file, start, attrs in srcs:
        if name in attrs:
            return file, attrs[name]
    return None, 0


def main():
    global ROOT
    settings, ROOT = sys.argv[1], os.path.abspath(sys.argv[2])
    sys.path.insert(0, ROOT)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    try:
        import django
    except ImportError as e:
        fail("Django is not installed for %s: %s" % (sys.executable, e))
    try:
        django.setup()
    except Exception as e:
        at = where(e)
        fail("%s%s: %s" % (at + ": " if at else "", type(e).__name__, e))
    from django.apps import apps
    from django.db import connections
    try:
        conn = postgres_connection(connections)
    except Exception as e:
        fail("Django's PostgreSQL backend does not load (%s: %s): install psycopg2 for %s" % (type(e).__name__, e, sys.executable))
    tables = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.swapped:
            continue
        srcs = sources(model)
        tfile, tline = (srcs[0][0], srcs[0][1]) if srcs else ("", 0)
        if meta.auto_created:
            # A many-to-many through table: the field that declares it.
            owner = meta.auto_created
            for f in owner._meta.local_many_to_many:
                if f.remote_field.through is model:
                    tfile, tline = attr_line(sources(owner), f.name)
                    break
            srcs = []
        cols = []
        for f in meta.local_fields:
            if not f.concrete or f.column is None:
                continue
            typ = f.db_type(conn)
            if typ is None:
                continue
            typ = SERIAL.get(typ, typ)
            if meta.auto_created and f.primary_key:
                # A through table's id: Django 3.2's migrations create it
                # with the project's DEFAULT_AUTO_FIELD while the model says
                # the app's (contrib.auth: integer against bigint); nothing
                # reads it, so only its presence is checked.
                typ = ""
            cfile, cline = attr_line(srcs, f.name)
            cols.append({"name": f.column, "type": typ, "nullable": bool(f.null),
                         "file": cfile or tfile, "line": cline or tline})
        tables.append({"schema": "", "name": meta.db_table, "file": tfile, "line": tline, "columns": cols})
    sys.stdout.write(json.dumps({"tables": tables}))  # one write: json.dump writes each token
    sys.stdout.write("\n")


ROOT = ""
main()
