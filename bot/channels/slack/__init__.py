"""The Slack adapter: Bolt listeners and Block Kit rendering on top of the core engine."""
