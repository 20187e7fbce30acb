"""Question matching: normalise free text and find the knowledge base entry it asks about."""

from bot.matching.matcher import Match, Matcher, MatcherConfig, MatchResult
from bot.matching.normalise import normalise

__all__ = ["Match", "MatchResult", "Matcher", "MatcherConfig", "normalise"]
