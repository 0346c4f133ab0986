"""The adversarial system (seed 003): a generator that reasons in five stages up to code, against a
discriminator that writes unit tests, both LoRA adapters on one base model, trained stage by stage with PPO.

* **Generator** (``stages.py``, ``rollout.write_chains``): informal → structured → pseudocode →
  constraints/invariants → code; each stage's prompt carries the earlier stages' text; the program is read
  from the last stage robustly (``ladderlib.tasks.code_extract``) and run in the sandbox.
* **Discriminator** (``rollout.write_tests``): asserts for the problem and signature. Every test is run
  against the reference solution first; tests that fail it, or do not call the function, are invalid, dropped
  from the generator's reward and counted; ``test_validity`` = valid / all its tests.
* **Rewards** (``rewards.py``): generator = pass rate over the problem's own tests plus the valid adversarial
  tests (both parts logged); discriminator = (1 − generator pass rate on its valid tests) × test_validity (the
  seed's), or CURE's test reward (``discriminator_reward: cure``); both are logged every step.
* **Training** (``train.py``, ``schedule.py``, ``roles.py``): our PPO (``ladderlib.rl``), one trainer and value
  head per adapter, each step updating only its role's adapter. For each training stage 1–5 (per epoch):
  N discriminator steps (generator frozen), N generator steps (discriminator frozen), K alternating steps.

**What "training stage k" means here.** In every round the generator writes all five stages. At training
stage k, PPO updates only the generator's stage-k text: the query is the problem with stages 1..k−1, which are
given (sampled from the current generator as context, not updated), and stages k+1..5 are written by the same
generator to reach code (not updated either); the reward is the pass rate of that final code. So the stages
are trained bottom to top, and stage 5 trains the code itself. The discriminator's job is the same at every
stage (tests for the problem), rewarded against the code the generator writes at that stage. Training logs
this sentence (``stages.training_stage_meaning``) at each stage start and stores it in every checkpoint.

* **Checkpoints** (``checkpoints.py``): committed ``checkpoint-N`` after every stage epoch with the seed's
  metadata, ``checkpoint_best`` by 0.7·generator_reward + 0.3·test_validity; resume from the latest or a given
  checkpoint without logging a step twice.
* **Evaluation** (``evaluate.py``): pass@1 (and pass@k) of the base vs the trained generator on HumanEval and
  MBPP test with 95% intervals and a paired test; discriminator test validity and break rate.
* **Inference** (``solve.py``): ``ladder code-solve`` with a trained checkpoint.

Limits: both roles share one base model, so ``--discriminator-model`` must name the generator's model; the
model loads through transformers (PEFT multi-adapter) even on profiles that use Unsloth elsewhere.
"""

from ladderlib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "train": "train_adversarial",
    "evaluate": "evaluate_adversarial",
    "solve": "solve_problems",
    "schedule": "build_schedule",
    "stages": "REASONING_STAGES training_stage_meaning",
})
