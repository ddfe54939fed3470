// Filled in by the snapshot test work.
