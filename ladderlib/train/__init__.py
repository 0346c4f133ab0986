"""Training engines shared by every system: SFT (TRL ``SFTTrainer`` + LoRA), GRPO (TRL ``GRPOTrainer``) on any
task, committed checkpoints, per-step metrics and resume.

Heavy libraries (torch, TRL, PEFT) are imported only when training starts.
"""
