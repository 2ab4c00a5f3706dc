"""Local fake servers that speak the real wire protocols of the platforms Steward talks to."""
