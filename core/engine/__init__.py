"""The generic engine: content-keyed stage nodes, the self-verifying store, claims, code
fingerprints and grid progress.

It knows nothing of NER: a stage is a name, a node is params plus inputs, an artifact is a folder.
May import: `errors` (and the standard library, torch-free).
"""
