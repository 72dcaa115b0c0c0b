"""Vendor dialects: each translates its vendor's API to engine commands, and never decides."""
