// Filled in by the pipe test work.
