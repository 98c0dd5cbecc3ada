"""`topiclab label` and `topiclab set-label`: relabel a saved run without refitting, or name a topic by hand."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from topiclab.aspects import ASPECTS, KEYWORDS
from topiclab.cli.common import RunArgument, app, friendly_errors, note_ignored_settings, printable


@app.command()
@friendly_errors
def label(
    run_dir: Path = RunArgument,
    llm: Optional[str] = typer.Option(None, help="Add LLM labels: 'local' (packaged SmolLM2, offline), a .gguf file, "
                                                 "'transformers' (a transformers model, with --llm-model), or "
                                                 "'openai' for any OpenAI-compatible endpoint (with --base-url, "
                                                 "--llm-model)."),
    llm_model: Optional[str] = typer.Option(None, help="openai: the model name, e.g. gpt-4o-mini or llama3.2; "
                                                       "transformers: a model folder, a .gguf file or a hub name "
                                                       "(default: the packaged SmolLM2)."),
    base_url: Optional[str] = typer.Option(None, help="openai: the endpoint, e.g. https://api.openai.com/v1 or "
                                                      "http://127.0.0.1:11434/v1 (Ollama)."),
    api_key_env: Optional[str] = typer.Option(None, help="openai: the NAME of the environment variable holding the "
                                                         "key, e.g. OPENAI_API_KEY. The key is never saved."),
    api: Optional[str] = typer.Option(None, help="openai: 'chat' (default) or 'completions'."),
    prompt_file: Optional[Path] = typer.Option(None, exists=True, dir_okay=False,
                                               help="Prompt template with {keywords} and {documents}."),
    aspects: Optional[str] = typer.Option(None, help=f"Comma-separated aspects, replacing the run's: "
                                                     f"{', '.join(ASPECTS)}. c-TF-IDF words are always kept."),
    display: Optional[str] = typer.Option(None, help=f"The aspect shown as each label: {KEYWORDS}, "
                                                     f"{', '.join(ASPECTS)} (default: names, else llm, when present)."),
    mmr_diversity: Optional[float] = typer.Option(None, help="0 (relevant words) to 1 (diverse words)."),
    keep_manual: bool = typer.Option(True, "--keep-manual/--drop-manual", help="Keep labels set with set-label."),
    settings: Optional[List[str]] = typer.Option(None, "--set", help="Any labels setting as key=value, e.g. "
                                                                     "--set llm.concurrency=8. Repeatable."),
) -> None:
    """Recompute a saved run's topic labels (names, KeyBERT, MMR, LLM) without refitting, and save it in place.

    Only prompts that changed reach the model: earlier answers come from the label cache.
    """
    from topiclab.cli.common import overrides_from
    from topiclab.represent import relabel
    from topiclab.results import load_run

    run = load_run(run_dir)
    note_ignored_settings(run)
    chosen = aspects.split(",") if aspects is not None else list(run.config.labels.aspects)
    if llm is not None and "llm" not in chosen:
        chosen.append("llm")
    overrides = overrides_from({
        "aspects": [a.strip() for a in chosen if a.strip()], "display": display, "mmr_diversity": mmr_diversity,
        "llm.model": llm_model, "llm.base_url": base_url, "llm.api_key_env": api_key_env, "llm.api": api,
        "llm.prompt": prompt_file.read_text(encoding="utf-8") if prompt_file else None,
    }, settings)
    if llm is not None:  # 'local' with no --llm-model means the packaged SmolLM2, whatever the run used before
        overrides["llm.backend"] = llm if llm in ("openai", "transformers") else "local"
        overrides["llm.model"] = llm_model if llm in ("openai", "local", "transformers") else llm
    run = relabel(run, {key.removeprefix("labels."): value for key, value in overrides.items()},
                  keep_manual=keep_manual)
    print_labels(run)


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
