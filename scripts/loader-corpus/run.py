#!/usr/bin/env python3
"""Run the real loaders of each project tree in trees/*.txtar and compare the
database each app connects to with dbguard env --format json's verdict.

Each tree's header names its apps, one a line:
    app: DIR node FILE       node FILE in DIR (NODE_PATH: the real npm packages)
    app: DIR python FILE     Debian's python3 (python-dotenv, decouple, django-environ)
    app: DIR pydantic FILE   the Python with pydantic-settings 2
    app: DIR next MODE       @next/env loadEnvConfig(DIR, MODE == development)
    app: DIR vite MODE       vite's resolveConfig (vite.config.*, envDir) then
                             loadEnv(MODE, config.envDir, ''), what SvelteKit,
                             Remix and vite.config's own loadEnv hand the server
    mode: MODE               dbguard env --mode MODE
A node or python app prints the URL it would connect with as its last line.

An app agrees when the database it connects to is among those dbguard says
its folder reads (or both are none); a tree agrees when every app does and
dbguard's verdict (conflict or not) is the apps' (more than one database or not).
Usage: run.py DBGUARD NODE_MODULES [TREE...]
(NODE_MODULES: one folder holding every npm package the apps use)
"""
import json, os, subprocess, sys, tempfile, urllib.parse, glob, shutil

here = os.path.dirname(os.path.abspath(__file__))


def parse_txtar(path):
    data = open(path, encoding="utf-8").read()
    header, files, cur = [], {}, None
    for line in data.splitlines(keepends=True):
        if line.startswith("-- ") and line.rstrip("\r\n").endswith(" --"):
            cur = line.rstrip("\r\n")[3:-3].strip()
            files[cur] = ""
        elif cur is None:
            header.append(line.rstrip("\n"))
        else:
            files[cur] += line
    return header, files


def ident(url):
    if not url:
        return None
    try:
        u = urllib.parse.urlsplit(url.strip())
        if not u.scheme.startswith("postgres"):
            return "unparsable"
        return "%s:%s/%s" % ((u.hostname or "").lower(), u.port or 5432, urllib.parse.unquote(u.path.lstrip("/")))
    except ValueError:
        return "unparsable"


def run_app(root, d, kind, arg, node_path):
    cwd = os.path.join(root, d)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "PWD": cwd}
    js = None
    if kind == "node":
        cmd = ["node", arg]
        env["NODE_PATH"] = node_path
    elif kind == "next":
        js = "const {loadEnvConfig}=require('@next/env');loadEnvConfig(process.cwd(),%s,{info(){},error(){}});console.log(process.env.DATABASE_URL||'')" % ("true" if arg == "development" else "false")
    elif kind == "vite":
        js = ("import('vite').then(async v=>{const c=await v.resolveConfig({root:process.cwd(),logLevel:'silent'},'serve',%r);"
              "console.log(v.loadEnv(%r,c.envDir,'').DATABASE_URL||'')})" % (arg, arg))
    elif kind == "python":
        cmd = ["/usr/bin/python3", arg]
    elif kind == "pydantic":
        cmd = [os.environ.get("PYDANTIC_PYTHON", sys.executable), arg]
    else:
        raise SystemExit("unknown app kind " + kind)
    if js is not None:
        # run from a file beside the modules so import('vite') resolves
        runner = os.path.join(root, ".corpus-app.cjs")
        open(runner, "w").write(js)
        cmd = ["node", runner]
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return None, "exit %d: %s" % (p.returncode, p.stderr.strip()[:400])
    lines = p.stdout.strip().splitlines()
    return (lines[-1].strip() if lines else ""), None


def dbguard_sets(dbguard, root, mode):
    args = [dbguard, "env", "--format", "json"] + (["--mode", mode] if mode else [])
    p = subprocess.run(args, cwd=root, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    try:
        j = json.loads(p.stdout)
    except ValueError:
        return None, "exit %d: %s" % (p.returncode, p.stderr.strip()[:300]), {}
    var = j.get("url_var") or "DATABASE_URL"
    by_dir = {}
    for l in j.get("loaders") or []:
        by_dir.setdefault(l["dir"], []).append(l)
    sets = {}
    for d, ls in by_dir.items():
        used = [l for l in ls if l.get("in_use")] or ls
        s = set()
        for l in used:
            r = (l.get("reads") or {}).get(var)
            if r and r.get("database"):
                db = r["database"]
                s.add("%s:%s/%s" % (db.get("host", "").lower(), db.get("port") or 5432, db.get("database", "")))
        sets[d] = s
    return j.get("verdict"), None, sets


def main():
    dbguard, node_path = sys.argv[1], sys.argv[2]
    names = sys.argv[3:]
    trees = sorted(glob.glob(os.path.join(here, "trees", "*.txtar")))
    if names:
        trees = [t for t in trees if os.path.basename(t)[:-6] in names]
    agree_trees = agree_apps = total_apps = 0
    for t in trees:
        name = os.path.basename(t)[:-6]
        header, files = parse_txtar(t)
        apps, mode = [], None
        for h in header:
            if h.startswith("app: "):
                apps.append(h[5:].split())
            elif h.startswith("mode: "):
                mode = h[6:].strip()
        root = tempfile.mkdtemp(prefix="corpus-")
        try:
            subprocess.run(["git", "init", "-q", root], check=True)
            for f, data in files.items():
                p = os.path.join(root, f)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "w", encoding="utf-8", newline="") as fh:
                    fh.write(data.replace("<CR>", "\r").replace("<BOM>", "\ufeff"))
            verdict, gerr, sets = dbguard_sets(dbguard, root, mode)
            # ES modules resolve packages from node_modules upward, never NODE_PATH.
            os.symlink(node_path.split(":")[0], os.path.join(root, "node_modules"))
            real, notes, ok = set(), [], True
            for d, kind, arg in apps:
                url, err = run_app(root, d, kind, arg, node_path)
                total_apps += 1
                got = ident(url)
                if got:
                    real.add(got)
                mine = sets.get(d, set())
                good = (got in mine) if got else not mine
                agree_apps += good
                ok &= good
                notes.append("%s %s %s: real %s, dbguard %s%s%s" % (d, kind, arg, got, sorted(mine) or "none",
                             "" if good else "  <-- DISAGREE", " (%s)" % err if err else ""))
            conflict = len(real) > 1
            vok = (verdict == "conflict") == conflict
            ok &= vok
            agree_trees += ok
            print("%s %s: real %s, dbguard %s%s" % ("ok  " if ok else "DIFF", name, "conflict" if conflict else "one database",
                  verdict if not gerr else gerr, "" if vok else "  <-- VERDICT DIFFERS"))
            for n in notes:
                print("     " + n)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    print("trees agree: %d/%d; apps agree: %d/%d" % (agree_trees, len(trees), agree_apps, total_apps))


main()
