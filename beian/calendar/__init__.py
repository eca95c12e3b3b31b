"""The working-day calendar as stored and edited by operators."""
