"""Latent reasoning (08_latent): Coconut continuous thoughts with LoRA on any causal LM, against no-CoT, CoT,
pause tokens and Coconut without curriculum, trained the same way in one run.

Modules: ``coconut`` (the multi-pass latent forward and batched generation), ``data`` (GSM8K equation steps, the
procedural multi-hop task, curriculum stages), ``train`` (the stage loop), ``evaluate`` (accuracy, CI, tokens),
``experiment`` (every task x method, one result row each).
"""
