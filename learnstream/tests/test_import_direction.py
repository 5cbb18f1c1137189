"""The packages depend one way, and no module imports itself back through others.

`learnstream` (the project: settings, error contract, middleware) depends on no app;
`accounts` <- `catalog` <- `playback`, `tracking`. The Mux simulator and the development tools
stand apart: the simulator imports nothing of the project; `devtools`, the benchmark and the
scripts may use anything. Within an app, domain modules (services, selectors, documents,
models) never import its web layer (APIs, views, admin, URLs, template tags).
The graph is read from the source (every `import` statement, at module level or inside a
function) of the non-test code, so a new back edge fails here with the line that adds it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# package -> the project packages it may import. Anything not listed may not be imported.
ALLOWED: dict[str, set[str]] = {
    "learnstream": set(),
    "accounts": {"learnstream"},
    "catalog": {"learnstream", "accounts"},
    # The player resumes where progress left off and the lesson page shows course progress:
    # playback reads tracking's selectors; tracking never imports playback.
    "playback": {"learnstream", "accounts", "catalog", "tracking"},
    "tracking": {"learnstream", "accounts", "catalog"},
    # Quizzes and completion: above the catalogue (lessons, publish) and progress tracking.
    "assessments": {"learnstream", "accounts", "catalog", "tracking"},
    "mux_simulator": set(),
    # The admin site: Django's admin plus the instructor workspace over every app.
    "admin_site": {"learnstream", "accounts", "catalog", "playback", "tracking", "assessments"},
    # Compositions of the catalogue with progress (the course page, "my learning").
    "learning": {"learnstream", "accounts", "catalog", "tracking", "assessments"},
    "devtools": {
        "learnstream",
        "accounts",
        "catalog",
        "playback",
        "tracking",
        "learning",
        "assessments",
        "admin_site",
        "mux_simulator",
    },
}
# The load benchmark and the local-run script drive the whole product from outside.
ALLOWED["bench"] = {*ALLOWED["devtools"], "devtools"}
ALLOWED["scripts"] = {*ALLOWED["devtools"], "devtools"}
PROJECT = set(ALLOWED)

# Inside an app: the web layer (routes, views, APIs, admin, template tags) calls the domain
# (services, selectors) which reads and writes documents and models; never the other way.
_WEB = ("apis", "views", "admin", "urls", "api_urls", "webhook_urls", "templatetags")
_DOMAIN = ("services", "selectors", "documents", "models")


def _layer(module: str) -> str | None:
    for part in module.split(".")[1:]:
        if part in _WEB or part.endswith(("_apis", "_views")) or part.startswith("views_"):
            return "web"
        if part in _DOMAIN or part.endswith(tuple(f"_{name}" for name in _DOMAIN)):
            return "domain"
    return None


# Single modules allowed one more edge, each with its reason.
MODULE_EXCEPTIONS: dict[str, set[str]] = {
    # The test settings start the embedded MongoDB-wire server the suite runs against.
    "learnstream.settings.test": {"devtools"},
}

# Edges against the direction that the code still has, by file. Fix one, delete its line;
# never add one.
KNOWN_BACK_EDGES: set[str] = set()


def _is_test_code(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return "tests" in parts or "migrations" in parts or path.name == "conftest.py"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> list[tuple[str, int, bool, bool]]:
    """(imported module, line, at module level) for every project import in `path`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    top_level = {id(node) for node in tree.body}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # The module itself, then "module.name" candidates (a name may be a submodule).
            names = [target] + [f"{target}.{alias.name}" for alias in node.names]
        else:
            continue
        for position, name in enumerate(names):
            if name.split(".")[0] in PROJECT:
                found.append((name, node.lineno, id(node) in top_level, position == 0))
    return found


def _graph(root: Path = ROOT) -> tuple[list[str], dict[str, set[str]]]:
    """Back edges found, and the module-level import graph (module -> modules)."""
    sources = {
        _module_name(path, root): path
        for package in PROJECT
        if (root / package).is_dir()
        for path in sorted((root / package).rglob("*.py"))
        if not _is_test_code(path, root)
    }
    back_edges, graph = [], {}
    for module, path in sources.items():
        own = module.split(".")[0]
        edges = set()
        allowed = ALLOWED[own] | MODULE_EXCEPTIONS.get(module, set())
        for name, line, top, is_module in _imports(path, module):
            other = name.split(".")[0]
            if is_module and other != own and other not in allowed:
                back_edges.append(f"{path.relative_to(root).as_posix()}:{line} -> {name}")
            if is_module and _layer(module) == "domain" and _layer(name) == "web":
                back_edges.append(f"{path.relative_to(root).as_posix()}:{line} -> {name}")
            if top:
                # "from a.b import c" names module a.b.c when it exists, else a.b.
                while name and name not in sources:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    edges.add(name)
        graph[module] = edges
    return sorted(set(back_edges)), graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_package_imports_against_the_direction():
    back_edges, _ = _graph()
    assert [edge for edge in back_edges if edge.split(":")[0] not in KNOWN_BACK_EDGES] == []


def test_the_known_back_edges_are_still_there():
    """The list above only shrinks: an edge removed from the code is removed from the list."""
    back_edges, _ = _graph()
    assert {edge.split(":")[0] for edge in back_edges} == set(KNOWN_BACK_EDGES)


def test_no_import_cycle_between_modules():
    _, graph = _graph()
    assert _cycles(graph) == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_guard_sees_module_and_function_level_back_edges(tmp_path):
    root = _tree(
        tmp_path,
        {
            "catalog/__init__.py": "",
            "catalog/selectors.py": "from tracking.selectors import progress\n",
            "catalog/views.py": "def page():\n    import playback.services\n",
            "catalog/tests/test_x.py": "import playback.services\n",
            "tracking/__init__.py": "",
            "tracking/selectors.py": "from catalog import selectors\n",
            "tracking/services.py": "def record():\n    from tracking.apis import Api\n",
        },
    )
    back_edges, graph = _graph(root)
    assert back_edges == [
        "catalog/selectors.py:1 -> tracking.selectors",
        "catalog/views.py:2 -> playback.services",
        "tracking/services.py:2 -> tracking.apis",
    ]
    assert _cycles(graph) == [["catalog.selectors", "tracking.selectors"]]


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
