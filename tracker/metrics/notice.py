"""A deprecation or end-of-life notice in a project's README (docs/methodology.md, "Maintenance risk,
flags and maturity", flag `deprecation_notice`).

Maintainers who stop, or who keep a project alive for fixes only, say so in a banner at the top of
the README ("Gym will not be receiving any future updates", "Chainer is under the maintenance
phase"). Only the first `chars` characters are read (the README's start; notices further down are
rare, while text further down talks about deprecated *APIs*, archives to download and so on), and
only wording where the project speaks of itself counts:

* `STOPPED` (2): the project says it stopped: deprecated, archived, unmaintained, no longer
  maintained or developed, no future updates, development moved elsewhere.
* `MAINTENANCE` (1): the project says it is winding down but still fixed: maintenance mode or
  phase, no new features, bug or security fixes only; also a STOPPED sentence that, in the same
  sentence, still promises fixes ("It is now deprecated - we keep it running and welcome
  bug-fixes").
* 0: no such wording; None: no README known.

Pure: text in, (level, the sentence that said it) out. The README is repository text: it is only
matched, never rendered here, and the sentence quoted back is capped.
"""

from __future__ import annotations

import re

NONE, MAINTENANCE, STOPPED = 0, 1, 2
README_CHARS = 4000  # the README's start, where notices are put (about the first screen or two)
QUOTE_CHARS = 200

_SELF = r"(?:this|the)\s+(?:project|repo(?:sitory)?|library|package|code(?:base)?|module|tool|software|sdk|framework)"
_STOPPED = (
    r"\bno\s+longer\s+(?:actively\s+|being\s+)?(?:maintained|supported|developed|updated"
    r"|under\s+(?:active\s+)?development)\b",
    r"\bwill\s+(?:not|no\s+longer)\s+(?:be\s+)?receiv(?:e|ing)\s+(?:any\s+)?(?:further|future|more|new)\s+"
    r"(?:updates|development|maintenance|releases)\b",
    r"\b(?:is|are|has\s+been|have\s+been)\s+(?:now\s+)?(?:officially\s+)?(?:deprecated|archived|unmaintained"
    r"|discontinued|abandoned|sunset)\b",
    r"\b(?:not|un)\s*maintained\s+any\s*more\b",
    r"\bmoved\s+(?:all\s+)?(?:future\s+|further\s+|active\s+)?development\s+to\b",
    r"\bdevelopment\s+(?:has\s+)?(?:moved|stopped|ceased|ended)\b",
    r"\b(?:has\s+)?reached\s+(?:its\s+)?end[\s-]of[\s-]life\b",
)
_MAINTENANCE = (
    r"\bmaintenance[\s-](?:mode|phase|only)\b",
    r"\bno\s+longer\s+(?:adding|accepting|developing|working\s+on)\s+(?:any\s+)?new\s+features\b",
    r"\b(?:only|limited\s+to)\s+(?:critical\s+)?(?:bug[\s-]?fix(?:es)?|security\s+(?:fix(?:es)?|updates|patches))\b",
    r"\b(?:bug[\s-]?fix(?:es)?|security\s+(?:fix(?:es)?|updates|patches))\s+only\b",
)
# A STOPPED sentence that still promises care is a MAINTENANCE one.
_STILL_CARED_FOR = re.compile(
    r"\b(?:keep\s+it\s+running|welcome\s+bug[\s-]?fix|still\s+(?:accept|fix|respond|maintain|review|release)"
    r"|continue\s+to\s+(?:be\s+)?(?:maintain|fix|accept|release|respond)|security\s+(?:fix|update|patch|release)"
    r"|critical\s+(?:bug|fix))", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n[#=*-]")
_MARKUP = re.compile(r"<[^>\n]{0,400}>|!\[[^\]\n]*\]\([^)\n]*\)|[*_`>#|]+")


def _subject(name: str | None) -> str:
    """How a project speaks of itself: 'this project', 'the code', 'it', 'we', or its name ('Chainer
    is ...', 'The AllenNLP library is ...')."""
    names = [_SELF, r"(?:the\s+)?code", r"it", r"we", r"i"]
    if name and name.strip():
        # '_' first: the class put in for '-' holds a '_' that must stay as it is
        names.append(re.escape(name.strip()).replace("_", r"[\s_-]?").replace(r"\-", r"[\s_-]?"))
    return r"\b(?:" + "|".join(names) + r")\b"


def _sentences(text: str) -> list[str]:
    plain = _MARKUP.sub(" ", text)
    return [re.sub(r"\s+", " ", s).strip() for s in _SENTENCE_END.split(plain) if s and s.strip()]


def detect(text: str | None, name: str | None = None, chars: int = README_CHARS) -> tuple[int | None, str | None]:
    """(level, sentence) of the README `text` of the project called `name` (its repository name):
    STOPPED, MAINTENANCE or NONE with the sentence that said it (capped), None when no text."""
    if text is None:
        return None, None
    # Only wording with the project (or its people) as the subject, at most 80 characters before.
    subject = _subject(name) + r"[^.!?]{0,80}?"
    stopped = [re.compile(subject + p, re.I) for p in _STOPPED]
    maintenance = [re.compile(subject + p, re.I) for p in _MAINTENANCE]
    best: tuple[int, str | None] = (NONE, None)
    for sentence in _sentences(text[:chars]):
        if any(p.search(sentence) for p in stopped):
            if _STILL_CARED_FOR.search(sentence):
                if best[0] < MAINTENANCE:
                    best = (MAINTENANCE, sentence)
                continue
            return STOPPED, _quote(sentence)
        if best[0] < MAINTENANCE and any(p.search(sentence) for p in maintenance):
            best = (MAINTENANCE, sentence)
    return best[0], _quote(best[1]) if best[1] is not None else None


def _quote(sentence: str) -> str:
    return sentence if len(sentence) <= QUOTE_CHARS else sentence[:QUOTE_CHARS - 1].rstrip() + "…"
