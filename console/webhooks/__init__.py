"""Webhook endpoints: requests other systems send us, verified before anything is trusted."""
