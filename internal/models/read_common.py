# The part dbguard's two models readers (read_django.py, read_sqlalchemy.py)
# share: each reader's script is this file followed by the reader's own
# (runReader in sqlalchemy.go joins them, so one file still runs). It
# refuses every socket connect before anything else is imported, and finds
# the file:line of a class and of its attributes.
import ast
import inspect
import json
import os
import socket
import sys


def _refuse(*args, **kwargs):
    raise ConnectionRefusedError("dbguard: reading the models must not connect to any database")


socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse


_files = {}


def file_index(path):
    """qualname -> (the class's first line, {attribute: line}) for every
    class of a file, from one parse of it: inspect.getsourcelines parses
    the whole module again for each class (minutes for 200 models)."""
    idx = _files.get(path)
    if idx is not None:
        return idx
    idx = _files[path] = {}
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError):
        return idx

    def walk(body, prefix):
        for node in body:
            if isinstance(node, ast.ClassDef):
                attrs = {}
                for st in node.body:
                    targets = st.targets if isinstance(st, ast.Assign) else [st.target] if isinstance(st, ast.AnnAssign) else []
                    for t in targets:
                        if isinstance(t, ast.Name):
                            attrs.setdefault(t.id, st.lineno)
                start = min([d.lineno for d in node.decorator_list] + [node.lineno])
                idx.setdefault(prefix + node.name, (start, attrs))
                walk(node.body, prefix + node.name + ".")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                walk(node.body, prefix + node.name + ".<locals>.")
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    walk(getattr(node, field, []) or [], prefix)

    walk(tree.body, "")
    return idx


def class_entry(cls):
    """(file, (start, attrs)) of a class; (None, None) without a source."""
    try:
        file = inspect.getsourcefile(cls)
    except TypeError:
        return None, None
    if not file:
        return None, None
    file = os.path.abspath(file)
    entry = file_index(file).get(cls.__qualname__)
    return (file, entry) if entry else (None, None)
