"""``quizlib serve`` from an instructor's shell (issue 13's service items).

- ``quizlib serve --help`` printed raw Sphinx markup (````literal````, ``:mod:``);
- ``quizlib serve token STUDENT --book-url URL`` was refused (the option was only
  accepted before the action), and the link it printed led to a page without the quiz;
- book URLs written without the built site's ``book/`` folder led nowhere, silently;
- an instructor had no way to open the reports in a browser (``view-link``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from quizlib.cli import main as cli
from quizlib.server.app import create_app
from quizlib.server.book_links import check_book_url
from quizlib.server.settings import Settings
from tests.fixtures.server.harness import SECRET_BANK

MARKUP = re.compile(r"``|:(?:mod|func|class|meth|data|attr):`")


@pytest.mark.parametrize("action", [None, "roster", "publish", "gradebook", "items", "token", "revoke", "view-link"])
def test_help_is_plain_text(action: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli(["serve", "--help"] if action is None else ["serve", action, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: quizlib serve")
    assert not MARKUP.search(out), MARKUP.search(out)


@pytest.fixture
def db_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns1,Ann\n", encoding="utf-8")
    assert cli(["serve", "--db", url, "roster", str(roster)]) == 0
    assert cli(["serve", "publish", str(SECRET_BANK), "--id", "quiz", "--db", url]) == 0
    capsys.readouterr()
    return url


def test_token_takes_the_book_url_before_or_after_the_action(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    page = "https://course.example.org/book/graded.html"
    for argv in (["serve", "token", "s1", "--db", db_url, "--book-url", page],
                 ["serve", "--book-url", page, "token", "s1", "--db", db_url]):
        assert cli(argv) == 0
        link = capsys.readouterr().out.strip()
        assert re.fullmatch(re.escape(page) + r"#token=[\w-]{40,}", link), link
    # Without a book URL the link opens this server's sign-in page, which lists the quizzes with links to them.
    assert cli(["serve", "token", "s1", "--db", db_url, "--public-url", "https://quiz.example.org"]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://quiz.example.org/signin#token=")


def test_view_link_opens_the_report_without_a_header(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["serve", "view-link", "quiz", "--db", db_url, "--minutes", "5", "--public-url", "https://q.example.org"]) == 0
    captured = capsys.readouterr()
    url = captured.out.strip()
    assert url.startswith("https://q.example.org/view/quiz/report.html?token=") and "valid until" in captured.err
    app = create_app(Settings(database_url=db_url))
    with TestClient(app) as client:
        r = client.get(url.removeprefix("https://q.example.org"))
        assert r.status_code == 200 and "Secret keys bank" in r.text
    app.state.db.dispose()
    assert cli(["serve", "view-link", "nope", "--db", db_url]) == 1
    assert "no quiz 'nope'" in capsys.readouterr().err


def test_book_urls_are_checked_against_the_built_site(tmp_path: Path) -> None:
    built = tmp_path / "_build" / "html"
    (built / "book" / "03-instruments").mkdir(parents=True)
    (built / "book" / "03-instruments" / "01-attaches.html").write_text("<p>practice only</p>")
    (built / "book" / "graded.html").write_text('<section class="qz-g" data-quiz="q"></section>')
    assert check_book_url("https://course.example.org/book/graded.html", built) == []
    assert check_book_url("https://example.org/course/book/graded.html", built) == []  # site under a sub-path
    [missing] = check_book_url("https://course.example.org/03-instruments/01-attaches.html", built)
    assert "pages live under book/" in missing and "book/graded.html" in missing
    [no_quiz] = check_book_url("https://course.example.org/book/03-instruments/01-attaches.html", built)
    assert "holds no graded quiz" in no_quiz
    assert check_book_url("course.example.org/book/graded.html", built)  # not an address
    assert check_book_url("https://course.example.org/anything.html", tmp_path / "absent") == []  # nothing to check


def test_the_cli_warns_when_a_book_url_leads_nowhere(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    shutil.copytree(Path(__file__).resolve().parent / "fixtures" / "lint" / "book", site / "_build" / "html" / "book")
    monkeypatch.chdir(site)
    assert cli(["serve", "token", "s1", "--db", db_url, "--book-url", "https://course.example.org/01-alpha/01-first.html"]) == 0
    assert "pages live under book/" in capsys.readouterr().err
