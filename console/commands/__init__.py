"""What each `support-agent` command does; `console/cli/` parses the command line."""
