"""Shared fixtures of the canary_judge tests: the repository and the `canary` CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "fixtures"
CONFIG = FIXTURES / "canary.yaml"


@pytest.fixture(scope="session")
def canary_bin() -> Path:
    """The release `canary` binary ($CANARY_BIN, or target/release/canary, built if missing)."""
    path = Path(os.environ.get("CANARY_BIN", REPO / "target" / "release" / "canary"))
    if not path.exists():
        if shutil.which("cargo") is None:
            pytest.skip("no canary binary and no cargo to build it")
        subprocess.run(
            ["cargo", "build", "--release", "--quiet", "-p", "canary-cli"], cwd=REPO, check=True
        )
    return path
