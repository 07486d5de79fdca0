"""Cmdlet-style operations, one module per provider; :class:`azrm.Session` combines them."""
