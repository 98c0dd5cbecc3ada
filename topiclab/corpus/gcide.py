"""GCIDE, the GNU Collaborative International Dictionary of English, as a labeled corpus: one document per sense.

Debian's package `dict-gcide` (GPL 2 or later) installs the dictionary in dictd format (topiclab.corpus.dictd).
It is Webster's 1913 dictionary with later additions, whose editors marked a sense that belongs to a
field of knowledge with the field's abbreviation in parentheses: `(Zool.)`, `(Naut.)`, `(Her.)` ... The
field is the document's class, written out (FIELDS; spellings of one field merged, and the law of any
country or age is law). Labels that say how a word is used rather than what it is about (Obs., Colloq.,
Fig., Prov. Eng. ...) are not fields and their senses are left out, and so are classes too small to
score against. A label at the end of an entry's heading applies to every sense that has none of its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Iterator, Optional, Union

import pandas as pd

from topiclab.corpus.dictd import dictd_entries, dictd_files, keep_large_classes
from topiclab.errors import CorpusError

INSTALL_COMMAND = "sudo apt-get install dict-gcide"
MIN_CLASS_SIZE = 30
MIN_WORDS = 5

#: Each field's name (the class) and the labels the dictionary writes for it.
FIELDS = {
    "zoology": ("Zool.", 'Zo["o]l.', "Zool", "zool."), "botany": ("Bot.", "Bot", "bot.", "Botany"),
    "chemistry": ("Chem.", "Old Chem.", "Org. Chem."), "medicine": ("Med.", "Med"), "anatomy": ("Anat.",),
    "law": ("Law", "Law.", "O. Eng. Law", "Old Eng. Law", "O.Eng.Law", "O.Eng. Law", "Old Law", "Eng. Law",
            "Scots Law", "Civil Law", "Civ. Law", "Feudal Law", "Feud. Law", "Rom. Law", "Eccl. Law",
            "Eng. Eccl. Law", "Mar. Law", "Internat. Law", "Canon Law", "Crim. Law", "Eng. Forest Law"),
    "nautical": ("Naut.", "Naut"), "mineralogy": ("Min.",), "biology": ("Biol.", "Biology"),
    "music": ("Mus.", "Music"), "architecture": ("Arch.", "Arch", "Architecture"), "physiology": ("Physiol.",),
    "military": ("Mil.",), "physics": ("Physics", "Physics.", "Phys."), "geology": ("Geol.",),
    "heraldry": ("Her.",), "mathematics": ("Math.",), "astronomy": ("Astron.",),
    "mining": ("Mining", "Mining.", "Coal Mining"), "paleontology": ("Paleon.",), "geometry": ("Geom.",),
    "grammar": ("Gram.", "Grammar"), "church": ("Eccl.",), "electricity": ("Elec.", "Electricity"),
    "machinery": ("Mach.",), "biochemistry": ("Physiol. Chem.", "Biochem.", "Biochemistry"),
    "surgery": ("Surg.",), "mechanics": ("Mech.",), "printing": ("Print.", "Printing", "Typog."),
    "church history": ("Eccl. Hist.",), "ethnology": ("Ethnol.",), "rhetoric": ("Rhet.",),
    "computers": ("Computers", "computers"), "Roman Catholic Church": ("R. C. Ch.", "R.C.Ch."),
    "fortification": ("Fort.",), "logic": ("Logic",), "crystallography": ("Crystallog.",),
    "farriery": ("Far.",), "cookery": ("Cookery",), "commerce": ("Com.", "Commerce"),
    "Roman antiquities": ("Rom. Antiq.",), "theology": ("Theol.",), "metallurgy": ("Metal.", "Metallurgy", "Metal"),
    "fine arts": ("Fine Arts",), "photography": ("Photog.",), "Greek antiquities": ("Gr. Antiq.",),
    "metaphysics": ("Metaph.",), "optics": ("Opt.", "Optics"), "baseball": ("Baseball",), "carpentry": ("Carp.",),
    "geography": ("Geography", "Geog."), "shipbuilding": ("Shipbuilding",), "prosody": ("Pros.",),
    "card games": ("Card Playing",), "classical mythology": ("Class. Myth.", "Class Myth."),
    "painting": ("Paint.", "Painting"), "aeronautics": ('A["e]ronautics', "Aeronautics", "Aviation"),
    "phonetics": ("Phon.", "Phonetics"), "agriculture": ("Agric.",), "natural history": ("Nat. Hist.",),
    "golf": ("Golf",), "gunnery": ("Gun.", "Gunnery"), "astrology": ("Astrol.",), "football": ("Football",),
    "founding": ("Founding", "Type Founding"), "masonry": ("Masonry",), "horsemanship": ("Man.",),
    "philosophy": ("Philos.", "Philosophy"), "engineering": ("Engin.", "Engineering"), "mythology": ("Myth.",),
    "scripture": ("Script.",), "meteorology": ("Meteor.", "Meteorol."), "cricket": ("Cricket",),
    "finance": ("Finance",), "falconry": ("Falconry",), "antiquities": ("Antiq.",),
    "pharmacy": ("Pharm.", "Pharmacy"), "horticulture": ("Hort.",), "weaving": ("Weaving",),
    "railroads": ("Railroad", "Railroads"), "algebra": ("Alg.",), "linguistics": ("Linguistics",),
    "physical geography": ("Phys. Geog.",), "electronics": ("Electronics",), "steam engines": ("Steam Engine",),
    "English history": ("Eng. Hist.",), "arithmetic": ("Arith.",), "sports": ("Sports", "Sport", "Sporting"),
    "psychology": ("Psychol.", "Psychology"), "philology": ("Philol.",), "Greek mythology": ("Gr. Myth.",
                                                                                           "Greek Myth."),
}
_FIELD_OF = {label: field for field, labels in FIELDS.items() for label in labels}

_SENSE_START = re.compile(r"^[ \t]+\d+\.\s")  # "   2. (Naut.) ..." starts a new sense
#: An optional sense number and etymology (which may hold [codes]), then the label in parentheses, if any, and any
#: more parentheses before the definition: a second label, (a) ...
_SENSE_LABEL = re.compile(r"^\s*(?:\d+\.\s+)?(?:\[(?:[^\[\]]|\[[^\[\]]*\])*\]\s*)?(?:\(([^()]+)\)[\s,.]*)?"
                          r"(?:\([^()]*\)[\s,.]*)*")
_HEADING_LABEL = re.compile(r"\(([^()]+)\)\s*$")
_SYMBOLS = {"deg": "°", "sect": "§", "root": "√", "eth": "ð", "thorn": "þ", "sharp": "♯", "flat": "♭",
            "natural": "♮", "imac": "i", "aum": "a", "dagger": "†"}
_CLEANUP = (
    (re.compile(r"(?:\s--)?\s*\{[^{}]*[*\"`][^{}]*\}.*", re.DOTALL), ""),  # words derived from it: -- {Ab*sent"ly}, adv.
    (re.compile(r"\{([^{}]*)\}"), r"\1"),  # {cross-reference} -> cross-reference
    (re.compile(r"\[[\"'`^~=.,-]?([A-Za-z]{1,2})\^?\]"), r"\1"),  # a letter with a diacritic: Zo["o]l. -> Zool.
    (re.compile(r"\[([A-Za-z]+)\]"), lambda match: _symbol(match.group(1)) or match.group(0)),
    (re.compile(r"\[[^\[\]]*\]"), ""),  # [Obs.], [R.], [Written also ...], [PJC] and codes without a symbol
    (re.compile(r"[\[\]{}]"), ""),  # the few brackets left open where a definition was cut
    (re.compile(r"\s+"), " "),
    (re.compile(r"--[A-Z][^\s;,]*(?: (?:[A-Z]|[ivxlc]+\.|\d)[^\s;,]*)*"), ""),  # --Shak., --J. H. Walsh.
    (re.compile(r"\((?:[a-z]\.?|\s*\?\s*)\) ?|(?<= )\?(?=[ ,;.)])"), ""),  # (a), (b) and ? (a letter it cannot show)
    (re.compile(r"\s+"), " "),
    (re.compile(r" ([.,;:])(?=\s|$)"), r"\1"),
)


def _symbol(name: str) -> Optional[str]:
    """The character a code such as [deg] or [alpha] stands for, or None."""
    if name in _SYMBOLS:
        return _SYMBOLS[name]
    try:
        return unicodedata.lookup(f"GREEK {'CAPITAL' if name[0].isupper() else 'SMALL'} LETTER {name}")
    except KeyError:
        return None


def _clean(text: str) -> str:
    for pattern, replacement in _CLEANUP:
        text = pattern.sub(replacement, text)
    return text.strip()


def _homographs(entry: str) -> Iterator[tuple[str, list[str]]]:
    """(heading, body lines) for each word of an entry. A heading starts in column 0 and takes in the next lines
    while its etymology's brackets are open, or they too start in column 0 or with a bracket; the body is indented."""
    lines, i = entry.split("\n"), 0
    while i < len(lines):
        if not lines[i] or lines[i][0].isspace():
            i += 1
            continue
        heading, depth = [], 0
        while i < len(lines) and lines[i] and (not heading or depth > 0 or not lines[i][0].isspace()
                                               or lines[i].lstrip().startswith("[")):
            heading.append(lines[i].strip())
            depth += sum(lines[i].count(c) for c in "[(") - sum(lines[i].count(c) for c in "])")
            i += 1
        body = []
        while i < len(lines) and (not lines[i] or lines[i][0].isspace()):
            body.append(lines[i])
            i += 1
        yield " ".join(heading), body


def _senses(body: list[str]) -> Iterator[str]:
    """Each sense's definition: the body's first paragraph and every numbered one, cut at its first [source]."""
    paragraphs = "\n".join(body).strip("\n").split("\n\n")
    for number, paragraph in enumerate(paragraphs):
        if number == 0 or _SENSE_START.match(paragraph):
            lines = paragraph.split("\n")
            cut = next((k for k, line in enumerate(lines) if k and line.lstrip().startswith("[")), len(lines))
            yield "\n".join(lines[:cut])


def _senses_of(entry: str) -> Iterator[tuple[str, Optional[str], str]]:
    """(term, field or None, definition) for each sense of a dictd entry."""
    for heading, body in _homographs(entry):
        term = _clean(re.sub(r"[*\"`]", "", heading.split("\\")[0]))
        field = _HEADING_LABEL.search(heading)
        for sense in _senses(body):
            label = _SENSE_LABEL.match(sense)
            yield term, _FIELD_OF.get(label.group(1) or (field.group(1) if field else "")), _clean(sense[label.end():])


def load_gcide(directory: Optional[Union[str, Path]] = None, min_class_size: int = MIN_CLASS_SIZE,
               sample: Optional[int] = None, seed: int = 0) -> pd.DataFrame:
    """GCIDE's field-labeled senses as rows: `doc_id` (term#sense), `term`, `text` ("term: definition") and
    `label` (the field); with `sample`, a seeded sample of that many, taken before small classes are dropped."""
    index, data = dictd_files("gcide", "GCIDE", "dict-gcide", directory)
    rows, numbers = [], Counter()
    for _, entry in dictd_entries(index, data):
        for term, field, definition in _senses_of(entry):
            numbers[term] += 1  # a term's senses are numbered through all its entries and homographs
            if field is not None and len(definition.split()) >= MIN_WORDS:
                rows.append({"doc_id": f"{term}#{numbers[term]}", "term": term, "text": f"{term}: {definition}",
                             "label": field})
    frame = pd.DataFrame(rows, columns=["doc_id", "term", "text", "label"])
    if sample is not None and len(frame) > sample:
        frame = frame.sample(n=sample, random_state=seed)
    frame = keep_large_classes(frame, min_class_size)
    if frame.empty:
        raise CorpusError(f"No field-labeled GCIDE senses found in {data}; reinstall it (`{INSTALL_COMMAND}`).")
    return frame
