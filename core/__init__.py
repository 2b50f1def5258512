"""The xner engine, one folder per concept, in layers (top may import bottom, never the reverse):

    cli > search > commands > reporting > tracking > runner > stages > demo > inference > train
        > models | translate > data > config | engine > plugins > errors

`pyproject.toml` [tool.importlinter] states the rule and `make lint` / tests/cli/test_architecture.py
enforce it, function-local imports included. `registry/` (the shipped components) is imported by one
function only, `plugins.load_plugins`, which the entry points call.
"""
