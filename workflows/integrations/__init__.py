"""Clients for the systems around the desk: the inbox (Front or local) and app integrations."""
