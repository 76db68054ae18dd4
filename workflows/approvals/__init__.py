"""Approvals: the one decision service, the views of an action shown to reviewers, and expiry."""
