"""A trained model outside the store: the `Predictor` (windows, probabilities, constrained Viterbi)
that the evaluate stage, `xner predict` and the MLflow model share, the word tokenizers that split raw
text before the sub-word tokenizer, and the Hugging Face export.

May import: `train`, `models`, `data`, `config`, `engine`, `plugins` and `errors`.
"""
