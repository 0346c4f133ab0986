"""Executed notebooks as a researcher sees them: a real papermill run of 01–06 (tiny profile), opened in a real
JupyterLab in headless Chromium, untrusted, and exported to HTML.

Checks, on the rendered page: an image per plotting cell, no ``PosixPath(`` text, no stderr (warning) blocks,
the audit table with all its rows, the widgets' static fallbacks visible in the untrusted notebook; and in the
HTML export, images embedded and the widgets' static renderings shown offline. Screenshots go to the test's temp folder (and ``tests/.artifacts/``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from jupyterlab_harness import (  # the fixtures (lab_server, lab_browser, lab_page) come from conftest's plugin
    ARTIFACTS,
    PANEL,
    open_notebook_in_lab,
    require_browser,
    save_screenshot,
)
from tiny_profile import write_tiny_profile

pytestmark = pytest.mark.timeout(1200)
NOTEBOOKS = ["01_data", "02_variants", "03_verify", "04_sft", "05_regime_w_rollouts", "06_grpo_ppo", "07_adversarial",
             "08_latent", "09_ttrl_eval"]
STDERR = f"{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"


@pytest.fixture(scope="module")
def executed_run(tmp_path_factory, shared_data):
    """A run folder of the notebooks executed by the pipeline (papermill) on the tiny profile."""
    require_browser()
    from ladderlib.pipeline.rundir import RunDir

    base = tmp_path_factory.mktemp("browser")
    profile = write_tiny_profile(base / "tiny.yaml", shared_data)
    # a separate process, as `make run` is: papermill's event loop must not outlive it in this one (Playwright's
    # sync API refuses to run inside a running asyncio loop)
    done = subprocess.run([sys.executable, "-m", "ladderlib.cli", "pipeline", "--params", str(profile), "--runs-dir",
                           str(base / "runs"), "--no-progress"], capture_output=True, text=True, timeout=1100)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return RunDir(next((base / "runs").iterdir()))


@pytest.fixture(scope="module")
def lab_copy(executed_run, lab_server):
    """The executed run copied under the lab server's root (its signature is not the lab's: untrusted there)."""
    dest = lab_server.root_dir / "executed" / executed_run.path.name
    shutil.copytree(executed_run.path, dest)
    return dest


def _plot_cells(nb) -> int:
    return sum(1 for c in nb.cells if c.cell_type == "code" and re.search(r"^\s*show\(", c.source, re.M))


def test_executed_notebooks_have_figures_no_paths_and_no_warnings(executed_run):
    for name in NOTEBOOKS:
        nb = nbformat.read(executed_run.path / "notebooks" / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            texts = [o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream"]
            texts += [str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs if "data" in o]
            assert not any("PosixPath(" in t for t in texts), (name, cell.source[:80])
            stderr = [o["text"] for o in cell.outputs if o.get("output_type") == "stream" and o["name"] == "stderr"]
            assert not stderr, (name, cell.source[:60], stderr)
            if re.search(r"^\s*show\(", cell.source, re.M):
                assert any("image/png" in o.get("data", {}) for o in cell.outputs), (name, cell.source[:60])
        assert nb.cells[-1].outputs and "text/markdown" in nb.cells[-1].outputs[0]["data"], name  # "what we see"
        assert "Smoke profile" in nb.cells[-1].outputs[0]["data"]["text/markdown"]


def test_untrusted_notebooks_render_figures_tables_and_widget_fallbacks(lab_copy, lab_server, lab_page, tmp_path):
    page = lab_page
    for name in NOTEBOOKS:
        path = lab_copy / "notebooks" / f"{name}.ipynb"
        nb = nbformat.read(path, as_version=4)
        open_notebook_in_lab(page, lab_server, path)
        images = page.locator(f"{PANEL} .jp-RenderedImage img").count()
        assert images >= _plot_cells(nb), f"{name}: {images} images for {_plot_cells(nb)} plotting cells"
        text = page.locator(f"{PANEL} .jp-Notebook").inner_text()
        assert "PosixPath(" not in text, name
        assert page.locator(STDERR).count() == 0, f"{name}: stderr blocks: {page.locator(STDERR).all_inner_texts()[:2]}"
        assert "What we see" in text and "Smoke profile" in text, name
        shot = save_screenshot(page, tmp_path / f"{name}.png")
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(shot, ARTIFACTS / f"executed_{name}.png")
        if name == "03_verify":
            audit = json.loads((lab_copy / "verify" / "verification_report.json").read_text())["audit"]
            tables = page.locator(f"{PANEL} .jp-RenderedHTMLCommon table")
            last = tables.nth(tables.count() - 1)
            assert last.locator("tbody tr").count() == len(audit), "the audit table lost rows"
        if name == "02_variants":
            fallback = page.locator(f"{PANEL} .ladder-variant-static")
            assert fallback.count() == 1 and fallback.is_visible() and "variant tree" in fallback.inner_text()
        if name == "05_regime_w_rollouts":
            fallback = page.locator(f"{PANEL} .ladder-rollouts-static")
            assert fallback.count() == 1 and fallback.is_visible() and "rollout row" in fallback.inner_text()


def test_html_export_embeds_images(executed_run, tmp_path):
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(executed_run.path / "notebooks" / "06_grpo_ppo.ipynb"))
    (tmp_path / "06.html").write_text(body)
    embedded = re.findall(r'<img[^>]+src="data:image/png;base64,', body)
    nb = nbformat.read(executed_run.path / "notebooks" / "06_grpo_ppo.ipynb", as_version=4)
    assert len(embedded) >= _plot_cells(nb) >= 4
    assert "PosixPath(" not in body


def test_html_export_shows_the_widget_fallbacks_offline(executed_run, lab_browser, tmp_path):
    """The executed copies hold the widgets' static renderings (no frozen views): an HTML export, viewed with no
    network, shows the expandable variant trees and the rollout cards."""
    from nbconvert import HTMLExporter

    context = lab_browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    try:
        for name, css, words in (("02_variants", ".ladder-variant-static", "variant tree"),
                                 ("05_regime_w_rollouts", ".ladder-rollouts-static", "rollout row")):
            nb = nbformat.read(executed_run.path / "notebooks" / f"{name}.ipynb", as_version=4)
            bundles = [o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs]
            static = [d for d in bundles if css[1:] in str(d.get("text/html", ""))]
            assert len(static) == 1 and "application/vnd.jupyter.widget-view+json" not in static[0]
            body, _ = HTMLExporter().from_notebook_node(nb)
            html_path = tmp_path / f"{name}.html"
            html_path.write_text(body)
            page.goto(html_path.as_uri())
            fallback = page.locator(css)
            assert fallback.count() == 1 and fallback.is_visible() and words in fallback.inner_text(), name
            if name == "02_variants":  # a tree expands with no kernel and no widget manager
                tree = page.locator(".ladder-variant-static details").first
                was_open = tree.evaluate("d => d.open")
                tree.locator("summary").first.click()
                assert tree.evaluate("d => d.open") != was_open
            save_screenshot(page, tmp_path / f"{name}-export.png")
    finally:
        context.close()


def test_a_copied_run_folder_reruns_in_place(executed_run, tmp_path):
    """The injected parameters are relative to the executed copy: a moved run reads and writes its own folder."""
    nb = nbformat.read(executed_run.path / "notebooks" / "01_data.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'run_dir = ".."' in injected.source and 'params_path = "../params.yaml"' in injected.source
    from ladderlib.pipeline.rundir import open_run

    moved = shutil.copytree(executed_run.path, tmp_path / "moved")
    cwd = Path.cwd()
    os.chdir(moved / "notebooks")
    try:
        params, run = open_run("../params.yaml", "..")
    finally:
        os.chdir(cwd)
    assert run.path == moved.resolve() and params.profile == "tiny_chain"
