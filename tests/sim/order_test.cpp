// Filled in by the order test work.
