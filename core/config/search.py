"""The `search:` block: what `xner search` samples (Optuna distributions, weight simplices), how trials
are pruned, and how workers share a study and notice one that died."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from .section import FieldError, Section, num_text


class SearchParam(Section):
    type: Literal["float", "int", "categorical"] = Field(description="Optuna distribution")
    low: float | None = Field(None, description="float/int: lower bound")
    high: float | None = Field(None, description="float/int: upper bound")
    log: bool = Field(False, description="sample on a log scale")
    step: float | None = Field(None, gt=0, description="float/int: grid step")
    choices: list[Any] | None = Field(None, description="categorical: the values")

    @model_validator(mode="after")
    def _consistent(self) -> SearchParam:
        if self.type == "categorical":
            if not self.choices:
                raise FieldError("choices", f"{self.choices} is empty; categorical needs choices")
        elif self.low is None or self.high is None or not self.low < self.high:
            raise FieldError("high", f"[{self.low}, {self.high}] needs low < high")
        elif self.log and self.low <= 0:
            raise FieldError("low", f"{num_text(self.low)} must be > 0 for a log scale")
        return self


class PrunerConfig(Section):
    type: Literal["median", "hyperband", "none"] = Field("median", description="stops hopeless trials")
    n_startup_trials: int = Field(5, ge=0, description="median: trials that finish before any is pruned")
    n_warmup_steps: int = Field(1, ge=0, description="median: epochs a trial always gets")


class SearchConfig(Section):
    n_trials: int = Field(20, ge=1, description="trials in the study, all workers together")
    study: str | None = Field(None, description="study name; None: the config's name")
    storage: str | None = Field(None, description="journal file path or RDB URL; None: a journal "
                                "file beside the store")
    space: dict[str, SearchParam] = Field({}, description="dotted config path -> distribution")
    simplex: dict[str, list[str]] = Field({}, description="name -> paths sampled as weights summing "
                                          "to 1 (teacher weights)")
    seeds: int = Field(1, ge=1, description="the objective is the mean dev F1 over the first K seeds")
    workers: int = Field(1, ge=1, description="workers on this study from one command")
    pruner: PrunerConfig = Field(default_factory=PrunerConfig)
    sampler_seed: int | None = Field(None, description="TPE seed; None: random")
    retries: int = Field(1, ge=0, description="reruns of a trial whose worker died")
    heartbeat_s: int = Field(60, ge=1, description="a worker stamps its trial this often")
    grace_s: int = Field(300, ge=1, description="a trial unstamped this long on another host is dead")

    @model_validator(mode="after")
    def _groups(self) -> SearchConfig:
        for name, paths in self.simplex.items():
            if len(paths) < 2 or len(set(paths)) < len(paths):
                raise FieldError(f"simplex.{name}", f"{paths} needs two or more distinct paths")
            if both := set(paths) & set(self.space):
                raise FieldError(f"simplex.{name}", f"{sorted(both)} also in search.space")
        return self
