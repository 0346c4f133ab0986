"""The seed commands (``ladder sft``, ``planner sft/train``, ``merge``, ``regime-w demo``, ``rollouts``, ``ppo``,
``eval gsm8k``): unusable input exits 2 naming the file or flag, earlier output is not overwritten, ``ladder
--help`` groups every command without importing torch, the README table lists every command, and three real
runs on the embedded model (tutor SFT, the Regime W demo, merge of the SFT adapter that reloads and generates).
The other commands' real runs are in ``test_seed_commands_slow.py``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ladderlib.cli import build_parser, main
from tiny_profile import write_tiny_profile

REPO = Path(__file__).resolve().parents[1]


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one in-process ``ladder`` call."""
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, shared_data) -> Path:
    return write_tiny_profile(tmp_path_factory.mktemp("profile") / "tiny.yaml", shared_data)


@pytest.fixture()
def fake_adapter(tmp_path) -> Path:
    d = tmp_path / "adapter"
    d.mkdir()
    (d / "adapter_config.json").write_text("{}")
    return d


@pytest.fixture()
def fake_rollouts(tmp_path) -> Path:
    p = tmp_path / "rollouts.jsonl"
    p.write_text(json.dumps({"question_id": "q1", "question": "1+1?", "reward": 1.0,
                             "arm_outputs": [{"arm_id": "wolfram-0.2", "full_text": "2\n#### 2"}]}) + "\n")
    return p


# --- ladder --help and the README -----------------------------------------------------------------------------


def test_help_groups_every_command_by_system_without_importing_torch():
    code = ("import sys, ladderlib.cli as c; c.build_parser().print_help(); "
            "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}).stdout
    assert out.rstrip().endswith("NO-TORCH")
    for heading in ("seed 000", "seed 001", "seed 002", "seed 003"):
        assert heading in out
    for cmd in ("planner sft", "planner train", "merge", "sft", "regime-w demo", "rollouts", "ppo", "eval gsm8k",
                "train", "plan-solve", "adversarial train", "code-solve"):
        assert re.search(rf"^  {re.escape(cmd)}\s{{2,}}\S", out, re.M), cmd
    seed1 = out.split("\nseed 001, planner/worker:")[1].split("\nseed 002")[0]
    assert "planner train" in seed1 and "merge" in seed1 and "ppo" not in seed1


def test_readme_commands_table_lists_every_command():
    commands = set(build_parser().get_default("commands"))
    assert {"planner sft", "planner train", "merge", "sft", "regime-w demo", "rollouts", "ppo", "eval gsm8k"} <= commands
    table = (REPO / "README.md").read_text().split("## Commands", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in table.splitlines() if r.startswith("| `ladder ")]
    in_table = {re.match(r"\| `ladder ([a-z0-9 -]+?)(?: --| [A-Z]|`)", r).group(1).strip() for r in rows}
    assert commands <= in_table, sorted(commands - in_table)
    assert all(len(r.strip().strip("|").split(" | ")) == 4 for r in rows)  # command, seed, what it does, example


# --- unusable input: exit 2, the message names the input -------------------------------------------------------


def test_bad_input_exits_2_naming_the_input(tmp_path, tiny, fake_adapter, fake_rollouts, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    missing = str(tmp_path / "missing")
    no_stack = fake_adapter
    cases = [
        (["merge", "--adapter-path", missing], "merge", f"--adapter-path {missing}: no LoRA adapter"),
        (["merge", "--adapter-path", str(fake_adapter), "--repo-name", "no-owner"], "merge", "--repo-name 'no-owner'"),
        (["sft", "--dataset", str(bad), "--output-dir", str(tmp_path / "s")], "sft", f"GSM8K file {bad} is unreadable"),
        (["sft", "--dataset", missing, "--output-dir", str(tmp_path / "s")], "sft", f"GSM8K source {missing} does not exist"),
        (["sft", "--params", "no_such_profile", "--output-dir", str(tmp_path / "s")], "sft", "--params 'no_such_profile'"),
        (["sft", "--params", str(tiny), "--max-steps", "0", "--output-dir", str(tmp_path / "s")], "sft", "--max-steps:"),
        (["planner", "sft", "--dataset", missing + ".jsonl", "--output-dir", str(tmp_path / "p")], "planner sft",
         f"planner dataset file '{missing}.jsonl' does not exist"),
        (["planner", "sft", "--dataset", str(bad), "--output-dir", str(tmp_path / "p")], "planner sft",
         f"--dataset {bad}: unreadable"),
        (["planner", "sft", "--dataset", "someone/plans", "--output-dir", str(tmp_path / "p")], "planner sft",
         "--dataset someone/plans: planner dataset 'someone/plans' is not a local file and HF_HUB_OFFLINE is set"),
        (["planner", "train", "--lora-r", "0", "--output-dir", str(tmp_path / "t")], "planner train", "--lora-r:"),
        (["planner", "train", "--sft-adapter", str(fake_adapter), "--lora-r", "8", "--output-dir", str(tmp_path / "t")],
         "planner train", "--lora-r/--lora-alpha shape a fresh adapter"),
        (["planner", "train", "--sft-adapter", missing, "--output-dir", str(tmp_path / "t")], "planner train",
         f"--sft-adapter {missing}: no LoRA adapter"),
        (["planner", "train", "--params", str(tiny), "--token-weight", "-1", "--output-dir", str(tmp_path / "t")],
         "planner train", "--token-weight:"),
        (["rollouts", "--model", "./no/such/model", "--params", str(tiny), "--output-dir", str(tmp_path / "r")],
         "rollouts", "model folder './no/such/model' does not exist"),
        (["rollouts", "--adapter", missing, "--output-dir", str(tmp_path / "r")], "rollouts", f"--adapter {missing}"),
        (["ppo", "--rollouts", missing, "--output-dir", str(tmp_path / "p")], "ppo", f"--rollouts {missing}: no such file"),
        (["ppo", "--rollouts", str(bad), "--output-dir", str(tmp_path / "p")], "ppo", f"--rollouts {bad}: no rollout rows"),
        (["ppo", "--rollouts", str(fake_rollouts), "--sft-adapter", missing, "--output-dir", str(tmp_path / "p")],
         "ppo", f"--sft-adapter {missing}"),
        (["eval", "gsm8k", "--models", "base,gpt5"], "eval gsm8k", "unknown model 'gpt5'"),
        (["eval", "gsm8k", "--models", "sft"], "eval gsm8k", "give its adapter with --sft-adapter"),
        (["eval", "gsm8k", "--models", "ppo", "--ppo-adapter", str(no_stack)], "eval gsm8k", "no stack.json"),
        (["eval", "gsm8k", "--models", "base", "--dataset", str(bad)], "eval gsm8k", f"GSM8K file {bad} is unreadable"),
        (["regime-w", "demo", "--questions", "0"], "regime-w demo", "--questions must be at least 1"),
    ]
    for argv, name, fragment in cases:
        code, out, err = run(argv, capsys)
        assert bad.read_text() == "not json\n"  # a command never rewrites a file it could not use
        assert code == 2, (argv, err)
        assert err.startswith(f"ladder {name}: ") and fragment in err, (argv, err)
        assert out == ""


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="QLoRA works on this machine")
def test_qlora_on_cpu_is_a_clear_error(tmp_path, tiny, capsys):
    code, _, err = run(["sft", "--params", str(tiny), "--qlora", "--output-dir", str(tmp_path / "q")], capsys)
    assert code == 2 and "--qlora" in err and "CUDA" in err
    assert not (tmp_path / "q").exists()


def test_training_commands_refuse_an_earlier_output_folder(tmp_path, tiny, fake_rollouts, capsys):
    cases = {
        "sft": (["sft", "--params", str(tiny)], "summary.json"),
        "planner sft": (["planner", "sft", "--params", str(tiny)], "adapter"),
        "planner train": (["planner", "train", "--params", str(tiny)], "checkpoints"),
        "rollouts": (["rollouts", "--params", str(tiny)], "rollouts.jsonl"),
        "ppo": (["ppo", "--params", str(tiny), "--rollouts", str(fake_rollouts)], "trainer"),
    }
    for name, (argv, earlier) in cases.items():
        out = tmp_path / name.replace(" ", "_")
        (out / earlier).mkdir(parents=True) if "." not in earlier else (out.mkdir(), (out / earlier).write_text("{}"))
        code, stdout, err = run([*argv, "--output-dir", str(out)], capsys)
        assert code == 2, (name, err)
        assert f"ladder {name}: {out} holds an earlier run ({earlier})" in err and "--overwrite" in err
        assert (out / earlier).exists()
    with pytest.raises(SystemExit):  # --resume and --overwrite exclude each other
        main(["sft", "--resume", "--overwrite", "--output-dir", str(tmp_path)])


def test_merge_refuses_an_occupied_save_path(tmp_path, fake_adapter, capsys):
    target = tmp_path / "merged"
    target.mkdir()
    (target / "config.json").write_text("{}")
    code, _, err = run(["merge", "--adapter-path", str(fake_adapter), "--local-save-path", str(target)], capsys)
    assert code == 2 and f"--local-save-path {target} already holds files" in err


# --- real runs on the embedded model -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tutor_run(tmp_path_factory, tiny, one_thread):
    """``ladder sft --json`` on the tiny profile (1 step, 4 examples): (exit code, stdout, output folder)."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("sft") / "run"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        code = main(["sft", "--params", str(tiny), "--output-dir", str(out), "--json"])
    return code, buf.getvalue(), out


def test_sft_trains_the_tutor_adapter_and_reports_json(tutor_run, tiny, capsys):
    code, stdout, out = tutor_run
    assert code == 0
    result = json.loads(stdout)
    assert result["steps"] == 1 and result["examples"] == 4 and result["base_model"] == "embedded"
    assert result["adapter_path"] == str(out / "adapter") and (out / "adapter" / "adapter_config.json").is_file()
    assert result["train_loss"] > 0 and result["precision"]["quantized"] is False
    assert json.loads((out / "summary.json").read_text())["train_loss"] == result["train_loss"]
    info = json.loads((out / "adapter" / "training_info.json").read_text())
    assert info["settings"]["system_prompt"].endswith("is just the number.") and "####" in info["settings"]["system_prompt"]
    # a second run refuses, --resume reuses the finished run without training again
    code, _, err = run(["sft", "--params", str(tiny), "--output-dir", str(out)], capsys)
    assert code == 2 and "holds an earlier run" in err
    code, text, _ = run(["sft", "--params", str(tiny), "--output-dir", str(out), "--resume"], capsys)
    assert code == 0 and text.startswith("tutor SFT: 1 steps on 4 examples")


def test_merge_saves_a_model_that_reloads_and_generates(tutor_run, tmp_path, capsys):
    _, _, sft = tutor_run
    target = tmp_path / "merged"
    code, stdout, err = run(["merge", "--base-model", "embedded", "--adapter-path", str(sft / "adapter"),
                             "--local-save-path", str(target), "--no-push", "--json"], capsys)
    assert code == 0, err
    result = json.loads(stdout)
    assert result["merged_dir"] == str(target) and result["pushed"] is False and result["push_error"] is None
    assert (target / "config.json").is_file() and list(target.glob("*.safetensors"))
    assert not list(target.glob("adapter_config.json"))  # a plain model, no adapter left
    assert result["reload_check"]["ok"] and result["reload_check"]["sample"].strip()
    # pushing offline (HF_HUB_OFFLINE=1 in the tests) or without a token: clear message after the local save, exit 1
    code, stdout, err = run(["merge", "--adapter-path", str(sft / "adapter"), "--local-save-path", str(target),
                             "--repo-name", "someone/tutor", "--overwrite", "--no-check"], capsys)
    assert code == 1 and (target / "config.json").is_file()
    assert "NOT pushed" in stdout and f"saved {target}, but not pushed to someone/tutor" in err


def test_regime_w_demo_prints_every_arm_and_the_four_scores(tiny, capsys, one_thread):
    code, stdout, err = run(["regime-w", "demo", "--params", str(tiny), "--questions", "1", "--json"], capsys)
    assert code == 0, err
    result = json.loads(stdout)
    (q,) = result["questions"]
    assert result["n_arms"] == 2 == len(q["arms"])  # the tiny profile has one temperature: 2 arms
    assert {a["style"] for a in q["arms"]} == {"wolfram", "maudlin"} and q["gold_answer"] == "72"
    assert 0 <= q["s_end"] <= 1 and 0 <= q["s_path"] <= 1 and 0 <= q["s_wm"] <= 1 and q["s_cf"] is None
    code, text, _ = run(["regime-w", "demo", "--params", str(tiny), "--questions", "1"], capsys)
    assert code == 0 and "wolfram-0.3" in text and "maudlin-0.3" in text
    assert re.search(r"s_end=\d\.\d{3}  s_path=\d\.\d{3}  s_cf=n/a  s_wm=\d\.\d{3}", text)
