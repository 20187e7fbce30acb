"""The ground floor: text normalisation and small helpers that every layer may use."""
