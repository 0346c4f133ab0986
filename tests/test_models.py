"""Model loading: the embedded model loads offline, trains with LoRA, and hardware-only options fail clearly."""

from __future__ import annotations

import pytest
import torch

from ladderlib.config.model import LoraSettings, ModelSettings
from ladderlib.models import Engine, ModelLoadError, Sampling, add_lora, load_model
from ladderlib.models.embedded import converted_dir, gguf_path


def test_embedded_gguf_is_found_in_the_package():
    p = gguf_path()
    assert p.name.endswith(".gguf") and p.stat().st_size > 50_000_000


def test_embedded_model_is_plain_fp32_without_quantizer(embedded_model):
    model, tok = embedded_model
    assert model.dtype == torch.float32
    assert getattr(model, "hf_quantizer", None) is None
    assert getattr(model.config, "quantization_config", None) is None
    assert (converted_dir() / "ladder_conversion.json").is_file()
    assert 130e6 < sum(p.numel() for p in model.parameters()) < 140e6
    assert tok.pad_token is not None and tok.padding_side == "left"
    assert "<|im_start|>" in tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False)


def test_lora_takes_one_real_optimizer_step(embedded_model):
    model, tok = embedded_model
    settings = ModelSettings(lora=LoraSettings(r=4, alpha=8, dropout=0.0, target_modules=["q_proj", "v_proj"]))
    peft_model = add_lora(model, settings)
    try:
        trainable = [p for p in peft_model.parameters() if p.requires_grad]
        assert trainable and sum(p.numel() for p in trainable) < 1e6
        before = {n: p.detach().clone() for n, p in peft_model.named_parameters() if p.requires_grad}
        frozen_name, frozen = next((n, p) for n, p in peft_model.named_parameters() if not p.requires_grad)
        frozen_before = frozen.detach().clone()
        opt = torch.optim.AdamW(trainable, lr=1e-3)
        batch = tok(["Integrate x^2 dx. Answer: x^3/3"], return_tensors="pt")
        out = peft_model(**batch, labels=batch["input_ids"])
        assert torch.isfinite(out.loss)
        out.loss.backward()
        opt.step()
        changed = [n for n, p in peft_model.named_parameters() if p.requires_grad and not torch.equal(p, before[n])]
        assert changed, "the optimizer step changed no LoRA weight"
        assert all("lora_" in n for n in changed)
        assert torch.equal(frozen, frozen_before), f"base weight {frozen_name} changed"
        with torch.no_grad():
            loss_after = peft_model(**batch, labels=batch["input_ids"]).loss
        assert loss_after < out.loss
    finally:
        peft_model.unload()  # give the shared fixture back its plain model


def test_generate_returns_text(embedded_model):
    model, tok = embedded_model
    outs = Engine(model, tok)(["What is 2 + 3? Answer with a number."], Sampling(max_new_tokens=12))
    assert len(outs) == 1 and "5" in outs[0]


@pytest.mark.parametrize(
    "settings, message",
    [
        (ModelSettings(quantization="4bit", device="cpu"), "needs a CUDA GPU for bitsandbytes"),
        (ModelSettings(backend="unsloth", device="cpu"), "needs a CUDA GPU (Unsloth"),
        (ModelSettings(name="./no/such/folder"), "does not exist"),
    ],
)
def test_unusable_requests_fail_clearly(settings, message):
    with pytest.raises(ModelLoadError, match=message.replace("(", r"\(")):
        load_model(settings)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_cuda_device_on_cpu_machine_is_refused():
    with pytest.raises(RuntimeError, match="no CUDA GPU is visible"):
        load_model(ModelSettings(device="cuda"))


def test_hub_model_offline_gives_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="could not load model 'HuggingFaceTB/no-such-model-xyz' from the Hugging Face hub"):
        load_model(ModelSettings(name="HuggingFaceTB/no-such-model-xyz"))
