"""leaktrace: find and investigate the trafficking of citizens' personal information."""

__version__ = "0.1.0"
