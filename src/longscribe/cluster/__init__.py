"""Running the same jobs on a Ray cluster (``longscribe[ray]``).

The driver plans chunks, owns the job store and the progress bar; Ray actors,
each holding a loaded engine, decode batches of chunks. See docs/cluster.md.
"""
