"""The MLflow model of an xner export (models-from-code: MLflow copies this file into the model).

It decodes with xner's own `Predictor` (windows, constrained Viterbi), which travels inside the model
(`code/xner`, MLflow's `code_paths`), so a Python without xner installed loads it and tags exactly
as `xner predict` does. A request is `{"text": ...}` (split into words by xner's default tokenizer,
answered with character offsets) or `{"tokens": [...]}`; any other field is refused.
"""

from __future__ import annotations

from typing import Any

import mlflow
from mlflow.pyfunc import PythonModel
from pydantic import BaseModel, ConfigDict, model_validator


class NerRequest(BaseModel):
    """One sentence: raw `text`, or `tokens` already split into words."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = None
    tokens: list[str] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> NerRequest:
        if (self.text is None) == (self.tokens is None):
            raise ValueError('give exactly one of "text" and "tokens"')
        return self


class NerEntity(BaseModel):
    type: str
    text: str
    start_word: int
    end_word: int  # exclusive
    start: int | None = None  # character offsets into `text` (text requests only)
    end: int | None = None


class NerResponse(BaseModel):
    tokens: list[str]
    tags: list[str]
    entities: list[NerEntity]


class XnerNer(PythonModel):
    def load_context(self, context: Any) -> None:
        # absolute: MLflow runs this file on its own, with xner/ (code_paths) on sys.path
        from xner.core.data.words import SimpleWords  # pyright: ignore[reportMissingImports]
        from xner.core.inference.predictor import Predictor  # pyright: ignore[reportMissingImports]

        self.predictor = Predictor.from_pretrained(context.artifacts["export"], device="auto")
        self.words = SimpleWords()

    def predict(self, model_input: list[NerRequest], params: dict[str, Any] | None = None
                ) -> list[NerResponse]:
        from xner.core.inference.predictor import Tagged  # pyright: ignore[reportMissingImports]

        texts: list[str | None] = []
        words: list[list[Any]] = []
        for req in model_input:
            if isinstance(req, dict):  # MLflow hands pydantic instances; a plain call may pass dicts
                req = NerRequest(**req)
            if req.tokens is not None:
                texts.append(None)
                words.append([(t, None) for t in req.tokens])
            else:
                texts.append(req.text)
                words.append([(w.text, (w.start, w.end)) for w in self.words(req.text or "")])
        tags = self.predictor.tag([[w for w, _ in ws] for ws in words])
        out = []
        for text, ws, t in zip(texts, words, tags, strict=True):
            offsets = [o for _, o in ws] if text is not None else None
            tagged = Tagged([w for w, _ in ws], t, offsets, text)
            out.append(NerResponse(tokens=tagged.tokens, tags=tagged.tags,
                                   entities=[NerEntity(**e) for e in tagged.spans()]))
        return out


mlflow.models.set_model(XnerNer())
