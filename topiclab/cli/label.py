"""`topiclab label` and `topiclab set-label`: relabel a saved run without refitting, or name a topic by hand."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from topiclab.aspects import ASPECTS, KEYWORDS
from topiclab.cli.common import RunArgument, app, friendly_errors, note_ignored_settings, overrides_from, printable
from topiclab.options import LABELS, with_options


@app.command()
@friendly_errors
@with_options(LABELS)
def label(
    run_dir: Path = RunArgument,
    api: Optional[str] = typer.Option(None, help="openai: 'chat' (default) or 'completions'."),
    prompt_file: Optional[Path] = typer.Option(None, exists=True, dir_okay=False,
                                               help="Prompt template with {keywords} and {documents}."),
    display: Optional[str] = typer.Option(None, help=f"The aspect shown as each label: {KEYWORDS}, "
                                                     f"{', '.join(ASPECTS)} (default: names, else llm, when present)."),
    mmr_diversity: Optional[float] = typer.Option(None, help="0 (relevant words) to 1 (diverse words)."),
    keep_manual: bool = typer.Option(True, "--keep-manual/--drop-manual", help="Keep labels set with set-label."),
    settings: Optional[List[str]] = typer.Option(None, "--set", help="Any labels setting as key=value, e.g. "
                                                                     "--set llm.concurrency=8. Repeatable."),
    llm: Optional[str] = typer.Option(None, "--llm", hidden=True, help="Deprecated: --llm-backend."),
    base_url: Optional[str] = typer.Option(None, "--base-url", hidden=True, help="Deprecated: --llm-base-url."),
    api_key_env: Optional[str] = typer.Option(None, "--api-key-env", hidden=True,
                                              help="Deprecated: --llm-api-key-env."),
    given_settings: dict = None,
) -> None:
    """Recompute a saved run's topic labels (names, KeyBERT, MMR, LLM) without refitting, and save it in place.

    --aspects replaces the run's aspects (c-TF-IDF words are always kept); --llm-backend adds LLM labels.
    Only prompts that changed reach the model: earlier answers come from the label cache.
    """
    from topiclab.results import load_run
    from topiclab.workflow import relabel

    run = load_run(run_dir)
    note_ignored_settings(run)
    given = {key.removeprefix("labels."): value
             for key, value in {**_old_llm_flags(llm, base_url, api_key_env), **given_settings}.items()}
    aspects = given.pop("aspects", None)
    chosen = aspects.split(",") if aspects is not None else list(run.config.labels.aspects)
    if "llm.backend" in given and "llm" not in chosen:
        chosen.append("llm")
    overrides = overrides_from({
        **given, "aspects": [a.strip() for a in chosen if a.strip()], "display": display,
        "mmr_diversity": mmr_diversity, "llm.api": api,
        "llm.prompt": prompt_file.read_text(encoding="utf-8") if prompt_file else None,
    }, settings)
    run = relabel(run, overrides, keep_manual=keep_manual)
    print_labels(run)


def _old_llm_flags(llm: Optional[str], base_url: Optional[str], api_key_env: Optional[str]) -> dict:
    """The settings meant by the flags `label` took before it shared fit's (--llm, --base-url, --api-key-env),
    with a note; `--llm` also took a .gguf file, which is the local backend's model."""
    old = {key: value for key, value in (("labels.llm.base_url", base_url), ("labels.llm.api_key_env", api_key_env))
           if value is not None}
    if llm is not None:
        backend = llm if llm in ("local", "transformers", "openai") else "local"
        old.update({"labels.llm.backend": backend, **({} if backend == llm else {"labels.llm.model": llm})})
    if old:
        typer.secho("Note: --llm, --base-url and --api-key-env are deprecated; use --llm-backend, --llm-model, "
                    "--llm-base-url and --llm-api-key-env, as `topiclab fit` does.", fg=typer.colors.YELLOW, err=True)
    return old


@app.command("set-label")
@friendly_errors
def set_label(
    run_dir: Path = RunArgument,
    topic: int = typer.Argument(..., help="The topic's number, as in topics.csv."),
    text: str = typer.Argument(..., help="The new label; it survives later `topiclab label` runs."),
) -> None:
    """Set one topic's label by hand and save the run."""
    from topiclab.errors import RunError
    from topiclab.results import load_run

    run = load_run(run_dir)
    if topic not in run.topic_labels:
        raise RunError(f"{run_dir} has no topic {topic}; its topics are {sorted(run.topic_labels)}.")
    run.set_label(topic, text)
    run.save()
    typer.echo(f"Topic {topic} of {printable(run.path)} is now labelled '{printable(text)}'.")


def print_labels(run) -> None:
    typer.echo(f"Relabelled {printable(run.path)}")
    report = run.manifest.get("labels", {})
    named = "name_source" in run.topics
    for _, row in run.topics.iterrows():
        how = f"  ({row['name_source']}, margin {row['name_margin']:.2f})" if named and row["topic"] != -1 \
            and row["name_source"] != "hand" else ""
        typer.echo(f"  {row['size']:>6,}  {printable(row['label'])}{how}")
    llm = report.get("llm")
    if llm:
        typer.echo(f"LLM labels for {llm['n_labelled']} of {llm['n_topics']} topics: {llm['n_generated']} answers "
                   f"from the model, {llm['n_cached']} from the cache, {llm['n_unusable']} unusable.")
        for topic, reason in llm["fallbacks"].items():
            typer.echo(f"  topic {topic} keeps its keyword label: {printable(reason)}", err=True)
