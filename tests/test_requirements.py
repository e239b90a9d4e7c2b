"""What the portal and the indexer import is installed by requirements.txt alone (the demo and
production install only that file, not requirements-dev.txt)."""
from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ("analyzers", "credit", "indexer", "portal", "wsgi.py", "gunicorn.conf.py")
OURS = {"analyzers", "credit", "indexer", "portal", "wsgi"}


def imported_modules() -> set[str]:
    found = set()
    for entry in RUNTIME:
        path = ROOT / entry
        for source in [path] if path.is_file() else path.rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return found - OURS - set(sys.stdlib_module_names) - {"__future__"}


def required() -> set[str]:
    names = set()
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.-]+)", line.split("#")[0])
        if match:
            names.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return names


def test_every_runtime_import_comes_from_a_listed_requirement_or_what_one_brings():
    from importlib.metadata import requires

    listed = required()
    brought = set(listed)
    for name in listed:   # one level of what the listed packages depend on themselves
        for spec in requires(name) or ():
            if "extra ==" not in spec:
                brought.add(re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", spec).group(0)).lower())
    distributions = packages_distributions()
    missing = {}
    for module in imported_modules():
        owners = {re.sub(r"[-_.]+", "-", d).lower() for d in distributions.get(module, [])}
        if not owners & brought:
            missing[module] = owners
    assert not missing, f"imported at run time but not installed by requirements.txt: {missing}"

