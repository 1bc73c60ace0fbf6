"""AI inventory and lifecycle: systems, components, dependencies, EU AI Act classification, gates, change decisions,
documentation and shadow-AI declarations."""
