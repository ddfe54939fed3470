// Filled in by the nested test work.
