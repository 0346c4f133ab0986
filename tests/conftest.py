"""Shared fixtures: repo paths, the real shared data, and one embedded model per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The JupyterLab/Chromium fixtures are session-scoped: registered once here, so every test module shares one
# browser (a second Playwright sync instance refuses to start while the first one's event loop runs).
pytest_plugins = ["jupyterlab_harness"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads: see ladderlib/__init__.py
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def embedded_model():
    """(model, tokenizer) of the embedded SmolLM2-135M-Instruct, loaded once, offline."""
    from ladderlib.config.model import ModelSettings
    from ladderlib.models import load_model

    return load_model(ModelSettings(name="embedded", device="cpu", dtype="float32"))


@pytest.fixture(scope="module")
def one_thread():
    """Torch on one CPU thread for the module: tiny models run faster, and are immune to busy shared cores."""
    from ladderlib.rl.toy import single_thread

    with single_thread():
        yield


def write_profile(path: Path, text: str) -> Path:
    """Write a YAML profile for a test and return its path."""
    path.write_text(text)
    return path


@pytest.fixture()
def tiny_profile(tmp_path: Path, shared_data: Path) -> Path:
    """A small valid profile reading GSM8K from the shared data."""
    return write_profile(
        tmp_path / "tiny.yaml",
        f"""
profile: tiny
model: {{name: embedded, device: cpu}}
data:
  gsm8k: {{path: {shared_data / 'gsm8k'}, hub_id: null, max_train: 200, max_val: 50, max_test: 50}}
  integrals: {{path: {shared_data / 'integrals' / 'rubi_textbook.jsonl'}, max_problems: 300}}
  code: {{humaneval: true, mbpp_path: {shared_data / 'mbpp' / 'mbpp.jsonl'}}}
""",
    )


# the longest files (minutes each), started first so that the two xdist workers finish together
LONG_FILES = ("test_notebooks_browser.py", "test_stage_chain.py", "test_ttrl.py", "test_adversarial_training.py",
              "test_regime_w_rollouts.py", "test_planner_grpo.py", "test_report.py", "test_grpo_training.py")


def pytest_collection_modifyitems(config, items):
    """The sandbox tests are ``serial``: they assert that no stray process is left anywhere on the machine, which
    only holds when no other test runs beside them (``make test`` runs them alone, then the rest on two workers).
    The long files go first (a stable sort: the order inside each file is kept)."""
    for item in items:
        if item.path.name.startswith("test_sandbox_"):
            item.add_marker(pytest.mark.serial)
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONG_FILES)))
