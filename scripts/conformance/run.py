"""Python side of the dotenv conformance harness (see scripts/conformance.sh).

Usage: /usr/bin/python3 run.py MANIFEST.json OUT.json [LOADER]

Runs python-dotenv's load_dotenv() and dotenv_values(), pydantic-settings and
python-decouple's config for every run folder of one case. Both are called with no arguments, so they find .env the way an
application's would: find_dotenv() walks up from the folder of the file that
calls it. That calling file is simulated by compiling the call with a file
name in the case's caller folder (default: the run folder); nothing is written
there. The working directory is the run folder, and os.environ is reset
before each call. With LOADER, only that loader runs (gorunner's fallback when
a loader hangs or crashes the process).
"""

import json
import os
import sys
import typing
from importlib import metadata

import dotenv


def reset_env(start):
    os.environ.clear()
    os.environ.update(start)


def diff(got, start, case_env):
    """Every key the case's env: lines set, and every key new or changed since the start."""
    return {
        k: v
        for k, v in got.items()
        if k in case_env or k not in start or start[k] != v
    }


def call_from(caller_dir, src):
    """Run src as if it were the body of caller_dir/app.py; return its `result`."""
    scope = {"__name__": "__conformance_app__", "dotenv": dotenv}
    code = compile(src, os.path.join(caller_dir, "app.py"), "exec")
    exec(code, scope)
    return scope["result"]


def load_dotenv(caller_dir, start, case_env):
    call_from(caller_dir, "from dotenv import load_dotenv\nresult = load_dotenv()\n")
    return diff(dict(os.environ), start, case_env)


def dotenv_values(caller_dir, start, case_env):
    # The returned dict alone: no process environment merged in. Keys with no
    # '=' map to None (JSON null).
    return dict(call_from(caller_dir, "from dotenv import dotenv_values\nresult = dotenv_values()\n"))


def pydantic_settings(caller_dir, start, case_env):
    # A settings class as a FastAPI app declares one with pydantic-settings 2
    # (run by a Python where it is installed; Debian has no package):
    # env_file=".env" read from the working directory, the default
    # case_sensitive=False, and a field for every name the file or the
    # environment could give, named in lower case. A field is reported under
    # its name in upper case: database_url as DATABASE_URL. Its precedence:
    # environment over env file; the file's values never reach os.environ.
    import pydantic
    import pydantic_settings

    names = set(dotenv.dotenv_values(".env")) if os.path.isfile(".env") else set()
    names |= set(case_env)
    reserved = set(dir(pydantic_settings.BaseSettings))
    fields = {}
    for n in sorted(names):
        f = (n or "").lower()
        if f.isidentifier() and not f.startswith("_") and not f.startswith("model_") and f not in reserved:
            fields[f] = (typing.Optional[str], None)

    class Base(pydantic_settings.BaseSettings):
        model_config = pydantic_settings.SettingsConfigDict(env_file=".env", extra="ignore")

    Settings = pydantic.create_model("Settings", __base__=Base, **fields)
    return {k.upper(): v for k, v in Settings().model_dump().items() if v is not None}


def python_decouple(caller_dir, start, case_env):
    # config(NAME) called from a module in caller_dir: AutoConfig's search
    # from there (settings.ini, then .env, in each folder upwards), the
    # environment first. Reported: every name of the file it found (upper
    # case for settings.ini, whose names configparser folds, as config()
    # folds the name asked for) and of the case's env: lines, each as
    # config() returns it. Nothing reaches os.environ.
    import decouple

    auto = decouple.AutoConfig(search_path=caller_dir)
    auto._load(caller_dir)
    repo = auto.config.repository
    names = set(case_env)
    if isinstance(repo, decouple.RepositoryIni):
        if repo.parser.has_section(repo.SECTION):
            names |= {k.upper() for k in repo.parser.options(repo.SECTION)}
    elif isinstance(repo, decouple.RepositoryEnv):
        names |= set(repo.data)
    return {n: auto(n) for n in sorted(names)}


LOADERS = [("python-dotenv", load_dotenv), ("python-dotenv-values", dotenv_values), ("pydantic-settings", pydantic_settings),
           ("python-decouple", python_decouple)]


def first_line(e):
    msg = str(e).strip().split("\n")[0]
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


def main():
    manifest_path, out_path = sys.argv[1:3]
    only = sys.argv[3].split(",") if len(sys.argv) > 3 else None
    loaders = [(name, load) for name, load in LOADERS if only is None or name in only]
    with open(manifest_path, encoding="utf-8") as f:
        m = json.load(f)
    base = dict(os.environ)
    base.pop("PWD", None)
    case_env = m["env"]
    versions = {"python-dotenv": metadata.version("python-dotenv"), "python-dotenv-values": metadata.version("python-dotenv")}
    if any(name == "python-decouple" for name, _ in loaders):
        versions["python-decouple"] = metadata.version("python-decouple")
    if any(name == "pydantic-settings" for name, _ in loaders):
        versions["pydantic-settings"] = "pydantic-settings %s (pydantic %s, python-dotenv %s)" % (
            metadata.version("pydantic-settings"), metadata.version("pydantic"), metadata.version("python-dotenv"))

    results = {name: {} for name, _ in loaders}
    # settings: lines (the pydantic runner only): the case's class, built in
    # each run folder as the app builds it; its fields that are not None,
    # named in upper case.
    settings = {}
    if any(name == "pydantic-settings" for name, _ in loaders):
        for spec in m.get("settings") or []:
            rel, cls = spec.split(" ", 1)
            file = os.path.join(m["root"], rel)
            with open(file, encoding="utf-8") as f:
                code = compile(f.read(), file, "exec")
            settings[spec] = {}
            for run in m["runs"]:
                run_dir = os.path.normpath(os.path.join(m["root"], run))
                start = dict(base, PWD=run_dir)
                reset_env(start)
                try:
                    os.chdir(run_dir)
                    scope = {"__name__": "__conformance_settings__", "__file__": file}
                    exec(code, scope)
                    got = scope[cls]().model_dump()
                    # Text and URL fields (str, PostgresDsn, AnyUrl): what a
                    # database URL is declared as.
                    vars = {k.upper(): str(v) for k, v in got.items() if isinstance(v, str) or type(v).__name__.endswith(("Url", "Dsn"))}
                    res = {"vars": vars, "driver": {k: v for k, v in diff(dict(os.environ), start, case_env).items() if k.startswith("PG")}}
                except Exception as e:
                    res = {"error": first_line(e)}
                settings[spec][run] = res
    # pycall: lines (python-dotenv's runner only): each file of the case runs
    # as the application would run it, under its own path (find_dotenv walks
    # up from there), in each run folder; os.environ afterwards is recorded.
    pycalls = {}
    if any(name == "python-dotenv" for name, _ in loaders):
        for rel in m.get("pycalls") or []:
            file = os.path.join(m["root"], rel)
            with open(file, encoding="utf-8") as f:
                code = compile(f.read(), file, "exec")
            pycalls[rel] = {}
            for run in m["runs"]:
                run_dir = os.path.normpath(os.path.join(m["root"], run))
                start = dict(base, PWD=run_dir)
                reset_env(start)
                try:
                    os.chdir(run_dir)
                    exec(code, {"__name__": "__conformance_app__", "__file__": file})
                    vars = diff(dict(os.environ), start, case_env)
                    res = {"vars": vars, "driver": {k: v for k, v in vars.items() if k.startswith("PG")}}
                except Exception as e:
                    res = {"error": first_line(e)}
                pycalls[rel][run] = res
    for run in m["runs"]:
        run_dir = os.path.normpath(os.path.join(m["root"], run))
        caller_dir = os.path.normpath(os.path.join(m["root"], m["caller"] or run))
        for name, load in loaders:
            start = dict(base, PWD=run_dir)
            reset_env(start)
            try:
                os.chdir(run_dir)
                res = {"vars": load(caller_dir, start, case_env)}
                # What a driver in this process reads: os.environ after
                # loading (dotenv_values and pydantic-settings only return
                # values), its PG* variables.
                res["driver"] = {k: v for k, v in diff(dict(os.environ), start, case_env).items() if k.startswith("PG")}
            except Exception as e:  # a loader failure is a result, not a crash
                res = {"error": first_line(e)}
            results[name][run] = res
    reset_env(base)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"versions": {name: versions[name] for name, _ in loaders}, "results": results, "pycalls": pycalls, "settings": settings}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
