// Filled in by the unix_stream test work.
