"""Running an experiment: build every (variant x language x seed) graph, check its inputs, and hand
the missing nodes to an executor (`executors/`: one file per executor, each registered by name).

May import: `stages` and everything below it. Never `tracking`: a runner reports through hooks.
"""
