"""The pure core imports no database, web or network library (docs/ARCHITECTURE.md)."""

import ast
from pathlib import Path

import beian.core

FORBIDDEN = ("sqlalchemy", "alembic", "fastapi", "starlette", "httpx", "psycopg", "jinja2")
ALLOWED_BEIAN = ("beian.core", "beian.clock")
CORE = Path(beian.core.__file__).parent


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_core_modules_import_only_pure_things():
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        if path.name == "cli.py":  # command-line entry points may print and read files
            continue
        for name in imported_modules(path):
            root = name.split(".")[0]
            if root in FORBIDDEN or (root == "beian" and not name.startswith(ALLOWED_BEIAN)):
                offenders.append(f"{path.relative_to(CORE)} imports {name}")
    assert offenders == []


def test_the_check_sees_core_files():
    assert len(list(CORE.rglob("*.py"))) >= 5
