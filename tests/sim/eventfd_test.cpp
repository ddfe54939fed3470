// Filled in by the eventfd test work.
