"""Typed, validated configuration of one run.

One `RunConfig` describes everything that decides a run's result, so it is saved beside the run and
can be loaded from YAML, built from keyword arguments, or overridden from CLI flags with dotted keys
(`umap.n_neighbors=10`). Validation happens here, at the edge, and its errors say the allowed range.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any, Literal, Optional, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from topiclab.aspects import ASPECTS, KEYWORDS, aspect_help
from topiclab.aspects import is_registered as is_aspect
from topiclab.clusterers import CLUSTERERS, ClustererSettings, is_registered
from topiclab.errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"

#: Marks settings that name something on one machine (an endpoint, a secret's variable, a local path, a
#: cluster address). They are never taken from a run folder: see RunConfig.without_machine_settings.
MACHINE_LOCAL = {"machine_local": True}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class CorpusConfig(_Section):
    """Which columns hold what, and how texts are cleaned before embedding."""

    text_col: Optional[str] = Field(None, description="Text column; detected when there is one obvious candidate.")
    id_col: Optional[str] = None
    timestamp_col: Optional[str] = None
    class_col: Optional[str] = Field(None, description="Known classes, used only to score the topics (NMI, ARI); "
                                                       "never used to fit them.")
    label_col: Optional[str] = Field(None, description="Known topic labels for some documents (empty for the rest): "
                                                       "they shape the topics (semi-supervised; every document "
                                                       "labelled: supervised).")
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
    cache_dir: Optional[Path] = Field(None, description="topiclab's cache folder (embeddings, reductions, labels); "
                                                        "defaults to $TOPICLAB_CACHE or ~/.cache/topiclab.",
                                      json_schema_extra=MACHINE_LOCAL)
    device: Optional[str] = Field(None, description="'cpu', 'cuda', ...; None lets the backend choose.")
    precision: Literal["int8", "fp32"] = Field(
        "int8", description="Sentence-transformers models on a CPU: 'int8' runs an int8 copy exported once for ONNX "
        "Runtime (about twice as fast, vectors at cosine 0.99 to fp32); 'fp32' keeps the exact torch output. On a "
        "GPU the model always runs in torch. Cached vectors are kept apart by precision."
    )


class UMAPConfig(_Section):
    """Reduction used for clustering (not the 2D/3D projections drawn on maps)."""

    n_neighbors: int = Field(15, ge=2, le=500)
    n_components: int = Field(5, ge=2, le=100)
    min_dist: float = Field(0.0, ge=0.0, le=1.0)
    metric: Literal["cosine", "euclidean", "manhattan", "correlation"] = "cosine"
    n_epochs: Optional[int] = Field(200, ge=10, le=2000, description="None keeps UMAP's size-based default.")
    init: Literal["spectral", "pca", "random"] = "pca"


class ClusteringConfig(_Section):
    """Which method clusters the reduced embeddings into topics, and that method's settings in the section
    named after it (`clustering.evoc.min_samples`, `clustering.hdbscan.min_cluster_size`). The methods are
    those in topiclab.clusterers' registry; only the chosen method's section is filled with its defaults."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)  # the extra keys: one section per method

    method: str = Field("evoc", description="How documents are clustered: " + "; ".join(
        f"'{name}': {clusterer.summary}" for name, clusterer in CLUSTERERS.items()) + ".")

    @field_validator("method")
    @classmethod
    def _registered(cls, value: str) -> str:
        if not is_registered(value):
            raise ValueError(f"is not a clustering method; the methods are {', '.join(CLUSTERERS)}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _method_sections(cls, data: Any) -> Any:
        """Each section validated by its method's settings; the chosen method's section filled in."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        unknown = sorted(key for key in data if key != "method" and not is_registered(key))
        if unknown:
            raise ValueError(f"{', '.join(unknown)} is not a clustering method; the sections are 'method' and one "
                             f"per method: {', '.join(CLUSTERERS)}")
        method = data.get("method", cls.model_fields["method"].default)
        for name in [key for key in (*data, method) if key != "method" and is_registered(key)]:
            settings = CLUSTERERS[name].settings
            if not isinstance(data.get(name), settings):
                data[name] = _validated_section(settings, data.get(name) or {}, f"clustering.{name}")
        return data

    @property
    def method_settings(self) -> ClustererSettings:
        """The chosen method's settings section."""
        return getattr(self, self.method)

    @property
    def smallest_cluster(self) -> int:
        """The fewest documents a topic found by clustering can have."""
        return self.method_settings.smallest_cluster


def _validated_section(settings: type[BaseModel], values: Any, where: str) -> BaseModel:
    try:
        return settings.model_validate(values)
    except ValidationError as exc:  # said here with its full dotted key: the section is not a declared field
        raise ValueError("\n  ".join(f"{where}.{'.'.join(map(str, error['loc']))}: {error['msg']}"
                                   + (f" (got {error['input']!r})" if not isinstance(error["input"], dict) else "")
                                   for error in exc.errors())) from None


def _from_hdbscan_section(old: dict[str, Any], method: str) -> dict[str, Any]:
    """The `clustering` settings that an old `hdbscan:` section meant: min_cluster_size 'auto' was EVoC's layer
    search, an integer classic HDBSCAN; without one, its other keys go to the `method` already chosen."""
    old = dict(old)
    if "min_cluster_size" in old:
        size = old.pop("min_cluster_size")
        method = "evoc" if size == "auto" else "hdbscan"
        old = old if size == "auto" else {"min_cluster_size": size, **old}
    if method == "evoc":
        old.pop("cluster_selection_method", None)  # it applied only to a fixed size
    return {"method": method, method: old}


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
    """What happens after clustering: the granularity, outliers, merging, words per topic, and guidance
    (zero-shot topic names, seed words)."""

    level: Union[int, Literal["auto"]] = Field(
        "auto", description="Which layer of the cluster tree gives the topics: 'auto' (the granularity rule's choice), "
                            "or a layer number (0 = finest); `topiclab levels RUN` lists them.")
    level_votes: Union[int, Literal["auto"]] = Field(
        "auto", description="Layouts of the fit sample (its seed, then seed + 100, + 200, ...) whose 'auto' choices "
                            "vote on the level: the run takes its layer nearest the median topic count, so "
                            "outlying layouts (a seed, another CPU's last digits) do not decide it. 1: this "
                            "layout's choice alone; each vote costs one more UMAP layout and layer search on a "
                            "cold fit (cached after). 'auto': 5 up to 20,000 sampled documents, else 1.")
    outlier_reduction: Literal["none", "neighbors", "centroids"] = Field(
        "neighbors", description="How documents in no cluster get a topic: 'neighbors' (vote of their nearest "
                                 "documents, the same rule new documents follow), 'centroids' (nearest topic "
                                 "centre), or 'none' (they stay outliers, topic -1).")
    outlier_threshold: float = Field(
        0.0, ge=0.0, le=1.0, description="Minimum cosine similarity for a document to join a topic; 0 assigns all.")
    nr_topics: Optional[int] = Field(None, ge=2, le=100_000, description="Merge the closest topics until this "
                                                                        "many remain (empty: keep them all).")
    top_n_words: int = Field(10, ge=3, le=50)
    representative_docs: int = Field(3, ge=1, le=20)
    zero_shot: list[str] = Field(default_factory=list, description="Topic names known in advance: documents close "
                                                                   "to a name take that topic and its name.")
    zero_shot_threshold: float = Field(0.4, ge=0.0, le=1.0, description="Cosine similarity a document needs to a "
                                                                        "zero-shot name to take that topic.")
    seed_words: list[list[str]] = Field(default_factory=list, description="Word lists that steer topics (guided "
                                                                          "topic modeling), e.g. [[tax, budget], "
                                                                          "[match, goal]].")
    seed_multiplier: float = Field(2.0, ge=1.0, le=10.0, description="How much seed words count in topic words.")

    @field_validator("level")
    @classmethod
    def _layer(cls, value: Union[int, str]) -> Union[int, str]:
        if isinstance(value, int) and value < 0:
            raise ValueError("must be 'auto' or a layer number >= 0")
        return value

    @field_validator("level_votes")
    @classmethod
    def _votes(cls, value: Union[int, str]) -> Union[int, str]:
        if isinstance(value, int) and not 1 <= value <= 9:
            raise ValueError("must be 'auto' or a number of layouts from 1 to 9")
        return value

    @field_validator("outlier_reduction", mode="before")
    @classmethod
    def _renamed(cls, value: Any) -> Any:
        return {"embeddings": "centroids"}.get(value, value)  # BERTopic's name for the same strategy

    @field_validator("zero_shot", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        return [name.strip() for name in value if isinstance(name, str) and name.strip()] if isinstance(
            value, list) else value

    @field_validator("zero_shot")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len({name.lower() for name in value}) != len(value):
            raise ValueError("names a zero-shot topic twice")
        return value

    @field_validator("seed_words", mode="before")
    @classmethod
    def _word_lists(cls, value: Any) -> Any:
        if isinstance(value, str):  # CLI form: "tax budget; match goal"
            value = [group.replace(",", " ").split() for group in value.split(";")]
        if isinstance(value, list):
            value = [[w.strip().lower() for w in group if isinstance(w, str) and w.strip()] if isinstance(
                group, list) else group for group in value]
            value = [group for group in value if group != []]
        return value


_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")


class LLMConfig(_Section):
    """Which language model writes topic labels, its prompt, and the limits on retries and cost."""

    backend: Literal["local", "transformers", "openai"] = Field(
        "local", description="'local': a GGUF model in-process (default: the packaged SmolLM2-135M-Instruct), on "
                             "llama.cpp when llama-cpp-python is installed, else on transformers; "
                             "'transformers': a Hugging Face transformers causal LM in-process; "
                             "'openai': any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp, LM Studio).")
    model: Optional[str] = Field(None, description="local: path to a .gguf file (empty: packaged SmolLM2); "
                                                   "transformers: a model folder, a .gguf file or a hub name such as "
                                                   "HuggingFaceTB/SmolLM2-360M-Instruct (empty: packaged SmolLM2); "
                                                   "openai: the model name, e.g. 'gpt-4o-mini'.",
                                 json_schema_extra=MACHINE_LOCAL)
    base_url: Optional[str] = Field(None, description="openai: the endpoint, e.g. https://api.openai.com/v1.",
                                    json_schema_extra=MACHINE_LOCAL)
    api_key_env: Optional[str] = Field(None, description="openai: the NAME of the environment variable holding "
                                                         "the key, e.g. OPENAI_API_KEY (never the key itself).",
                                       json_schema_extra=MACHINE_LOCAL)
    api: Literal["chat", "completions"] = Field("chat", description="openai: /chat/completions or /completions.")
    prompt: Optional[str] = Field(None, description="Template with {keywords} and {documents}; empty: built-in.")
    documents: int = Field(3, ge=0, le=20, description="Representative documents shown in the prompt.")
    prompt_tokens: int = Field(512, ge=64, le=32_000, description="Token budget of the whole prompt; "
                                                                  "documents are cut to fit.")
    max_tokens: int = Field(16, ge=1, le=256, description="Tokens the model may write per label.")
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    timeout: float = Field(60.0, gt=0, le=3600, description="Seconds before one request is abandoned.")
    max_retries: int = Field(4, ge=0, le=20, description="Retries after a rate limit, 5xx, time-out or bad reply.")
    backoff: float = Field(1.0, ge=0, le=60, description="First wait before a retry in seconds; doubles each time.")
    concurrency: int = Field(4, ge=1, le=64, description="Requests in flight at once (openai; local runs one).")
    cache: bool = Field(True, description="Reuse labels cached on disk for the same prompt and model.")
    threads: Optional[int] = Field(None, ge=1, le=1024, description="local and transformers: CPU threads; empty: "
                                                                    "every physical core.")
    device: Optional[str] = Field(None, pattern=r"^(cpu|cuda|mps|xpu)(:\d+)?$",
                                  description="transformers: 'cpu' (default), 'cuda', 'cuda:1', 'mps' or 'xpu'.")

    @model_validator(mode="before")
    @classmethod
    def _key_name_not_key(cls, data: Any) -> Any:
        # Checked on the whole section so that a pasted key is never echoed back in the error message.
        name = data.get("api_key_env") if isinstance(data, dict) else None
        if name is not None and not (isinstance(name, str) and _ENV_NAME.match(name)):
            raise ValueError("api_key_env must be the upper-case NAME of an environment variable (e.g. "
                             "OPENAI_API_KEY), not the key: export the key in that variable")
        return data

    @model_validator(mode="after")
    def _endpoint_complete(self) -> "LLMConfig":
        if self.prompt is not None and "{keywords}" not in self.prompt:
            raise ValueError("labels.llm.prompt must contain {keywords} (and may contain {documents})")
        if self.backend == "openai":
            if not self.base_url or not self.model:
                raise ValueError("backend 'openai' needs base_url and model, e.g. base_url=https://api.openai.com/v1 "
                                 "model=gpt-4o-mini (or http://127.0.0.1:11434/v1 for Ollama)")
            if not self.base_url.startswith(("http://", "https://")):
                raise ValueError("labels.llm.base_url must start with http:// or https://")
        return self


def _aspect_enum(schema: dict) -> None:
    """The schema lists the registry's names as they are when it is asked for (extensions included)."""
    (schema.get("items") or schema)["enum"] = list(ASPECTS)


class LabelsConfig(_Section):
    """Views of each topic beside its c-TF-IDF words, and which one is the display label."""

    aspects: list[str] = Field(
        default_factory=lambda: ["keybert", "mmr", "names"], json_schema_extra=_aspect_enum,
        description=f"Any of {aspect_help()}; empty for none. c-TF-IDF is always kept. KeyBERT and MMR cost "
                    "about a tenth of the fit (benchmarks/bench_aspects.py).")
    display: Optional[str] = Field(
        None, description="The aspect shown as each topic's label; empty: 'names' when configured, else 'llm' when "
                          "configured, else 'keywords'.")
    mmr_diversity: float = Field(0.3, ge=0.0, le=1.0,
                                 description="0 keeps the most relevant words, 1 the most diverse.")
    llm: LLMConfig = Field(default_factory=LLMConfig)

    @field_validator("aspects", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("aspects")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("lists an aspect twice")
        unknown = [name for name in value if not is_aspect(name)]
        if unknown:
            raise ValueError(f"{', '.join(map(repr, unknown))} is not an aspect; the aspects are {', '.join(ASPECTS)}")
        return value

    @model_validator(mode="after")
    def _display_is_computed(self) -> "LabelsConfig":
        if self.display not in (None, KEYWORDS, *self.aspects):
            raise ValueError(f"labels.display is {self.display!r}, which is not in labels.aspects {self.aspects}: "
                             "add it there or display 'keywords'")
        return self

    @property
    def resolved_display(self) -> str:
        return self.display or next((name for name in ("names", "llm") if name in self.aspects), KEYWORDS)


class ProjectionConfig(_Section):
    """The seeded 2D and 3D layouts drawn on document maps. They reuse the clustering's neighbour graph and
    start from its layout, so they shape only the picture, never the topics."""

    enabled: bool = Field(True, description="Compute the map coordinates at fit time and save them with the run.")
    min_dist: float = Field(0.1, ge=0.0, le=1.0, description="Above 0 spreads points out, so maps stay readable.")
    n_epochs: int = Field(100, ge=10, le=2000, description="Layout epochs of the 2D map (the 3D map takes half).")
    sample_3d: int = Field(10_000, ge=100, le=1_000_000, description="Documents laid out in 3D; the others are "
                                                                     "placed beside their nearest laid-out ones.")


class ComputeConfig(_Section):
    """Where and at what scale the work runs; none of it changes topics for corpora below `fit_sample`."""

    fit_sample: int = Field(50_000, ge=1_000, le=10_000_000, description="Largest number of documents the "
                            "reduction and clustering are fitted on; a larger corpus is fitted on a seeded sample and "
                            "the rest take topics by the vote of their nearest sampled documents.")
    reference_size: int = Field(25_000, ge=500, le=1_000_000, description="Documents kept (per topic, in "
                                "proportion) as the neighbours that give new documents their topics.")
    cache: bool = Field(True, description="Cache reductions and map layouts on disk, keyed by the embeddings and "
                                          "settings, so a re-fit with other clustering or topic settings is fast.")
    scheduler: Optional[str] = Field(None, description="A Dask scheduler address (tcp://host:8786) to embed and "
                                     "assign topics on a cluster, or 'local' for a local cluster; empty: this "
                                     "process.", json_schema_extra=MACHINE_LOCAL)
    partition_size: int = Field(50_000, ge=100, le=10_000_000, description="Most documents per partition on a Dask "
                                "cluster (a worker holds about this many texts and vectors at a time); corpora are "
                                "cut into at least two partitions per worker.")
    work_dir: Optional[str] = Field(None, description="Folder for the Parquet partitions a Dask cluster reads and "
                                    "writes (texts in, vectors out): on a cluster of several machines, one every "
                                    "machine mounts at the same path. Empty: a temporary folder on this machine.",
                                    json_schema_extra=MACHINE_LOCAL)


class RunConfig(_Section):
    """Everything that decides a run's result."""

    seed: int = Field(42, ge=0, le=2**31 - 1)
    corpus: CorpusConfig = Field(default_factory=CorpusConfig)
    embedding: EmbeddingConfig = Field(default_factory=EmbeddingConfig)
    umap: UMAPConfig = Field(default_factory=UMAPConfig)
    clustering: ClusteringConfig = Field(default_factory=ClusteringConfig)
    vectorizer: VectorizerConfig = Field(default_factory=VectorizerConfig)
    topics: TopicsConfig = Field(default_factory=TopicsConfig)
    labels: LabelsConfig = Field(default_factory=LabelsConfig)
    projection: ProjectionConfig = Field(default_factory=ProjectionConfig)
    compute: ComputeConfig = Field(default_factory=ComputeConfig)

    @model_validator(mode="before")
    @classmethod
    def _renamed_hdbscan_section(cls, data: Any) -> Any:
        """Config files and keys from before `clustering.method` (`hdbscan.min_cluster_size: auto`) still load,
        with a note saying what to write instead. The old keys win over `clustering` ones: old files hold none,
        so both at once means an old key given on top (a --set, a batch variant)."""
        if not (isinstance(data, dict) and isinstance(data.get("hdbscan"), dict)):
            return data
        data = dict(data)
        old = data.pop("hdbscan")
        clustering = dict(data.get("clustering") or {})
        new = _from_hdbscan_section(old, clustering.get("method", "evoc"))
        clustering["method"] = new["method"]
        clustering[new["method"]] = {**(clustering.get(new["method"]) or {}), **new[new["method"]]}
        data["clustering"] = clustering
        written = ", ".join(f"clustering.{key}={value}" for key, value in flatten(new).items())
        warnings.warn(f"The hdbscan section is deprecated: hdbscan.{', hdbscan.'.join(old) or '*'} now reads as "
                      f"{written}. Write clustering.method (evoc or hdbscan) and its section instead.",
                      FutureWarning, stacklevel=2)
        return data

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
        data = read_yaml_mapping(path, ConfigError, "Configuration file", "a mapping of sections (umap:, clustering:, ...)")
        return cls.build(data, overrides)

    def with_overrides(self, overrides: dict[str, Any]) -> "RunConfig":
        return type(self).build(self.to_dict(), overrides)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def without_machine_settings(self) -> tuple["RunConfig", dict[str, Any]]:
        """This configuration with every endpoint, secret's name, local path and cluster address reset to its
        default, and the values that were dropped (by dotted key). What a run folder from elsewhere may decide
        stops here: those settings come from the user's own command line or config file."""
        data, dropped = self.to_dict(), {}
        defaults = flatten(type(self)().to_dict())
        for key in machine_local_keys():
            value = flatten(data).get(key)
            if value is not None and value != defaults.get(key):
                dropped[key] = value
                _set_dotted(data, key, defaults.get(key))
        if looks_like_path(data["embedding"]["model"]):
            dropped["embedding.model"] = data["embedding"]["model"]
            data["embedding"]["model"] = defaults["embedding.model"]
        if "labels.llm.base_url" in dropped:  # an endpoint backend without its endpoint: back to the default
            dropped["labels.llm.backend"] = data["labels"]["llm"]["backend"]
            data["labels"]["llm"]["backend"] = defaults["labels.llm.backend"]
        return type(self).model_validate(data), dropped


def section_model(model: type[BaseModel], name: str) -> type[BaseModel]:
    """The settings model of section `name` of `model` (a clustering method's section: its registered settings)."""
    if model is ClusteringConfig and name in CLUSTERERS:
        return CLUSTERERS[name].settings
    return model.model_fields[name].annotation


def looks_like_path(name: str) -> bool:
    """A model named by a folder or file on this machine rather than a packaged or hub name."""
    return (name.startswith(("/", "~", ".", "\\")) or name.endswith((".gguf", ".onnx"))
            or (len(name) > 2 and name[1] == ":") or Path(name).expanduser().exists())


def machine_local_keys(model: type[BaseModel] = None, prefix: str = "") -> list[str]:
    """Dotted keys of the settings that name something on one machine (see MACHINE_LOCAL)."""
    model = model or RunConfig
    keys = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += machine_local_keys(annotation, f"{prefix}{name}.")
        elif isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("machine_local"):
            keys.append(f"{prefix}{name}")
    return keys


def read_yaml_mapping(path: Union[str, Path], error: type[Exception], what: str, expected: str) -> dict[str, Any]:
    """A YAML file's top-level mapping ({} for an empty file), or `error` saying what is wrong with it."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{what} not found: {path}") from None
    except yaml.YAMLError as exc:
        raise error(f"{path} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{path} must hold {expected}, not {type(data).__name__}")
    return data


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


def flatten(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested sections to dotted keys: {"umap": {"n_neighbors": 5}} -> {"umap.n_neighbors": 5}."""
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


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
        elif error["type"] == "value_error" and str(error["ctx"]["error"]).startswith(f"{where}."):
            lines.append(f"  {error['ctx']['error']}")  # a section that names its own keys (a clustering method's)
        else:
            given = error.get("input")
            shown = f" (got {given!r})" if not isinstance(given, dict) else ""
            lines.append(f"  {where}: {error['msg']}{shown}")
    return "\n".join(lines)
