"""Command line: argument parsing, progress display, exit codes. The only place that prints."""
