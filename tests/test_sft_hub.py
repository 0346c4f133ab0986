"""Hub push is opt-in and refuses clearly when the machine is offline; nothing here touches the network."""

from __future__ import annotations

import pytest

from ladderlib.config.model import ModelSettings
from ladderlib.models import hub
from ladderlib.models.hub import HubOfflineError, merge_and_push, push_to_hub


@pytest.fixture()
def folder(tmp_path):
    (tmp_path / "adapter_config.json").write_text("{}")
    return tmp_path


@pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
def test_push_refuses_when_offline(monkeypatch, folder, value):
    monkeypatch.setenv("HF_HUB_OFFLINE", value)
    with pytest.raises(HubOfflineError, match="HF_HUB_OFFLINE is set"):
        push_to_hub(folder, "me/my-model")


def test_merge_and_push_refuses_before_merging_when_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    merged = []
    monkeypatch.setattr("ladderlib.models.lora.merge_adapter", lambda *a, **k: merged.append(a))
    with pytest.raises(HubOfflineError):
        merge_and_push(ModelSettings(), tmp_path / "adapter", tmp_path / "merged", repo_id="me/my-model")
    assert merged == []  # no minutes spent merging a model that cannot be pushed


def test_merge_without_repo_id_only_merges(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("ladderlib.models.lora.merge_adapter", lambda base, adapter, out: out)
    assert merge_and_push(ModelSettings(), tmp_path / "a", tmp_path / "m") == {"merged_dir": str(tmp_path / "m"), "url": None}


def test_online_push_checks_repo_id_and_folder(monkeypatch, tmp_path, folder):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with pytest.raises(ValueError, match="owner/name"):
        push_to_hub(folder, "no-owner")
    with pytest.raises(FileNotFoundError, match="nothing to push"):
        push_to_hub(tmp_path / "missing", "me/x")


def test_online_push_uses_a_private_repo(monkeypatch, folder):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    calls = []

    class FakeApi:
        def create_repo(self, **kw):
            calls.append(("create", kw))

        def upload_folder(self, **kw):
            calls.append(("upload", kw))

    monkeypatch.setattr("huggingface_hub.HfApi", FakeApi)
    assert push_to_hub(folder, "me/x") == "https://huggingface.co/me/x"
    assert calls[0] == ("create", {"repo_id": "me/x", "repo_type": "model", "private": True, "exist_ok": True})
    assert calls[1][1]["folder_path"] == str(folder)
    assert hub.hub_offline() is False
