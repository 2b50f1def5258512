"""`xner search`: the Optuna layer (the only Optuna importer), its space, its MLflow records and
its workers.

May import: `commands` and everything below it.
"""
