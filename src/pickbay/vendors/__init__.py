"""The vendors pickbay speaks: one folder each, behind one contract."""
