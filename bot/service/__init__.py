"""The service: Pathway's one front door for every channel (see docs/architecture.md)."""

from bot.service.knowledge import KnowledgeHolder, ReloadResult, Snapshot
from bot.service.pathway import Pathway

__all__ = ["KnowledgeHolder", "Pathway", "ReloadResult", "Snapshot"]
