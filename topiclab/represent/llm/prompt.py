"""The label prompts: few-shot templates filled with keywords and documents cut to a token budget,
and the cleaning that turns a model's answer into one short label (or None when it is unusable).

The built-in templates are raw completion prompts ending in `Label:`/`Topic:`: small local models such
as SmolLM2-135M write sensible labels only this way, and chat models answer them just as well.
`KEYWORDS_TEMPLATE` is the last resort for a topic whose other prompts got no usable answer: other
examples and other wording, so that a greedy model does not repeat itself.
"""

from __future__ import annotations

import math
import re
from typing import Callable, Optional

DEFAULT_TEMPLATE = """Each topic below is described by its keywords and a few example documents. \
Write a short label of two to four words that names what the topic is about.

Topic keywords: flour, oven, butter, bake, sugar, dough, recipe, cake, yeast, minutes
Documents:
- Let the dough rest for an hour before you bake it. The recipe says 180 degrees but my oven runs hot ...
- Re: cake too dry? > This cake needs less sugar than you think. Use butter, not margarine ...
Label: Baking recipes

Topic keywords: wedding, guests, venue, dress, ceremony, bride, reception, invitations, photographer, budget
Documents:
- We invited 120 guests but the venue only seats 100 for the reception ...
- How early should the invitations go out? The ceremony is in June ...
Label: Wedding planning

Topic keywords: tomatoes, garden, plants, soil, seeds, water, grow, leaves, compost, spring
Documents:
- My tomato plants have yellow leaves at the bottom. Too much water? ...
- Started my seeds indoors in March, planting out after the last frost ...
Label: Vegetable gardening

Topic keywords: {keywords}
Documents:
{documents}
Label:"""

KEYWORDS_TEMPLATE = """Name the subject of each list of keywords in two to four words.

Keywords: engine, car, oil, miles, tires, brakes, dealer, mechanic, transmission, warranty
Topic: Car maintenance

Keywords: vote, election, party, campaign, candidate, polls, senate, voters, debate, ballot
Topic: Elections

Keywords: patients, doctor, treatment, symptoms, disease, drug, hospital, pain, diagnosis, medicine
Topic: Medical treatment

Keywords: {keywords}
Topic:"""

MAX_LABEL_WORDS = 8
MAX_LABEL_CHARS = 80
_PREFIX = re.compile(r"^(?:the\s+)?(?:topic\s+)?(?:label|topic|title|name|answer)\b(?:\s+is\b\s*|\s*[:=\-–—]\s*)",
                     re.IGNORECASE)
_BULLET = re.compile(r"^(?:[#>*\-•]+|\d+[.)])\s*")
_EXPLANATION = re.compile(r"\s+[-–—(]\s*|:\s+|;\s+|(?<!\bvs)\.\s+|,\s+(?:which|because|as|since)\b",
                          re.IGNORECASE)
_QUOTES = "\"'`“”‘’*_«»"
_NOT_LABELS = {"label", "topic", "keywords", "documents", "none", "n/a", "unknown", "title"}


def approx_tokens(text: str) -> int:
    """About four characters a token in English: the budget for endpoints whose tokenizer we lack."""
    return math.ceil(len(text) / 4)


def build_prompt(template: str, keywords: list[str], documents: list[str], max_tokens: int,
                 count_tokens: Callable[[str], int] = approx_tokens) -> str:
    """Fill `template`; documents share what the rest leaves of `max_tokens`, cut at word boundaries."""
    budget = max_tokens - count_tokens(_fill(template, keywords, ""))
    lines: list[str] = []
    for i, document in enumerate(documents):
        line = _truncate("- " + " ".join(document.split()), budget // (len(documents) - i), count_tokens)
        if not line:
            break
        lines.append(line)
        budget -= count_tokens(line) + 1
    return _fill(template, keywords, "\n".join(lines))


def clean_label(answer: str) -> Optional[str]:
    """The first line of `answer` without quotes, a `Label:` prefix or a trailing explanation; None if unusable."""
    line = next((part.strip() for part in answer.splitlines() if part.strip(" \t*#-")), "")
    line = _BULLET.sub("", line).strip(_QUOTES + " ")
    while _PREFIX.match(line):
        line = _PREFIX.sub("", line, count=1).strip(_QUOTES + " ")
    line = _EXPLANATION.split(line, maxsplit=1)[0]
    line = " ".join(line.strip(_QUOTES + " .,;:!?").split())
    usable = (line and any(c.isalpha() for c in line) and len(line.split()) <= MAX_LABEL_WORDS
              and len(line) <= MAX_LABEL_CHARS and line.count(",") < 2  # a list of keywords is no label
              and "{" not in line and line.lower() not in _NOT_LABELS)
    return line if usable else None


def first_line_done(text: str) -> bool:
    """Whether `text` holds a line with content followed by a line break: where a label's answer ends.

    A leading line break does not end it: some models start their answer on a new line.
    """
    lines = text.split("\n")
    return any(line.strip(" \t*#-") for line in lines[:-1])


def _fill(template: str, keywords: list[str], documents: str) -> str:
    return template.replace("{keywords}", ", ".join(keywords)).replace("{documents}", documents)


def _truncate(text: str, max_tokens: int, count_tokens: Callable[[str], int]) -> str:
    """The longest word prefix of `text` (marked `...` when cut) within `max_tokens`; '' if not even a word fits."""
    if count_tokens(text) <= max_tokens:
        return text
    words = text.split(" ")
    low, high = 1, len(words) - 1  # words[0] is the bullet: a prefix of one word holds no text
    while low < high:
        middle = (low + high + 1) // 2
        if count_tokens(" ".join(words[:middle]) + " ...") <= max_tokens:
            low = middle
        else:
            high = middle - 1
    kept = " ".join(words[:low]) + " ..."
    return kept if low > 1 and count_tokens(kept) <= max_tokens else ""
