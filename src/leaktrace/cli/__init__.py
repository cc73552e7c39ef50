"""Thin Typer faces over the stages; nothing imports this package."""
