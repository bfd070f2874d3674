"""Long-running async loops and procedures: pollers, order service, reconciler, kill switch.

No Textual here: the UI observes these through the state store.
"""
