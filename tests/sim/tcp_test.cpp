// Filled in by the tcp test work.
