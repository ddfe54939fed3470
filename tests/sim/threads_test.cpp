// Filled in by the threads test work.
