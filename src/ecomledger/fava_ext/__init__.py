"""The Fava extension: the reports inside Fava, through the same data and templates."""
