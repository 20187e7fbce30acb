"""The manifest asks for only the scopes Pathway uses, and the setup guide lists the same."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Each scope and the Web API methods (or events) that need it.
NEEDED_SCOPES = {
    "app_mentions:read": "app_mention events",
    "chat:write": "chat.postMessage, chat.update, chat.postEphemeral",
    "commands": "/pathway, /checklist, /pathway-admin",
    "files:write": "files_upload_v2 for the admin export",
    "im:history": "message.im events",
    "im:write": "conversations.open",
}


def manifest_scopes() -> set[str]:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    return set(manifest["oauth_config"]["scopes"]["bot"])


def test_manifest_asks_for_exactly_the_scopes_pathway_uses() -> None:
    assert manifest_scopes() == set(NEEDED_SCOPES)  # no im:read: nothing reads conversations


def test_setup_guide_lists_the_manifest_scopes() -> None:
    guide = (ROOT / "docs" / "slack-setup.md").read_text(encoding="utf-8")
    [line] = [line for line in guide.split("\n- ") if line.startswith("**Scopes**")]
    assert set(re.findall(r"`([a-z_]+:[a-z_]+|commands)`", line)) == manifest_scopes()
