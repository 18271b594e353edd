"""``longscribe serve``: an OpenAI-compatible HTTP API over durable jobs, and a web page (extra ``server``).

Thin: routes turn requests into jobs and jobs into responses; transcription is the
same ``Transcriber`` and job store the command uses.
"""
