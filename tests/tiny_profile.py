"""A tiny profile that runs every stage on the embedded model in seconds (the stage chain and the browser test)."""

from __future__ import annotations

from pathlib import Path

TINY = """
profile: tiny_chain
smoke: true
model: {{name: embedded, device: cpu, dtype: float32, lora: {{r: 4, alpha: 8, target_modules: [q_proj, v_proj]}}}}
data:
  gsm8k: {{path: {gsm8k}, hub_id: null, max_train: 40, max_val: 10, max_test: 10}}
  integrals: {{path: {integrals}, max_problems: 300}}
  code: {{humaneval: true, mbpp_path: {mbpp}}}
variants: {{variant_source: symbolic, roots: 2, max_depth: 1, breadth: 2, max_nodes_per_tree: 3, difficulty_timeout_s: 0.5}}
audit: {{true_pairs: 5, model_problems: 1, samples_per_problem: 1, max_new_tokens: 16}}
sft: {{max_steps: 1, max_train_examples: 4, max_length: 256, gradient_accumulation_steps: 1, eval_examples: 2,
      eval_max_new_tokens: 16, logging_steps: 1, lora: {{r: 4, alpha: 8, target_modules: [q_proj, v_proj]}}}}
planner_sft: {{max_steps: 1, max_train_examples: 2, gradient_accumulation_steps: 1, max_length: 256,
              lora: {{r: 4, alpha: 8, target_modules: [q_proj, v_proj]}}}}
regime_w: {{n_questions: 1, max_new_tokens: 16, batch_size: 1, cf_arms: 0, temperatures: [0.3]}}
ppo: {{steps: 1, batch_size: 2, mini_batch_size: 1, ppo_epochs: 1}}
evaluation: {{test_examples: 2, max_new_tokens: 16}}
grpo: {{max_steps: 1, num_generations: 2, per_device_train_batch_size: 2, max_completion_length: 8, save_steps: 1,
       eval_examples: 2, eval_max_new_tokens: 8}}
planner_grpo: {{max_steps: 1, num_generations: 2, per_device_train_batch_size: 2, max_completion_length: 16,
               worker_max_new_tokens: 8, max_subproblems: 1, max_train_examples: 2, token_budget: 64}}
adversarial: {{stages: [5], n_discriminator_steps: 0, n_generator_steps: 0, k_alternating_steps: 1, batch_size: 1,
              stage_max_new_tokens: 4, code_max_new_tokens: 24, tests_max_new_tokens: 16, max_tests: 2,
              max_train_problems: 4, eval_humaneval: 1, eval_mbpp: 1, generation_batch_size: 2,
              ppo: {{batch_size: 1, mini_batch_size: 1, ppo_epochs: 1}}}}
latent: {{methods: [no_cot, coconut], c_thought: 1, max_latent_stage: 1, epochs_per_stage: 1, max_steps_per_stage: 1,
         batch_size: 2, max_train_examples: 4, eval_examples: 2, curve_examples: 2, max_new_tokens: 4, max_length: 64,
         procedural: {{n_train: 4, n_test: 2}}}}
ttrl: {{problems: 1, max_steps: 1, beta: 0.0, time_limit_s: 20, num_generations: 2, per_device_train_batch_size: 2,
       max_completion_length: 8, probe_samples: 1, answer_max_new_tokens: 8, variant_source: symbolic,
       variant_depth: 1, variant_breadth: 2, max_variants: 2, cache_hit_steps: 0}}
"""


def write_tiny_profile(path: Path, shared_data: Path) -> Path:
    """Write the tiny profile (reading GSM8K and the integrals from the shared data) to ``path``."""
    path.write_text(TINY.format(gsm8k=shared_data / "gsm8k", integrals=shared_data / "integrals" / "rubi_textbook.jsonl",
                                mbpp=shared_data / "mbpp" / "mbpp.jsonl"))
    return path
