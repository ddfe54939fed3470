// Filled in by the profile test work.
