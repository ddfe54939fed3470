// Filled in by the dup_close test work.
