"""Problems found in knowledge base files, and the parsed files they point into."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.kb.yamlsource import YamlDocument


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a look) in a knowledge base file."""

    file: str
    line: int
    message: str
    severity: str = "error"  # "error" stops the bot from using the files; "warning" does not

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}"


PER_FILE_SHOWN = 50  # more than this from one file is nearly always one slip repeated


def shown_lines(problems: list[Problem], per_file: int = PER_FILE_SHOWN) -> list[str]:
    """Problems as lines, at most ``per_file`` from any one file, then how many more."""
    lines: list[str] = []
    seen: dict[str, int] = {}
    for problem in problems:
        seen[problem.file] = seen.get(problem.file, 0) + 1
        if seen[problem.file] <= per_file:
            lines.append(str(problem))
    for file, count in seen.items():
        if count > per_file:
            lines.append(f"{file}: …and {count - per_file} more in this file; fix the ones "
                         "above and check again (many are often one slip repeated)")
    return lines


@dataclass
class LoadedFile:
    """One parsed YAML file with its kind, a display path and the SHA-256 of its bytes."""

    path: Path
    display: str
    kind: str
    doc: YamlDocument
    digest: str = ""
