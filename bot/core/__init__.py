"""The conversation core: pure logic, no I/O (see docs/architecture.md)."""
