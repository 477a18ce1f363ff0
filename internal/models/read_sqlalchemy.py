# dbguard's reader of SQLAlchemy/SQLModel metadata. dbguard runs it with the
# project's Python, its connection guard first on PYTHONPATH, and a time
# limit. argv: mode ("alembic" or "attr"), then env.py's path or
# "module:attribute", then the folder to put first on sys.path. It prints
# one JSON document on stdout: the tables, their columns with the type as
# SQLAlchemy's PostgreSQL dialect writes it, nullability, and the model's
# file:line. It never connects: every socket connect is refused.
# The socket guard, file_index and class_entry come first, from
# read_common.py (runReader in sqlalchemy.go runs the two joined).


def none(why):
    json.dump({"tables": [], "none": why}, sys.stdout)
    sys.stdout.write("\n")
    sys.exit(0)


def fail(msg, where=""):
    json.dump({"error": msg, "where": where}, sys.stdout)
    sys.stdout.write("\n")
    sys.exit(0)


def from_env_py(path):
    """Evaluates target_metadata in env.py without running the migrations:
    only the module-level imports run, then the expression."""
    with open(path, encoding="utf-8") as f:
        src = f.read()
    tree = ast.parse(src, path)
    expr, line = None, 0
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "target_metadata" for t in targets):
                expr, line = node.value, node.lineno
    if expr is None:
        none("no target_metadata = ... at module level")
    ns = {"__name__": "dbguard_env_py", "__file__": path}
    for node in tree.body:
        if node.lineno > line:
            break
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names]
            if isinstance(node, ast.ImportFrom) and node.module == "alembic":
                continue  # alembic.context is a proxy outside a migration
            code = compile(ast.Module(body=[node], type_ignores=[]), path, "exec")
            try:
                exec(code, ns)
            except Exception as e:
                return None, "%s:%d: %s: %s" % (path, node.lineno, type(e).__name__, e), line
    try:
        value = eval(compile(ast.Expression(body=expr), path, "eval"), ns)
    except Exception as e:
        return None, "%s:%d: target_metadata: %s: %s" % (path, line, type(e).__name__, e), line
    return value, None, line


def from_attr(spec):
    import importlib
    mod, _, attr = spec.partition(":")
    try:
        value = importlib.import_module(mod)
        for part in attr.split("."):
            if part:
                value = getattr(value, part)
    except Exception as e:
        return None, "%s: %s: %s" % (spec, type(e).__name__, e)
    return value, None


def metadatas(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            out.extend(metadatas(v))
        return out
    md = getattr(value, "metadata", value)
    return [md] if hasattr(md, "sorted_tables") else []


def mapped_classes():
    """Table -> the classes mapped to it, from every registry."""
    by_table = {}
    regs = []
    mod = sys.modules.get("sqlalchemy.orm.mapper")
    if mod is not None and hasattr(mod, "_mapper_registries"):
        regs = list(mod._mapper_registries)
    for reg in regs:
        for m in getattr(reg, "mappers", ()):
            for t in getattr(m, "tables", [m.local_table]):
                by_table.setdefault(t, []).append(m)
    return by_table


def class_lines(cls):
    file, entry = class_entry(cls)
    return (file, None, entry[0]) if entry else (None, None, 0)


def attr_line(mapper, key):
    for cls in mapper.class_.__mro__:
        if key not in vars(cls):
            continue
        file, entry = class_entry(cls)
        if file is None:
            return None, 0
        return file, entry[1].get(key, entry[0])
    return None, 0


def main():
    mode, what, path = sys.argv[1], sys.argv[2], sys.argv[3]
    sys.path.insert(0, path)
    where, line = what, 0
    if mode == "alembic":
        value, err, line = from_env_py(what)
    else:
        value, err = from_attr(what)
    if err:
        fail(err, what)
    if value is None:
        none("target_metadata is None")
    mds = metadatas(value)
    if not mds:
        fail("%s is a %s, not a MetaData or a declarative base" % ("target_metadata" if mode == "alembic" else what, type(value).__name__), what)
    from sqlalchemy.dialects import postgresql
    dialect = postgresql.dialect()
    by_table = mapped_classes()
    tables = []
    for md in mds:
        for t in md.sorted_tables:
            mappers = by_table.get(t, [])
            tfile, tline = None, 0
            if mappers:
                tfile, _, tline = class_lines(mappers[0].class_)
            cols = []
            for c in t.columns:
                try:
                    typ = c.type.compile(dialect=dialect)
                except Exception:
                    typ = ""
                cfile, cline = None, 0
                for m in mappers:
                    try:
                        prop = m.get_property_by_column(c)
                    except Exception:
                        continue
                    cfile, cline = attr_line(m, prop.key)
                    if cfile:
                        break
                cols.append({"name": c.name, "type": typ, "nullable": bool(c.nullable),
                             "file": cfile or tfile or "", "line": cline or tline})
            tables.append({"schema": t.schema or "", "name": t.name, "file": tfile or "", "line": tline, "columns": cols})
    sys.stdout.write(json.dumps({"tables": tables, "where": what, "line": line}))  # one write: json.dump writes each token
    sys.stdout.write("\n")


main()
