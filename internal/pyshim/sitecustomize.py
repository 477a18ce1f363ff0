# dbguard's connection guard for Python. dbguard writes this file, as
# sitecustomize.py, into a private folder it puts first on the child's
# PYTHONPATH, and removes it when the child ends. It wraps the PostgreSQL
# drivers' connect functions (psycopg2, psycopg 3, asyncpg, pg8000) and
# refuses any connection to another database than the one dbguard guarded
# (DBGUARD_GUARD_TARGET), recording who asked, file:line, in
# DBGUARD_GUARD_REPORT. Then it runs the sitecustomize it stands in front of.


def _dbguard_install():
    import getpass
    import importlib.abc
    import importlib.machinery
    import json
    import os
    import socket
    import sys
    import sysconfig

    here = os.path.dirname(os.path.abspath(__file__))
    target = json.loads(os.environ["DBGUARD_GUARD_TARGET"])
    # The zygote (below) switches both before it reads the models.
    state = {"report": os.environ["DBGUARD_GUARD_REPORT"]}

    def report(event, **fields):
        fields["event"] = event
        try:
            with open(state["report"], "a", encoding="utf-8") as f:
                f.write(json.dumps(fields) + "\n")
        except OSError:
            pass

    class Refused(Exception):
        """dbguard refused a connection to another database."""

    # Frames in these folders are the drivers, SQLAlchemy, the tool and
    # Python itself; the caller is the first frame outside them.
    skip = {here}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            skip.add(os.path.abspath(p))

    def caller():
        f = sys._getframe(1)
        outermost = None
        while f is not None:
            name = f.f_code.co_filename
            if not name.startswith("<"):
                path = os.path.abspath(name)
                outermost = "%s:%d" % (path, f.f_lineno)
                inside = any(path == s or path.startswith(s + os.sep) for s in skip)
                if not inside and os.sep + "site-packages" + os.sep not in path and os.sep + "dist-packages" + os.sep not in path:
                    return outermost
            f = f.f_back
        return outermost or "?"

    def shown(where):
        """where (file:line, absolute) as a message names it: relative
        to the working directory when below it, never the machine's
        absolute path of a file in the project."""
        try:
            rel = os.path.relpath(where, os.getcwd())
        except ValueError:
            return where
        if rel.startswith(".." + os.sep) or rel == "..":
            return where
        return rel

    def local(h):
        return h == "" or h.startswith("/") or h.startswith("@")

    def addresses(h, port):
        try:
            return {ai[4][0] for ai in socket.getaddrinfo(h, port or 5432, proto=socket.IPPROTO_TCP)}
        except (OSError, UnicodeError):
            return set()

    def same_host(a, b, port):
        a, b = a.lower().rstrip("."), b.lower().rstrip(".")
        if a == b or (local(a) and local(b) and (a == "" or b == "")):
            return True
        if local(a) or local(b):
            return False
        return bool(addresses(a, port) & addresses(b, port))

    def allowed(pairs, dbname):
        if dbname != target["dbname"]:
            return False
        for h, p in pairs:
            if not any(same_host(h, th, p) and str(p) == str(tp) for th, tp in target["hosts"]):
                return False
        return True

    def show(pairs, dbname):
        hosts = ",".join(h or "(local socket)" for h, _ in pairs)
        ports = ",".join(str(p) for _, p in pairs)
        return "%s:%s/%s" % (hosts, ports, dbname)

    def libpq_target(params):
        """Host/port pairs and database as libpq resolves params (a dict
        of conninfo keywords); None when a service decides them."""
        env = os.environ
        if params.get("service") or env.get("PGSERVICE"):
            return None
        hosts = params.get("hostaddr") or env.get("PGHOSTADDR") or params.get("host") or env.get("PGHOST") or ""
        ports = str(params.get("port") or env.get("PGPORT") or "5432")
        user = params.get("user") or env.get("PGUSER") or getpass.getuser()
        dbname = params.get("dbname") or env.get("PGDATABASE") or user
        return pairs_of(hosts.split(","), ports.split(",")), dbname

    def pairs_of(hosts, ports):
        out = []
        for i, h in enumerate(hosts):
            p = ports[0] if len(ports) == 1 else (ports[i] if i < len(ports) else "5432")
            out.append((h.strip(), (p or "5432").strip()))
        return out

    def check(driver, resolved):
        if resolved is None:
            return
        pairs, dbname = resolved
        if allowed(pairs, dbname):
            return
        where = caller()
        got = show(pairs, dbname)
        report("refused", driver=driver, caller=where, got=got)
        raise Refused("dbguard refused a %s connection to %s from %s: dbguard guarded %s" % (driver, got, shown(where), target["show"]))

    def check_after(driver, conn, info):
        """The database libpq actually connected to (a service file, a
        .pgpass-less default), checked before the connection is used."""
        try:
            resolved = info(conn)
        except Exception:
            return conn
        if resolved is not None and not allowed(*resolved):
            try:
                conn.close()
            except Exception:
                pass
            check(driver, resolved)
        report("allowed", driver=driver)
        return conn

    def libpq_info(conn):
        i = conn.info
        host = getattr(i, "hostaddr", "") or i.host or ""
        return pairs_of(host.split(","), [str(i.port)]), i.dbname

    def patch_psycopg2(mod):
        orig = mod._connect
        ext = sys.modules.get("psycopg2.extensions")

        def _connect(dsn, *args, **kwargs):
            params = ext.parse_dsn(dsn) if ext is not None else {}
            check("psycopg2", libpq_target(params))
            return check_after("psycopg2", orig(dsn, *args, **kwargs), libpq_info)

        mod._connect = _connect

    def patch_psycopg(mod):
        from psycopg import conninfo as ci

        not_conninfo = {"autocommit", "prepare_threshold", "row_factory", "cursor_factory", "context"}

        def params(conninfo, kwargs):
            kw = {k: v for k, v in kwargs.items() if k not in not_conninfo}
            return ci.conninfo_to_dict(ci.make_conninfo(conninfo, **kw))

        for cls in (mod.Connection, mod.AsyncConnection):
            orig = cls.connect.__func__
            if cls is mod.Connection:
                def connect(klass, conninfo="", _orig=orig, **kwargs):
                    check("psycopg", libpq_target(params(conninfo, kwargs)))
                    return check_after("psycopg", _orig(klass, conninfo, **kwargs), libpq_info)
            else:
                async def connect(klass, conninfo="", _orig=orig, **kwargs):
                    check("psycopg", libpq_target(params(conninfo, kwargs)))
                    return check_after("psycopg", await _orig(klass, conninfo, **kwargs), libpq_info)
            cls.connect = classmethod(connect)
        mod.connect = mod.Connection.connect

    def bound(fn, args, kwargs):
        import inspect
        try:
            b = inspect.signature(fn).bind(*args, **kwargs)
        except TypeError:
            return None
        b.apply_defaults()
        return b.arguments

    def patch_asyncpg(mod):
        import urllib.parse
        orig = mod.connection.connect

        def target_of(a):
            env = os.environ
            hosts, ports, user, dbname = a.get("host"), a.get("port"), a.get("user"), a.get("database")
            if a.get("dsn"):
                u = urllib.parse.urlsplit(a["dsn"])
                q = urllib.parse.parse_qs(u.query)
                netloc = u.netloc.rpartition("@")[2]
                if netloc:
                    hs, ps = [], []
                    for part in netloc.split(","):
                        h, _, p = part.rpartition(":") if not part.endswith("]") else (part, "", "")
                        if not h:
                            h, p = part, ""
                        hs.append(urllib.parse.unquote(h.strip("[]")))
                        ps.append(p)
                    hosts = hosts or hs
                    ports = ports or (ps if any(ps) else None)
                if u.username and not user:
                    user = urllib.parse.unquote(u.username)
                if u.path.strip("/") and not dbname:
                    dbname = urllib.parse.unquote(u.path.lstrip("/"))
                hosts = hosts or (q.get("host", [None])[0] and q["host"][0].split(","))
                ports = ports or (q.get("port", [None])[0] and q["port"][0].split(","))
                user = user or q.get("user", [None])[0]
                dbname = dbname or q.get("dbname", q.get("database", [None]))[0]
            hosts = hosts or (env.get("PGHOST") or "").split(",")
            if isinstance(hosts, str):
                hosts = hosts.split(",")
            ports = ports or (env.get("PGPORT") or "5432").split(",")
            if isinstance(ports, (int, str)):
                ports = str(ports).split(",")
            user = user or env.get("PGUSER") or getpass.getuser()
            dbname = dbname or env.get("PGDATABASE") or user
            return pairs_of([str(h) for h in hosts], [str(p) for p in ports]), dbname

        async def connect(*args, **kwargs):
            a = bound(orig, args, kwargs)
            if a is not None:
                check("asyncpg", target_of(a))
            return await orig(*args, **kwargs)

        mod.connection.connect = connect
        mod.connect = connect

    def patch_pg8000(mod):
        origs = {}
        for name in ("connect",):
            origs[name] = getattr(mod, name)

        def target_of(a):
            if a.get("unix_sock"):
                return [("/" + a["unix_sock"].lstrip("/"), str(a.get("port") or 5432))], a.get("database") or a.get("user")
            return [(str(a.get("host") or "localhost"), str(a.get("port") or 5432))], a.get("database") or a.get("user") or getpass.getuser()

        def wrap(orig):
            def connect(*args, **kwargs):
                a = bound(orig, args, kwargs)
                if a is not None:
                    check("pg8000", target_of(a))
                return orig(*args, **kwargs)
            return connect

        mod.connect = wrap(origs["connect"])
        dbapi = sys.modules.get("pg8000.dbapi")
        if dbapi is not None and hasattr(dbapi, "connect"):
            dbapi.connect = wrap(dbapi.connect)

    patches = {"psycopg2": patch_psycopg2, "psycopg": patch_psycopg, "asyncpg": patch_asyncpg, "pg8000": patch_pg8000}

    def patch(name, mod):
        try:
            patches[name](mod)
            report("armed", driver=name)
        except Exception as e:  # a driver version this shim does not know
            report("unarmed", driver=name, error="%s: %s" % (type(e).__name__, e))

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path, target=None):
            if fullname not in patches:
                return None
            spec = None
            for finder in sys.meta_path:
                if finder is not self and hasattr(finder, "find_spec"):
                    spec = finder.find_spec(fullname, path, target)
                    if spec is not None:
                        break
            if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
                return spec
            loader = spec.loader
            exec_module = loader.exec_module

            def exec_and_patch(module):
                exec_module(module)
                patch(fullname, module)

            loader.exec_module = exec_and_patch
            return spec

    for name in patches:
        if name in sys.modules:
            patch(name, sys.modules[name])
    sys.meta_path.insert(0, Finder())
    report("loaded", pid=os.getpid())

    # Out of the way: the folder holds nothing else, and the sitecustomize
    # this one stands in front of (Debian's, a virtualenv's) still runs.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
    if spec is not None and spec.loader is not None:
        import importlib.util
        nxt = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(nxt)

    # Reading the models after the tool (DBGUARD_GUARD_THEN_READ, set by
    # dbguard for Alembic's upgrade when env.py names target_metadata).
    # Popped, so no Python the tool starts becomes a zygote in turn.
    then = os.environ.pop("DBGUARD_GUARD_THEN_READ", None)
    if then:
        zygote(json.loads(then), target, state)


def zygote(spec, target, state):
    """Forks before any of the project's code has run. The child goes on
    as the tool; this process, the zygote, waits for it, and when it
    exited 0 with no connection refused, reads the models as the separate
    reader does: the reader script run as __main__, every connection
    refused (the guarded database's too), its own report, stdout and
    stderr to dbguard's pipes, which time it and kill it at the limit. So
    nothing the tool's run did (env.py, revision files: patches, a
    reflected target_metadata, open connections) is in the process that
    reads: only Python's start and SQLAlchemy's import are shared. The
    zygote exits with the tool's status, which it also writes first."""
    import json
    import os
    import sys

    ctl, out, err = spec["fds"]

    def say(line):
        try:
            os.write(ctl, (line + "\n").encode())
        except OSError:
            pass

    if not same_python(sys.executable, spec["python"]):
        say("skip the tool runs with %s, the models are read with %s" % (sys.executable, spec["python"]))
        return close(ctl, out, err)
    try:
        # The reader's imports, paid once for both processes (the tool
        # imports SQLAlchemy anyway).
        import ast, inspect, signal, traceback, types  # noqa: E401
        import sqlalchemy.dialects.postgresql  # noqa: F401
        import sqlalchemy.orm  # noqa: F401
    except Exception as e:
        say("skip importing SQLAlchemy: %s: %s" % (type(e).__name__, e))
        return close(ctl, out, err)
    try:
        # The reader as it is now, before the project's code could
        # rewrite the file (the tool's environment names it).
        with open(spec["script"], "rb") as f:
            spec["code"] = compile(f.read(), spec["script"], "exec")
    except Exception as e:
        say("skip the reader: %s: %s" % (type(e).__name__, e))
        return close(ctl, out, err)
    # Nothing the tool starts may open the zygote's descriptors through
    # /proc or trace it (another user's root still can): not dumpable,
    # set before the fork and given back to the tool after it.
    was = set_dumpable(0)
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except Exception:
            pass
    # Signals wait while the two processes part: one arriving before the
    # zygote's handlers are in place would end it while the tool runs.
    forwarded = (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)
    held = set(forwarded) | {signal.SIGINT, signal.SIGQUIT}
    try:
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError) as e:
        say("skip signals: %s" % e)
        return close(ctl, out, err)
    # What the two processes share is left out of the garbage collector's
    # passes (Python's gc docs, for fork without exec): a pass writes to
    # every object it visits, so the tool's first full collection copied
    # each page of SQLAlchemy's import, ~2,000 page faults of its own.
    # The zygote takes them back once the tool runs. Python 3.7 on: before
    # (SQLAlchemy 1.4 and Alembic 1.7 run on 3.6) nothing is frozen, as an
    # AttributeError here would leave the tool's signals held.
    import gc
    frozen = hasattr(gc, "freeze") and hasattr(gc, "unfreeze")
    if frozen:
        gc.freeze()
    try:
        pid = os.fork()
    except (AttributeError, OSError) as e:
        if frozen:
            gc.unfreeze()
        if was is not None:
            set_dumpable(was)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        say("skip fork: %s" % e)
        return close(ctl, out, err)
    if pid != 0 and frozen:
        gc.unfreeze()
    if pid == 0:
        if was is not None:
            set_dumpable(was)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        return close(ctl, out, err)  # the tool: nothing of the reading
    code = 1
    try:
        code = zygote_wait(pid, forwarded, mask, say)
        zygote_read(spec, target, state, code, forwarded, say)
    except BaseException:
        pass
    finally:
        # Never back into Python's start: this process would run the
        # tool a second time.
        close(ctl, out, err)
        if code < 0:
            try:
                signal.signal(-code, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {-code})
                os.kill(os.getpid(), -code)
            except BaseException:
                pass
            os._exit(128 - code)
        os._exit(code)


def same_python(exe, want):
    """Whether the interpreter exe is want: the same path, or the same
    file in the same folder (a virtualenv's python and python3, one
    linking to the other: pip writes a script's shebang as the one it ran
    under). A folder is an environment (pyvenv.cfg is found beside or
    above the executable's own path), so the same file elsewhere is not."""
    import os

    exe = os.path.abspath(exe)
    if exe == want:
        return True
    try:
        return os.path.dirname(exe) == os.path.dirname(want) and os.path.samefile(exe, want)
    except (OSError, ValueError):
        return False


def close(*fds):
    """Closes the descriptors, those already closed too."""
    import os

    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def set_dumpable(v):
    """prctl(PR_SET_DUMPABLE, v) (Linux only); what it was before, None
    when it could not be set."""
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
        was = prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
        if was < 0 or prctl(4, v, 0, 0, 0) != 0:
            return None
        return was
    except Exception:
        return None


def zygote_wait(pid, forwarded, mask, say):
    """Waits for the tool, passing on the signals dbguard passes on, and
    returns its exit code (-N: signal N)."""
    import os
    import signal

    def forward(sig, frame):
        try:
            os.kill(pid, sig)
        except OSError:
            pass

    for s in forwarded:
        signal.signal(s, forward)
    # The terminal's Ctrl-C reaches the tool itself.
    for s in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(s, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    say("zygote %d" % os.getpid())
    status = None
    while status is None:
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            status = 1 << 8
        except BaseException:
            continue  # whatever happens here, the tool is waited for
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def zygote_read(spec, target, state, code, forwarded, say):
    """Reads the models once the tool exited 0 with no connection
    refused."""
    import json
    import os
    import signal
    import sys
    import traceback
    import types

    ctl, out, err = spec["fds"]

    say("tool %d" % code)
    refused = False
    try:
        with open(state["report"], encoding="utf-8") as f:
            refused = any('"refused"' in line for line in f)
    except OSError:
        pass
    if code != 0 or refused:
        return say("skip the tool failed")
    for s in forwarded + (signal.SIGQUIT,):
        signal.signal(s, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    target.clear()
    target.update(spec["target"])
    state["report"] = spec["report"]
    os.environ["DBGUARD_GUARD_TARGET"] = json.dumps(spec["target"])
    os.environ["DBGUARD_GUARD_REPORT"] = spec["report"]
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    sys.dont_write_bytecode = True
    os.chdir(spec["dir"])
    os.dup2(out, 1)
    os.dup2(err, 2)
    close(out, err)
    sys.argv = [spec["script"]] + spec["args"]
    sys.path[0] = os.path.dirname(spec["script"])
    say("reading")
    rc = 0
    main = types.ModuleType("__main__")
    main.__file__ = spec["script"]
    sys.modules["__main__"] = main
    try:
        exec(spec["code"], main.__dict__)
    except SystemExit as e:
        if e.code is None:
            rc = 0
        elif isinstance(e.code, int):
            rc = e.code
        else:
            print(e.code, file=sys.stderr)
            rc = 1
    except BaseException:
        traceback.print_exc()
        rc = 1
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except Exception:
            pass
    say("read %d" % rc)


_dbguard_install()
del _dbguard_install, zygote, same_python, set_dumpable, zygote_wait, zygote_read
