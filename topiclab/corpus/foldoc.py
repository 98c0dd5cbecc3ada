"""FOLDOC, the Free On-line Dictionary of Computing, as a labeled corpus: one document per sense.

Debian's package `dict-foldoc` (GFDL 1.1 or later) installs the dictionary in dictd format
(topiclab.corpus.dictd). Each sense of an entry starts with its editor's subject tag, such as
`<language>`, `<networking>` or `<operating system>`; the tag is the document's class. Tags that say
how a word is used rather than what it is about (jargon, humour, spelling, abuse) are left out, and
so are classes too small to score against.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional, Union

import pandas as pd

from topiclab.corpus.dictd import dictd_entries, dictd_files, keep_large_classes
from topiclab.errors import CorpusError

INSTALL_COMMAND = "sudo apt-get install dict-foldoc"
#: Tags about register, not subject; and Debian's own additions to the dictionary.
SKIPPED_TAGS = frozenset({"jargon", "humour", "spelling", "abuse", "debian"})
MIN_CLASS_SIZE = 20
MIN_WORDS = 5

_SENSE_START = re.compile(r"\n(?=[ \t]+\d+\.\s)")  # "   2. <language> ..." starts a new sense
_TAG = re.compile(r"^\s*(?:\d+\.\s+)?<([A-Za-z][^<>@\n]*)>\s*")
_CLEANUP = (
    (re.compile(r"\{([^{}()]*?)\s*\([^(){}]*\)\}"), r"\1"),  # {FTP site (ftp://...)} -> FTP site
    (re.compile(r"\{([^{}]*)\}"), r"\1"),  # {cross-reference} -> cross-reference
    (re.compile(r"[{}]"), ""),  # the few unbalanced braces of the source
    (re.compile(r"E-mail:[^\n]*"), ""),
    (re.compile(r"<[^<>\s]+@[^<>\s]+>"), ""),  # addresses
    (re.compile(r"\((?:https?|ftp)://[^)]*\)|(?:https?|ftp)://\S+"), ""),
    (re.compile(r"\(\d{4}-\d{2}-\d{2}\)"), ""),  # the date an entry was last changed
    (re.compile(r"\s+"), " "),
    (re.compile(r" ([.,;:])(?=\s|$)"), r"\1"),  # what was left around removed links
    (re.compile(r"\.(?: \.)+(?!\w)"), "."),
)


def foldoc_files(directory: Optional[Union[str, Path]] = None) -> tuple[Path, Path]:
    """The index and data files, or a CorpusError saying how to install them."""
    return dictd_files("foldoc", "FOLDOC", "dict-foldoc", directory)


def load_foldoc(directory: Optional[Union[str, Path]] = None, min_class_size: int = MIN_CLASS_SIZE) -> pd.DataFrame:
    """FOLDOC's senses as rows: `doc_id` (term#sense), `term`, `text` ("term: definition") and `label` (tag)."""
    index, data = foldoc_files(directory)
    rows = []
    for _, entry in dictd_entries(index, data):
        heading, _, body = entry.partition("\n\n")
        term = " / ".join(line.strip() for line in heading.splitlines() if line.strip())
        for number, sense in enumerate(_SENSE_START.split(body.strip("\n")), start=1):
            tag = _TAG.match(sense)
            if tag is None:
                continue
            label = tag.group(1).split(",")[0].strip().lower()
            definition = sense[tag.end():]
            for pattern, replacement in _CLEANUP:
                definition = pattern.sub(replacement, definition)
            definition = definition.strip()
            if label in SKIPPED_TAGS or len(definition.split()) < MIN_WORDS:
                continue
            rows.append({"doc_id": f"{term}#{number}", "term": term, "text": f"{term}: {definition}",
                         "label": label})
    frame = pd.DataFrame(rows, columns=["doc_id", "term", "text", "label"]).drop_duplicates("doc_id")
    frame = keep_large_classes(frame, min_class_size)
    if frame.empty:
        raise CorpusError(f"No tagged FOLDOC entries found in {data}; reinstall it (`{INSTALL_COMMAND}`).")
    return frame
