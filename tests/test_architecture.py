"""The import contracts in pyproject.toml cover the whole project as it grows."""

import pkgutil
import tomllib
from pathlib import Path

import matching

ROOT = Path(__file__).resolve().parent.parent


def _contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["contracts"]


def test_the_engine_contract_forbids_every_module_of_matching_outside_the_engine():
    engine_contract = next(
        c for c in _contracts() if c.get("source_modules") == ["matching.engine"]
    )
    forbidden = set(engine_contract["forbidden_modules"])
    siblings = {
        f"matching.{module.name}"
        for module in pkgutil.iter_modules(matching.__path__)
        if module.name != "engine"
    }
    assert siblings <= forbidden, f"add to the engine contract: {sorted(siblings - forbidden)}"


def test_every_project_package_is_a_layer():
    layers_contract = next(c for c in _contracts() if c["type"] == "layers")
    named = {name.strip(" ()") for layer in layers_contract["layers"] for name in layer.split("|")}
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in {"tests", "bench", "scripts", "docs"}
    }
    assert packages <= named, f"add to the layers contract: {sorted(packages - named)}"
