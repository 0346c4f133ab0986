"""The model source with the real embedded SmolLM2-135M (tiny run: one root, depth 1, 64 new tokens)."""

from __future__ import annotations

import pytest

from ladderlib.ladder.variants import canonical as C
from ladderlib.config.variants import VariantSettings
from ladderlib.ladder.variants.generate import generate_tree, summarize_stats
from ladderlib.models.generation import Engine


@pytest.fixture()
def one_torch_thread():
    """Two cores shared with other jobs: one thread avoids OpenMP spin contention (2-3x faster here)."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_embedded_model_proposes_screened_variants_reproducibly(embedded_model, one_torch_thread):
    model, tok = embedded_model
    settings = VariantSettings(variant_source="model", max_depth=1, breadth=2, max_new_tokens=64,
                               temperatures=[1.0], prompts_per_node=1, difficulty_timeout_s=60)
    gen = Engine(model, tok, batch_size=1)
    tree = generate_tree("Integrate x^2 * sin(x) dx", gen, settings=settings, seed=5)
    st = tree.stats["model"]
    assert st["prompts"] == 1
    assert st["proposed"] == st["accepted"] + sum(st["dropped"].values())
    assert set(st["dropped"]) <= set(C.DROP_REASONS)
    for n in tree.variants():  # whatever the small model managed is valid and recorded
        assert n.source == "model" and n.depth == 1 and n.temperature == 1.0 and n.persona in settings.personas
        e = C.parse_candidate(n.integrand)
        assert C.invalid_reason(e, "x") is None and C.trivial_reason(e, "x") is None
    print("model-source stats:", summarize_stats(tree)["model"])
    again = generate_tree("Integrate x^2 * sin(x) dx", gen, settings=settings, seed=5)
    assert again.to_dict() == tree.to_dict()  # calls are seeded from the tree seed: same seed, same tree
