"""Public surfaces: the mini-program profile ("more information") and the public query."""
