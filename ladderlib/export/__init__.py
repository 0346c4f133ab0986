"""Hand-off to cluster RL engines: our data in veRL's parquet schema and OpenRLHF's JSONL, and reward modules
with their signatures that grade through our tasks (integral verifier, GSM8K grader, code sandbox).

* ``records``: one problem row of a task as a veRL record / an OpenRLHF row (``verl_record``, ``openrlhf_row``).
* ``rewards``: ``score(data_source, solution, ground_truth, extra_info)`` and the batched grader both use.
* ``verl_reward`` / ``openrlhf_reward``: the files veRL (``custom_reward_function.path``) and OpenRLHF
  (``--remote_rm_url``) load by path.
* ``write``: train/test files and the reward shims into one folder (``ladder export verl|openrlhf``).
"""
