"""Pure domain core: no database, web or network imports."""
