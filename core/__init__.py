"""The xner engine: config, data, models, training, pipeline, tracking, search.

`core` never imports `registry` except in the CLI, which loads every component once.
"""
