"""The settings users name directly, in one registry: the CLI's flags, the report notebook's parameters, a
batch file's corpus keys and `fit_run`'s keyword arguments all come from here.

Every other setting stays reachable by its dotted key (`--set umap.n_neighbors=30`, `settings={...}`).
Adding a setting to this list gives it a flag on every command that takes its group, a parameter in the
notebooks (checked by a test), and a key in batch files.
"""

from __future__ import annotations

import functools
import inspect
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Union

from topiclab.aspects import ASPECTS
from topiclab.config import RunConfig, section_model

CORPUS, MODEL, LABELS, COMPUTE = "corpus", "model", "labels", "compute"


@dataclass(frozen=True)
class Option:
    name: str                  # Python keyword, notebook parameter and batch key
    key: str                   # the dotted setting it sets
    group: str                 # which commands take it
    kind: type = str           # CLI type (settings validate and convert the text, e.g. '20' or 'auto')
    help: str = ""             # CLI help; empty: the setting's own description
    short: Optional[str] = None
    negative: Optional[str] = None  # bool flags: the --no form
    implies: Mapping[str, Any] = field(default_factory=dict)  # other settings it sets, unless given themselves

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def description(self) -> str:
        return self.help or setting_description(self.key)


OPTIONS: tuple[Option, ...] = (
    Option("text_col", "corpus.text_col", CORPUS, help="Column with the texts (detected when obvious)."),
    Option("id_col", "corpus.id_col", CORPUS, help="Column with document ids, kept in the results."),
    Option("timestamp_col", "corpus.timestamp_col", CORPUS, help="Column with dates: adds topics over time."),
    Option("class_col", "corpus.class_col", CORPUS, help="Column with known classes, only to score topics "
                                                         "(NMI, ARI); never used to fit them."),
    Option("label_col", "corpus.label_col", CORPUS, help="Column with known topic labels for some documents "
                                                         "(empty for the rest): semi-supervised topics."),
    Option("dedupe", "corpus.dedupe", CORPUS, bool, "Drop exact duplicate texts.", negative="--keep-duplicates"),
    Option("sample", "corpus.sample", CORPUS, int, "Fit on a seeded random sample of this many documents."),
    Option("model", "embedding.model", MODEL, help="Embedding model: 'all-MiniLM-L6-v2' (default, offline), "
                                                   "'wordllama' (fast, static), or any sentence-transformers name "
                                                   "or path.", short="-m"),
    Option("cache", "embedding.cache", MODEL, bool, "Use the on-disk embedding cache.", negative="--no-cache"),
    Option("seed", "seed", MODEL, int, "Random seed (default 42): on one machine, the same seed gives the same topics."),
    Option("clustering_method", "clustering.method", MODEL),
    Option("min_cluster_size", "clustering.hdbscan.min_cluster_size", MODEL, int, "Smallest topic in documents: "
           "clusters with classic HDBSCAN (clustering.method=hdbscan).", implies={"clustering.method": "hdbscan"}),
    Option("level", "topics.level", MODEL, help="Granularity: 'auto' or a layer number (0 is the finest); see "
                                                "`topiclab levels RUN`."),
    Option("nr_topics", "topics.nr_topics", MODEL, int, "Merge the closest topics until this many remain."),
    Option("zero_shot", "topics.zero_shot", MODEL, help="Comma-separated topic names known in advance "
                                                        "(zero-shot), e.g. 'sport, politics'."),
    Option("seed_words", "topics.seed_words", MODEL, help="Word lists that steer topics, ';' between lists: "
                                                          "'tax budget; match goal'."),
    Option("aspects", "labels.aspects", LABELS, help=f"Comma-separated label aspects: {', '.join(ASPECTS)}."),
    Option("llm_backend", "labels.llm.backend", LABELS, help="LLM labels from 'local' (packaged SmolLM2), "
                                                             "'transformers' or 'openai' (any compatible endpoint)."),
    Option("llm_model", "labels.llm.model", LABELS, help="LLM: a .gguf file or model folder (local, "
                                                         "transformers), or the endpoint's model name (openai)."),
    Option("llm_base_url", "labels.llm.base_url", LABELS, help="LLM endpoint, e.g. https://api.openai.com/v1."),
    Option("llm_api_key_env", "labels.llm.api_key_env", LABELS, help="NAME of the environment variable holding "
                                                                     "the endpoint's key (the key is never saved)."),
    Option("scheduler", "compute.scheduler", COMPUTE, help="Dask scheduler address (tcp://host:8786), or 'local' "
                                                           "to start a local cluster."),
    Option("fit_sample", "compute.fit_sample", COMPUTE, int, "Largest number of documents clustering is fitted "
                                                             "on; the rest take the topics of their neighbours."),
)
BY_NAME = {option.name: option for option in OPTIONS}


def setting_description(key: str) -> str:
    """The pydantic description of a dotted setting."""
    model: Any = RunConfig
    *sections, leaf = key.split(".")
    for section in sections:
        model = section_model(model, section)
    return model.model_fields[leaf].description or ""


def settings_from(values: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted settings from option names (None: not given): {"sample": 500} -> {"corpus.sample": 500}."""
    unknown = sorted(set(values) - set(BY_NAME))
    if unknown:
        from topiclab.errors import ConfigError

        raise ConfigError(f"Unknown option(s) {', '.join(unknown)}; options are {', '.join(BY_NAME)} "
                          "(any other setting by its dotted key, e.g. settings={'umap.n_neighbors': 30}).")
    given = {name: value for name, value in values.items() if value is not None}
    implied = {key: value for name in given for key, value in BY_NAME[name].implies.items()}
    return {**implied, **{BY_NAME[name].key: value for name, value in given.items()}}


def options(*groups: str) -> list[Option]:
    return [option for option in OPTIONS if option.group in groups]


def with_options(*groups: str) -> Callable:
    """Add the registry's flags of `groups` to a typer command; it receives them as `given_settings`, a dict of
    dotted keys for the flags that were given."""
    chosen = options(*groups)

    def decorate(command: Callable) -> Callable:
        import typer

        signature = inspect.signature(command)
        hints = typing.get_type_hints(command)  # the command module's names, not this one's
        own = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()
               if p.name != "given_settings"]
        added = []
        for option in chosen:
            names = [option.flag] if option.negative is None else [f"{option.flag}/{option.negative}"]
            names += [option.short] if option.short else []
            added.append(inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY,
                                           default=typer.Option(None, *names, help=option.description()),
                                           annotation=Optional[option.kind]))

        @functools.wraps(command)
        def wrapper(*args, **kwargs):
            given = {option.name: kwargs.pop(option.name, None) for option in chosen}
            return command(*args, given_settings=settings_from(given), **kwargs)

        wrapper.__signature__ = signature.replace(parameters=[*own, *added])
        wrapper.__annotations__ = {**{p.name: p.annotation for p in own}, **{p.name: p.annotation for p in added}}
        del wrapper.__wrapped__  # typer must see the new signature, not the command's
        return wrapper

    return decorate


def settings_from_namespace(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted settings from a notebook's parameters (its globals): every registry name that is not None."""
    return settings_from({name: namespace.get(name) for name in BY_NAME})


def notebook_parameters(groups: Iterable[str] = (CORPUS, MODEL, LABELS, COMPUTE)) -> str:
    """The report notebook's parameter lines for the registry (what tests/test_notebooks.py checks)."""
    lines = []
    for option in options(*groups):
        lines.append(f"{option.name} = None  # {option.description().splitlines()[0]}")
    return "\n".join(lines)


ConfigLike = Union[RunConfig, dict, str, Path, None]


def resolve_config(config: ConfigLike = None, **settings: Any) -> RunConfig:
    """A RunConfig from a RunConfig, a dict, a YAML path or None, updated by keyword settings.

    `settings` take the registry's option names (`text_col="body"`, `model="wordllama"`,
    `min_cluster_size=20`, see `topiclab.options`), sections as dicts (`umap={"n_neighbors": 10}`), top-level
    values (`seed=1`), or dotted keys through a dict (`**{"umap.n_neighbors": 10}`).
    """
    if isinstance(config, (str, Path)):
        base = RunConfig.from_yaml(config).to_dict()
    elif isinstance(config, RunConfig):
        base = config.to_dict()
    else:
        base = dict(config or {})
    named = {key: settings.pop(key) for key in list(settings) if key in BY_NAME and key not in RunConfig.model_fields}
    overrides: dict[str, Any] = settings_from(named)
    for key, value in settings.items():
        if isinstance(value, dict):
            overrides.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            overrides[key] = value
    return RunConfig.build(base, overrides)
