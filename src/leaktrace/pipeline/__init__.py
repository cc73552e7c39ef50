"""Pipeline: the one orchestrator that runs the stages in order over the store."""
