"""A real JupyterLab + headless Chromium harness for widget tests.

The fixtures (``lab_server``, ``lab_browser``, ``lab_page``) are registered once for the whole session by
``tests/conftest.py`` (``pytest_plugins``); test modules import the helpers and drive notebooks with ``run_notebook_in_lab``:

* ``lab_server`` (session): a ``jupyter lab`` process from this venv on a free loopback port with a random
  token, its config/data/runtime/settings/workspaces/IPython dirs in a temp folder (no user config leaks
  in), serving a temp ``root_dir``. Started in its own process group; torn down by ``POST /api/shutdown``
  (which stops the kernels), then SIGTERM/SIGKILL of the process group and of every descendant recorded
  (kernels run in their own sessions, so killing the group alone would orphan them).
* ``lab_browser`` (session): Playwright's Chromium launched from ``/usr/bin/chromium`` (override with
  ``LADDER_CHROMIUM``); Playwright gives every launch a fresh temporary user-data-dir.
* ``lab_page`` (function): a fresh browser context and page, 1400x1000; console errors are collected in
  ``page.console_errors``.

Skips (with the reason) only when Chromium or the ``playwright`` package is missing; when both are present a
failure to start anything is an error, never a skip.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("LADDER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VENV_BIN = Path(sys.executable).parent
ARTIFACTS = Path(__file__).resolve().parent / ".artifacts"
# the active notebook panel (JupyterLab hides inactive panels with lm-mod-hidden)
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"


class NotebookRunError(AssertionError):
    """A cell raised while the notebook ran in JupyterLab (the message holds the rendered traceback)."""


def require_browser() -> None:
    """Skip the calling test when Chromium or Playwright is absent (never when both are there)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (install it: apt-get install -y chromium, "
                    f"or set LADDER_CHROMIUM); JupyterLab widget tests need a real browser")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as e:
        pytest.skip(f"the playwright Python package is not installed ({e}); JupyterLab widget tests need it")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (read from /proc; empty where /proc is absent)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the comm field may contain spaces/parentheses: ppid is the 2nd field after the last ')'
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie counts as gone
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@dataclass
class LabServer:
    """A running JupyterLab: where it listens, its token, the folder it serves and its log."""

    url: str
    token: str
    root_dir: Path
    proc: subprocess.Popen
    log_path: Path
    known_pids: set[int] = field(default_factory=set)

    def api(self, path: str, method: str = "GET", timeout: float = 10) -> Any:
        """Call the REST API (``path`` like ``/api/status``); returns the decoded JSON (None when empty)."""
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - loopback only
            body = r.read()
        return json.loads(body) if body else None

    def rel_path(self, notebook_path: str | Path) -> str:
        """``notebook_path`` (absolute under root_dir, or already relative) as the server's API path."""
        rel = Path(notebook_path)
        if rel.is_absolute():
            rel = rel.resolve().relative_to(self.root_dir.resolve())
        return rel.as_posix()

    def lab_url(self, notebook_path: str | Path, workspace: str | None = None) -> str:
        """The URL that opens ``notebook_path`` (absolute under root_dir, or relative to it) in JupyterLab.

        Each call names a fresh workspace (unless ``workspace`` is given), so tabs a previous test left open
        are not restored (restoring them would start their kernels again).
        """
        ws = workspace or f"t{secrets.token_hex(6)}"
        rel = urllib.request.pathname2url(self.rel_path(notebook_path))
        return f"{self.url}/lab/workspaces/{ws}/tree/{rel}?token={self.token}"

    def shutdown_kernels(self) -> None:
        """Delete every session (and so every kernel) on the server, freeing CPU between tests."""
        self.remember_children()
        try:
            for sess in self.api("/api/sessions") or []:
                self.api(f"/api/sessions/{sess['id']}", method="DELETE", timeout=20)
        except (OSError, urllib.error.URLError, ValueError):
            pass

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def remember_children(self) -> None:
        """Record the server's current descendants (kernels) so teardown can kill them by id."""
        if self.proc.poll() is None:
            self.known_pids.update(_descendants(self.proc.pid))

    def stop(self, grace_s: float = 10.0) -> None:
        """Shut down kernels and server; escalate to SIGTERM then SIGKILL of the group and known descendants."""
        self.remember_children()
        if self.proc.poll() is None:
            try:
                self.api("/api/shutdown", method="POST", timeout=5)
            except (OSError, urllib.error.URLError):
                pass
            try:
                self.proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
            for pid in self.known_pids:
                if _alive(pid):
                    try:
                        os.kill(pid, sig)
                    except (ProcessLookupError, PermissionError):
                        pass
            deadline = time.monotonic() + (5 if sig == signal.SIGTERM else 10)
            while time.monotonic() < deadline and (
                    self.proc.poll() is None or any(_alive(p) for p in self.known_pids)):
                time.sleep(0.1)
        if self.proc.poll() is None:
            self.proc.wait(timeout=5)
        # the group itself: anything left that we started (e.g. a stray helper) goes too
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when pytest dies (Linux), so a killed test run leaves no server.

    jupyter_server handles SIGTERM by shutting its kernels down, so they go with it.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_lab_server(base: Path, startup_timeout_s: float = 120.0) -> LabServer:
    """Start ``jupyter lab`` from this venv with all Jupyter dirs under ``base``; returns once /api/status answers."""
    jupyter = VENV_BIN / "jupyter"
    if not jupyter.exists():
        raise RuntimeError(f"{jupyter} not found: install jupyterlab into the venv that runs pytest")
    dirs = {name: base / name for name in ("config", "data", "runtime", "ipython", "settings", "workspaces", "root")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    # no news/update pop-ups over the notebook; no language-server scan, no terminals (not needed, slow to load)
    (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps({
        "ServerApp": {"jpserver_extensions": {"jupyter_lsp": False, "jupyter_server_terminals": False}},
        "LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"},
    }))
    (dirs["config"] / "labconfig").mkdir(exist_ok=True)
    (dirs["config"] / "labconfig" / "page_config.json").write_text(json.dumps({
        "disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True},
    }))
    # no autosave: the test writes the .ipynb; a save racing it would raise a "file changed" dialog
    settings = dirs["settings"] / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    # every cell in the DOM (no virtual scrolling), so a test sees all outputs of a long executed notebook
    tracker = dirs["settings"] / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True, exist_ok=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))

    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_", "IPYTHON"))}
    env.update({
        "JUPYTER_CONFIG_DIR": str(dirs["config"]), "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]), "IPYTHONDIR": str(dirs["ipython"]),
        "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]), "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]),
        "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg",
    })
    token = secrets.token_hex(24)
    port = free_port()
    log_path = base / "jupyter-lab.log"
    cmd = [
        str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={dirs['root']}",
        "--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly",
        f"--LabApp.user_settings_dir={dirs['settings']}", f"--LabApp.workspaces_dir={dirs['workspaces']}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI containers run as root
    log = open(log_path, "wb")  # noqa: SIM115 - stays open for the server's life
    proc = subprocess.Popen(cmd, cwd=dirs["root"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent)
    log.close()
    server = LabServer(f"http://127.0.0.1:{port}", token, dirs["root"], proc, log_path)
    deadline = time.monotonic() + startup_timeout_s
    last_err: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {proc.returncode} while starting:\n{server.log_tail()}")
        try:
            status = server.api("/api/status", timeout=3)
            if isinstance(status, dict) and "started" in status:
                return server
        except (OSError, urllib.error.URLError, ValueError) as e:
            last_err = e
        time.sleep(0.25)
    server.stop()
    raise RuntimeError(f"jupyter lab did not answer /api/status within {startup_timeout_s:.0f}s "
                       f"(last error: {last_err}):\n{server.log_tail()}")


@pytest.fixture(scope="session")
def lab_server():
    """A real JupyterLab server for the whole session (see module docstring)."""
    require_browser()
    base = Path(tempfile.mkdtemp(prefix="ladder-lab-"))
    server = start_lab_server(base)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def lab_browser():
    """Headless Chromium (Playwright sync API) for the whole session."""
    require_browser()
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception:
        pw.stop()
        raise
    try:
        yield browser
    finally:
        browser.close()
        pw.stop()


@pytest.fixture()
def lab_page(lab_browser, lab_server):
    """A fresh context + page; ``page.console_errors`` collects the browser console's errors."""
    context = lab_browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.console_errors.append(f"pageerror: {e}"))
    try:
        yield page
    finally:
        context.close()
        lab_server.shutdown_kernels()


# ----------------------------------------------------------------------------------------- notebook driving

_STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
_JS_PANEL = """
  const app = window.jupyterapp;
  let panel = null;
  if (app) {
    for (const w of app.shell.widgets('main')) {
      if (w.context && w.context.path === path && w.sessionContext) { panel = w; break; }
    }
  }
  const node = panel ? panel.node : document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
"""
_JS_STATE = """(path) => {
  // the notebook panel for `path` (JupyterLab is started with expose_app_in_browser), its kernel and its cells
  const STDERR = """ + json.dumps(_STDERR) + """;
""" + _JS_PANEL + """
  if (!node) return {found: false};
  const prompts = [...node.querySelectorAll('.jp-Notebook .jp-Cell.jp-CodeCell .jp-InputArea-prompt')]
    .map(p => (p.textContent || '').trim());
  const kernel = panel && panel.sessionContext.session ? panel.sessionContext.session.kernel : null;
  return {
    found: true, app: !!app, prompts,
    ready: panel ? panel.sessionContext.isReady : null,
    connection: kernel ? kernel.connectionStatus : null,
    kernel: kernel ? kernel.status : null,
    indicator: node.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status') || null,
    dialog: document.querySelector('.jp-Dialog') ? document.querySelector('.jp-Dialog').innerText : null,
    errors: panel ? panel.content.widgets.filter(c => c.model.type === 'code' &&
                      c.model.outputs.toJSON().some(o => o.output_type === 'error')).length
                  : [...node.querySelectorAll(STDERR)].filter(e => /Traceback|Error/.test(e.innerText)).length,
    counts: panel ? panel.content.widgets.filter(c => c.model.type === 'code')
                      .map(c => [c.model.executionCount, c.model.executionState]) : null,
  };
}"""


def _dismiss_kernel_dialog(page) -> None:
    """Accept a 'Select Kernel' dialog if JupyterLab shows one (the notebook names a kernelspec, so rarely)."""
    dialog = page.locator(".jp-Dialog")
    if dialog.count():
        accept = dialog.locator(".jp-mod-accept")
        if accept.count():
            accept.first.click()


_JS_ERRORS = """(path) => {""" + _JS_PANEL + """
  if (!panel) return null;
  return panel.content.widgets.filter(c => c.model.type === 'code').flatMap((c, i) =>
    c.model.outputs.toJSON().filter(o => o.output_type === 'error').map(o =>
      `code cell ${i + 1}: ${o.ename}: ${o.evalue}\\n` +
      (c.node.querySelector('.jp-OutputArea') ? c.node.querySelector('.jp-OutputArea').innerText : '')));
}"""


def cell_errors(page, path: str | None = None) -> list[str]:
    """Errors raised by cells of the notebook at ``path`` (default: the active one): name, value, rendered traceback.

    Read from the cells' output models (an error output renders as plain stderr text in the DOM); without the
    exposed app, falls back to stderr outputs that look like tracebacks.
    """
    found = page.evaluate(_JS_ERRORS, path or "") if path else None
    if found is None:
        found = [t for t in page.locator(f"{PANEL} {_STDERR}").all_inner_texts() if "Traceback" in t]
    return found


def notebook_state(page, server: LabServer, notebook_path: str | Path) -> dict[str, Any]:
    """What the page shows for the notebook: kernel readiness/status, cell prompts, an open dialog, error count."""
    return page.evaluate(_JS_STATE, server.rel_path(notebook_path))


def _poll(page, server, path, predicate, deadline: float, what: str) -> dict[str, Any]:
    """Poll ``notebook_state`` until ``predicate(state)``; on timeout raise with the last state and the server log."""
    while True:
        state = notebook_state(page, server, path)
        if predicate(state):
            return state
        if state.get("dialog"):
            _dismiss_kernel_dialog(page)
        if time.monotonic() > deadline:
            shot = save_screenshot(page, ARTIFACTS / f"timeout-{re.sub(r'[^A-Za-z0-9_.-]+', '_', path)}.png")
            raise TimeoutError(f"{what}: timed out; last state {state}; cell errors {cell_errors(page, path)}; "
                               f"screenshot {shot}\nserver log tail:\n{server.log_tail(2000)}")
        page.wait_for_timeout(250)


def open_notebook_in_lab(page, server: LabServer, notebook_path: str | Path, timeout_s: float = 90.0):
    """Open ``notebook_path`` in JupyterLab without running it and wait until its saved outputs are rendered;
    returns ``page``. The kernel is left alone (a test of an executed notebook reads what was saved)."""
    path = server.rel_path(notebook_path)
    page.goto(server.lab_url(path), wait_until="domcontentloaded", timeout=timeout_s * 1000)
    page.wait_for_function(
        """(path) => {
          const app = window.jupyterapp;
          if (!app) return false;
          for (const w of app.shell.widgets('main')) {
            if (w.context && w.context.path === path && w.context.isReady && w.content && w.content.widgets.length)
              return w.content.widgets.every(c => c.isAttached || c.node.isConnected);
          }
          return false;
        }""", arg=path, timeout=timeout_s * 1000, polling=250)
    page.wait_for_timeout(1500)  # let renderers (images, HTML, MathJax) settle
    return page


def run_notebook_in_lab(page, server: LabServer, notebook_path: str | Path, timeout_s: float = 90.0,
                        raise_on_error: bool = True):
    """Open ``notebook_path`` in JupyterLab, wait for a connected idle kernel, Run All Cells, wait; return ``page``.

    Ready means the notebook's session context is ready and its kernel is connected and idle (JupyterLab's
    toolbar indicator says "idle" before the kernel connects, and Run All then silently runs nothing, so it
    is not trusted alone). Done means every code cell shows an execution count (``[n]:``, none ``[*]:``)
    and the kernel is idle. A cell error raises ``NotebookRunError`` with the rendered traceback (unless
    ``raise_on_error`` is false). Runs JupyterLab's own ``notebook:run-all-cells`` command (what Run > Run
    All Cells does), or clicks that menu item when the app is not exposed.
    """
    deadline = time.monotonic() + timeout_s
    path = server.rel_path(notebook_path)
    page.goto(server.lab_url(path), wait_until="domcontentloaded", timeout=timeout_s * 1000)
    state = _poll(page, server, path, lambda s: s.get("found") and (
        (s["ready"] and s["connection"] == "connected" and s["kernel"] == "idle") if s["app"]
        else s["indicator"] == "idle" and page.locator(".jp-StatusBar-Widget", has_text="| Idle").count() > 0),
        deadline, f"kernel of {path} ready")
    server.remember_children()
    n_code = len(state["prompts"])
    if state["app"]:
        # fire and forget: the command's promise resolves only when every cell has run
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells')"
                      ".catch(e => console.error('run-all-cells failed', e)); }")
    else:
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

    def done(s: dict[str, Any]) -> bool:
        idle = (s["kernel"] == "idle") if s["app"] else s["indicator"] == "idle"
        if not idle or any("*" in p for p in s["prompts"]):
            return False
        if s["errors"]:  # Run All stops at the failing cell; the rest stay unnumbered
            return True
        return len(s["prompts"]) == n_code and all(re.fullmatch(r"\[\d+\]:", p) for p in s["prompts"])

    _poll(page, server, path, done, deadline, f"Run All Cells of {path}")
    errors = cell_errors(page, path)
    if errors and raise_on_error:
        raise NotebookRunError(f"a cell of {path} raised in JupyterLab:\n" + "\n---\n".join(errors))
    return page


# ----------------------------------------------------------------------------------------- widget helpers

WIDGET = ".jupyter-widgets"
WIDGET_ERROR_TEXT = "Error displaying widget"
# an output cell area holding a rendered widget view
WIDGET_OUTPUT = f"{PANEL} .jp-OutputArea-output:has(.jupyter-widgets)"


def wait_for_widgets(page, min_count: int = 1, timeout_s: float = 30.0) -> None:
    """Wait until at least ``min_count`` widget views are rendered in the active notebook's outputs."""
    page.wait_for_function(
        """([sel, n]) => document.querySelectorAll(sel).length >= n""",
        arg=[f"{PANEL} .jp-OutputArea-output {WIDGET}", min_count], timeout=timeout_s * 1000, polling=250)


def widget_output_texts(page) -> list[str]:
    """The visible text of each output that holds a widget view (one string per output)."""
    return page.locator(WIDGET_OUTPUT).all_inner_texts()


def widget_text(page, selector: str = WIDGET) -> str:
    """The visible text of everything matching ``selector`` inside the active notebook's outputs, joined."""
    return "\n".join(page.locator(f"{PANEL} .jp-OutputArea-output {selector}").all_inner_texts())


def widget_errors(page) -> list[str]:
    """Texts of outputs where the widget manager failed ('Error displaying widget', 'model not found')."""
    outs = page.locator(f"{PANEL} .jp-OutputArea-output").all_inner_texts()
    return [t for t in outs if WIDGET_ERROR_TEXT in t or re.search(r"model not found", t, re.I)]


def save_screenshot(page, path: str | Path, selector: str | None = None) -> Path:
    """Save a PNG of the page (or of the first element matching ``selector``) to ``path``; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if selector:
        page.locator(selector).first.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    return path
