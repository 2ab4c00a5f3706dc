"""WeCom adapter tests: crypto, parsers, callback routes, sender, archive."""
