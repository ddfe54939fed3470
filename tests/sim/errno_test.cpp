// Filled in by the errno test work.
