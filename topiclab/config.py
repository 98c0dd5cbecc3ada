"""Typed, validated configuration of one run.

One `RunConfig` describes everything that decides a run's result, so it is saved beside the run and
can be loaded from YAML, built from keyword arguments, or overridden from CLI flags with dotted keys
(`umap.n_neighbors=10`). Validation happens here, at the edge, and its errors say the allowed range.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Optional, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from topiclab.errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class CorpusConfig(_Section):
    """Which columns hold what, and how texts are cleaned before embedding."""

    text_col: Optional[str] = Field(None, description="Text column; detected when there is one obvious candidate.")
    id_col: Optional[str] = None
    timestamp_col: Optional[str] = None
    class_col: Optional[str] = Field(None, description="Known classes, used only to score the topics (NMI, ARI).")
    dedupe: bool = Field(False, description="Drop exact duplicate texts, keeping the first.")
    sample: Optional[int] = Field(None, ge=1, description="Keep a seeded random sample of this many documents.")


class EmbeddingConfig(_Section):
    """The embedding model and how long documents and the cache are handled."""

    model: str = Field(DEFAULT_MODEL, description="Sentence-transformers name or path, or 'wordllama'.")
    batch_size: int = Field(64, ge=1, le=4096)
    long_documents: Literal["truncate", "chunk"] = Field(
        "truncate", description="'truncate' to the model's window, or 'chunk': embed windows and mean-pool them."
    )
    cache: bool = True
    cache_dir: Optional[Path] = Field(None, description="Defaults to $TOPICLAB_CACHE or ~/.cache/topiclab.")
    device: Optional[str] = Field(None, description="'cpu', 'cuda', ...; None lets the backend choose.")


class UMAPConfig(_Section):
    """Reduction used for clustering (not the 2D/3D projections drawn on maps)."""

    n_neighbors: int = Field(15, ge=2, le=500)
    n_components: int = Field(5, ge=2, le=100)
    min_dist: float = Field(0.0, ge=0.0, le=1.0)
    metric: Literal["cosine", "euclidean", "manhattan", "correlation"] = "cosine"
    n_epochs: Optional[int] = Field(200, ge=10, le=2000, description="None keeps UMAP's size-based default.")
    init: Literal["spectral", "pca", "random"] = "pca"


class HDBSCANConfig(_Section):
    """Density clustering of the reduced embeddings."""

    min_cluster_size: Union[int, Literal["auto"]] = Field(
        "auto", description="'auto' scales with the corpus: 1% of documents, at least 10, at most 100."
    )
    min_samples: Optional[int] = Field(5, ge=1, le=1000)
    cluster_selection_method: Literal["eom", "leaf"] = "eom"

    @field_validator("min_cluster_size")
    @classmethod
    def _at_least_two(cls, value: Union[int, str]) -> Union[int, str]:
        if isinstance(value, int) and not 2 <= value <= 100_000:
            raise ValueError("must be 'auto' or an integer from 2 to 100000")
        return value

    def resolved_min_cluster_size(self, n_documents: int) -> int:
        if self.min_cluster_size == "auto":
            return int(min(100, max(10, round(0.01 * n_documents))))
        return int(self.min_cluster_size)


class VectorizerConfig(_Section):
    """The bag of words behind c-TF-IDF topic words."""

    ngram_range: tuple[int, int] = (1, 1)
    stop_words: Optional[Union[Literal["english"], list[str]]] = "english"
    min_df: Union[int, float] = Field(2, gt=0)
    max_features: Optional[int] = Field(None, ge=10)

    @field_validator("ngram_range")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        low, high = value
        if not 1 <= low <= high <= 5:
            raise ValueError("must be two integers 1 <= low <= high <= 5, e.g. [1, 2]")
        return value

    @field_validator("min_df")
    @classmethod
    def _fraction_or_count(cls, value: Union[int, float]) -> Union[int, float]:
        if isinstance(value, float) and not value < 1.0:
            raise ValueError("must be a count (integer >= 1) or a fraction of documents below 1.0")
        return value


class TopicsConfig(_Section):
    """What happens after clustering: outliers, merging, words per topic."""

    outlier_reduction: Literal["none", "embeddings", "c-tf-idf", "distributions"] = "embeddings"
    outlier_threshold: float = Field(
        0.0, ge=0.0, le=1.0, description="Minimum similarity for an outlier to join a topic; 0 assigns all."
    )
    nr_topics: Optional[Union[int, Literal["auto"]]] = Field(None, description="Merge down to this many topics.")
    top_n_words: int = Field(10, ge=3, le=50)
    representative_docs: int = Field(3, ge=1, le=20)

    @field_validator("nr_topics")
    @classmethod
    def _positive(cls, value: Optional[Union[int, str]]) -> Optional[Union[int, str]]:
        if isinstance(value, int) and value < 2:
            raise ValueError("must be 'auto', empty, or an integer >= 2")
        return value


class RunConfig(_Section):
    """Everything that decides a run's result."""

    seed: int = Field(42, ge=0, le=2**31 - 1)
    corpus: CorpusConfig = Field(default_factory=CorpusConfig)
    embedding: EmbeddingConfig = Field(default_factory=EmbeddingConfig)
    umap: UMAPConfig = Field(default_factory=UMAPConfig)
    hdbscan: HDBSCANConfig = Field(default_factory=HDBSCANConfig)
    vectorizer: VectorizerConfig = Field(default_factory=VectorizerConfig)
    topics: TopicsConfig = Field(default_factory=TopicsConfig)

    @model_validator(mode="after")
    def _components_fit_neighbours(self) -> "RunConfig":
        if self.umap.n_components >= self.umap.n_neighbors * 10:
            raise ValueError("umap.n_components must be well below 10 x umap.n_neighbors")
        return self

    # ----------------------------------------------------------------- construction helpers
    @classmethod
    def build(cls, data: Optional[dict[str, Any]] = None, overrides: Optional[dict[str, Any]] = None) -> "RunConfig":
        """Validate nested `data` plus dotted `overrides`, raising ConfigError with the allowed values."""
        merged = _deep_copy(data or {})
        for dotted, value in (overrides or {}).items():
            _set_dotted(merged, dotted, value)
        try:
            return cls.model_validate(merged)
        except ValidationError as exc:
            raise ConfigError(_describe(exc)) from None

    @classmethod
    def from_yaml(cls, path: Union[str, Path], overrides: Optional[dict[str, Any]] = None) -> "RunConfig":
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise ConfigError(f"Configuration file not found: {path}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path} is not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path} must hold a mapping of sections (umap:, hdbscan:, ...), not {type(data).__name__}")
        return cls.build(data, overrides)

    def with_overrides(self, overrides: dict[str, Any]) -> "RunConfig":
        return type(self).build(self.to_dict(), overrides)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)


def parse_override(item: str) -> tuple[str, Any]:
    """Parse a CLI `--set section.key=value`; the value is read as YAML (numbers, null, lists)."""
    if "=" not in item:
        raise ConfigError(f"--set expects section.key=value, got {item!r} (example: --set umap.n_neighbors=10)")
    key, raw = item.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


def _set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = tree
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"Cannot set {dotted}: {part} is a value, not a section")
        node = child
    node[leaf] = value


def _deep_copy(tree: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in tree.items()}


def _describe(exc: ValidationError) -> str:
    lines = ["Invalid configuration:"]
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            lines.append(f"  {where}: unknown setting (check the spelling; see `topiclab fit --help`)")
        else:
            given = error.get("input")
            shown = f" (got {given!r})" if not isinstance(given, dict) else ""
            lines.append(f"  {where}: {error['msg']}{shown}")
    return "\n".join(lines)
