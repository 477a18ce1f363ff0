"""Record what django-environ's Env.read_env makes of each line of
internal/envload/testdata/djangoenviron/lines.json into golden.json, with
its version (Debian 12's python3-django-environ: 0.4.4). Run by
scripts/conformance.sh (make conformance); TestDjangoEnvironLines compares
envload.DjangoEnvironValue's reading for that version. With PYTHONPATH
naming a checkout of another release (its environ/ folder, e.g. git
archive v0.11.2 environ: the package is pure Python, and PyPI is not
reachable here), that release runs instead, its version read from
environ.__version__ (conformance.sh's DJANGO_ENVIRON_SRCS).

Usage: /usr/bin/python3 django_environ_lines.py LINES.json GOLDEN.json
"""
import io
import json
import os
import sys
from importlib import metadata

import environ


def main():
    lines_path, out_path = sys.argv[1:3]
    with open(lines_path, encoding="utf-8") as f:
        lines = json.load(f)
    results = []
    for line in lines:
        os.environ.pop("DATABASE_URL", None)
        environ.Env.read_env(io.StringIO(line + "\n"))
        results.append({"line": line, "value": os.environ.get("DATABASE_URL")})
    os.environ.pop("DATABASE_URL", None)
    with open(out_path, "w", encoding="utf-8") as f:
        version = getattr(environ, "__version__", None) or metadata.version("django-environ")
        json.dump({"version": version, "results": results}, f, ensure_ascii=False, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
