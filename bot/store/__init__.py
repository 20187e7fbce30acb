"""The store layer: what Pathway keeps, in the embedded SQLite file (bot.store.database)."""
