"""docs/security.md "Figures" stays runnable: every command in its table names files that
exist, an on-demand pytest command selects slow tests, a CI one runs in the default run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _rows() -> list[list[str]]:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    section = text.split("\n## Figures\n", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows[1:]]


def test_every_figure_has_a_command_that_names_real_files() -> None:
    rows = _rows()
    assert len(rows) >= 11
    for figure, value, command, where in rows:
        assert where in ("CI", "on demand"), figure
        assert value, figure
        paths = re.findall(r"(?:tests|scripts)/[\w/.-]+\.(?:py|sh)", command)
        assert paths, f"{figure}: no test or script in {command!r}"
        for path in paths:
            assert (ROOT / path).exists(), f"{figure}: {path} does not exist"
            if "pytest" in command and path.endswith(".py") and "-m slow" in command:
                source = (ROOT / path).read_text(encoding="utf-8")
                assert "@pytest.mark.slow" in source, f"{figure}: {path} has no slow test"
        assert ("-m slow" in command or "FOUNDRY_PROFILE" in command) <= (where == "on demand")
