"""Import and export of the inventory: CSV/XLSX tables of AI systems and CycloneDX JSON (ML-BOM).

Every import is parsed and validated whole first (row-and-column or JSON-path messages), can be previewed as a dry
run, and is applied in one transaction through the inventory services, so each change is ledgered and a single
failure imports nothing.
"""
