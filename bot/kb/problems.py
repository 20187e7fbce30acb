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


@dataclass
class LoadedFile:
    """One parsed YAML file with its kind, a display path and the SHA-256 of its bytes."""

    path: Path
    display: str
    kind: str
    doc: YamlDocument
    digest: str = ""
