"""The floor plan: layers only look down (docs/architecture.md)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Bottom to top; apps on one level may not import each other either.
LAYERS = [
    {"lib"},
    {"audit"},
    {"accounts"},
    {"api"},
    {"directory"},
    {"screenings", "disputes", "private_screening"},
    {"front"},
    {"config"},
]
LEVEL = {package: level for level, packages in enumerate(LAYERS) for package in packages}


def project_modules():
    for package in LEVEL:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                yield package, path


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, wherever the import statement is (inside functions too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def imported_packages(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported_modules(path)} & LEVEL.keys()


def upward_imports() -> list[str]:
    found = []
    for package, path in project_modules():
        for imported in imported_packages(path):
            if imported != package and LEVEL[imported] >= LEVEL[package]:
                found.append(f"{path.relative_to(ROOT)} ({package}) imports {imported}")
    return sorted(found)


def test_no_module_imports_from_a_layer_above_or_beside_its_own():
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The walk itself works: an import of screenings from the directory is caught."""
    module = tmp_path / "directory" / "bad.py"
    module.parent.mkdir()
    module.write_text("def f():\n    from screenings.tasks import notify_watchers_task\n")
    monkeypatch.setattr("tests.test_architecture.ROOT", tmp_path)
    (tmp_path / "lib").mkdir()
    for package in LEVEL.keys() - {"directory", "lib"}:
        (tmp_path / package).mkdir()
    assert upward_imports() == ["directory/bad.py (directory) imports screenings"]


def test_the_kernel_that_the_client_shares_does_not_need_django():
    for name in ("phone", "tabular", "phone_lists", "errors", "private_sets", "result_files"):
        packages = {module.split(".")[0] for module in imported_modules(ROOT / "lib" / f"{name}.py")}
        assert "django" not in packages, f"lib/{name}.py imports Django"
