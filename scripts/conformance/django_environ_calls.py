"""Record which file django-environ's Env.read_env reads for each case of
internal/envcheck/testdata/djangoenviron/calls.json, and what os.environ's
DATABASE_URL is after the calling module ran, into golden-calls-VERSION.json
(TestDjangoEnvironCallGoldens). Each case is a project: its files are
written to a fresh folder, the case's environment set, and the case's
mysite/settings.py run (runpy, its absolute path as __file__, as Django
imports it) with the working folder at the project's root.

Run by scripts/conformance.sh: Debian 12's python3-django-environ (0.4.4),
and, with PYTHONPATH naming a release's environ/ folder
(DJANGO_ENVIRON_SRCS), that release.

Usage: /usr/bin/python3 django_environ_calls.py CALLS.json OUT_FOLDER
"""
import json
import os
import subprocess
import sys
import tempfile

RUN = r"""
import json, os, runpy, sys
try:
    runpy.run_path(os.path.abspath(sys.argv[1]), run_name="settings")
    err = None
except Exception as e:
    err = type(e).__name__
print(json.dumps({"value": os.environ.get("DATABASE_URL"), "error": err}))
"""


def main():
    cases_path, out_dir = sys.argv[1:3]
    with open(cases_path, encoding="utf-8") as f:
        cases = json.load(f)
    version = subprocess.run([sys.executable, "-c", "import environ\ntry:\n print(environ.__version__)\nexcept AttributeError:\n from importlib import metadata; print(metadata.version('django-environ'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    results = []
    for case in cases:
        with tempfile.TemporaryDirectory() as root:
            for name, body in case["files"].items():
                p = os.path.join(root, name)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "w", encoding="utf-8") as f:
                    f.write(body)
            env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
            env.update(case.get("environ", {}))
            out = subprocess.run([sys.executable, "-c", RUN, "mysite/settings.py"], cwd=root, env=env,
                                 check=True, capture_output=True, text=True).stdout
            got = json.loads(out)
            results.append({"name": case["name"], "value": got["value"], "error": got["error"]})
    with open(os.path.join(out_dir, "golden-calls-%s.json" % version), "w", encoding="utf-8") as f:
        json.dump({"version": version, "results": results}, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
