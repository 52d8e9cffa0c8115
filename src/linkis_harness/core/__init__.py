"""Pure core: Linkis domain logic with no I/O (stdlib only)."""
