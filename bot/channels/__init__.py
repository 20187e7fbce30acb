"""The channels: the terminal, the command line and Slack, thin adapters on the service."""
