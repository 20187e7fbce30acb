"""Question matching: normalise free text and find the knowledge base entry it asks about."""

from bot.base.normalise import normalise
from bot.matching.matcher import Match, Matcher, MatcherConfig, MatchResult

__all__ = ["Match", "MatchResult", "Matcher", "MatcherConfig", "normalise"]
