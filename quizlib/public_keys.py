"""Which questions have a public key: the refusal rule of ``quizlib form`` and ``quizlib serve publish``.

Practice banks are rendered in the book, keys and all (by design: students check
themselves). Graded work must draw only from secure pools. A question's key is
public when:

- its bank is not marked ``secure: true`` (a practice bank: the book prints it), or
- it repeats a practice question: the same prompt (compared as short answers are:
  case, spacing and punctuation aside), so copying a practice question into a pool
  does not hide its key.

Publishing or drawing such a question is refused unless the instructor passes
``--allow-public-keys``; then each one is warned about by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .models import Bank
from .normalize import normalize_text


@dataclass(frozen=True)
class PublicKey:
    gid: str
    """The question's global id ``<bank>/<question>``."""
    reason: str

    def __str__(self) -> str:
        return f"{self.gid}: {self.reason}"


def public_keys(banks: Iterable[Bank], practice: Iterable[Bank] = ()) -> list[PublicKey]:
    """Every question of ``banks`` whose key is public, in bank order; ``practice`` are the course's practice banks."""
    printed: dict[str, str] = {}
    for bank in practice:
        if not bank.secure:
            for q in bank.questions:
                printed.setdefault(normalize_text(q.prompt), bank.global_id(q))
    found = []
    for bank in banks:
        for q in bank.questions:
            gid = bank.global_id(q)
            if not bank.secure:
                found.append(PublicKey(gid, f"practice bank (no 'secure: true'): the book shows its key on {bank.page}"))
            elif normalize_text(q.prompt) in printed:
                found.append(PublicKey(gid, f"same prompt as practice question {printed[normalize_text(q.prompt)]}, "
                                            "whose key the book shows"))
    return found


def refusal(found: list[PublicKey], flag: str = "--allow-public-keys") -> str:
    """The one-line reason a command gives for refusing ``found``."""
    first = found[0]
    more = f" and {len(found) - 1} more" if len(found) > 1 else ""
    return (f"{len(found)} question(s) have a public key ({first}{more}): draw graded work from a secure pool "
            f"(pools/, banks with 'secure: true'), or pass {flag} to use them anyway")
