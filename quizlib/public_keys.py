"""Which questions have a public key: the refusal rule of ``quizlib form`` and ``quizlib serve publish``.

Practice banks are rendered in the book, keys and all (by design: students check
themselves). Graded work must draw only from secure pools. A question's key is
public when:

- its bank is not marked ``secure: true`` (a practice bank: the book prints it), or
- its file lies in the practice banks' folder, which is public, whatever the bank says; or
- it repeats a practice question: the same prompt (compared as short answers are:
  case, spacing and punctuation aside), so copying a practice question into a pool
  does not hide its key.

Publishing or drawing such a question is refused unless the instructor passes
``--allow-public-keys``; then each one is warned about by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
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


def public_keys(banks: Iterable[Bank | tuple[Path | None, Bank]], practice: Iterable[Bank] = (),
                practice_folder: Path | None = None, only: set[str] | None = None) -> list[PublicKey]:
    """Every question of ``banks`` whose key is public, in bank order.

    ``banks`` are banks, or (file, bank) pairs when the files are known; ``practice``
    are the course's practice banks and ``practice_folder`` their folder; ``only``
    limits the answer to these global ids (the questions actually drawn).
    """
    printed: dict[str, str] = {}
    for bank in practice:
        if not bank.secure:
            for q in bank.questions:
                printed.setdefault(normalize_text(q.prompt), bank.global_id(q))
    found = []
    for item in banks:
        file, bank = item if isinstance(item, tuple) else (None, item)
        exposed = file is not None and practice_folder is not None and _inside(file, practice_folder)
        for q in bank.questions:
            gid = bank.global_id(q)
            if only is not None and gid not in only:
                continue
            if not bank.secure:
                found.append(PublicKey(gid, f"practice bank (no 'secure: true'): the book shows its key on {bank.page}"))
            elif exposed:
                found.append(PublicKey(gid, f"its file {file} is in the practice banks' folder, which is public"))
            elif normalize_text(q.prompt) in printed:
                found.append(PublicKey(gid, f"same prompt as practice question {printed[normalize_text(q.prompt)]}, "
                                            "whose key the book shows"))
    return found


def _inside(file: Path, folder: Path) -> bool:
    try:
        Path(file).resolve().relative_to(Path(folder).resolve())
        return True
    except ValueError:
        return False


def refusal(found: list[PublicKey], flag: str = "--allow-public-keys") -> str:
    """The one-line reason a command gives for refusing ``found``."""
    first = found[0]
    more = f" and {len(found) - 1} more" if len(found) > 1 else ""
    return (f"{len(found)} question(s) have a public key ({first}{more}): draw graded work from a secure pool "
            f"(pools/, banks with 'secure: true'), or pass {flag} to use them anyway")
