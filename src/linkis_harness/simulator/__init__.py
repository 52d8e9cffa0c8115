"""The embedded Linkis simulator."""
