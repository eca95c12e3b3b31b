"""Beian: ICP filing (备案) of Chinese mini-programs, end to end."""

__version__ = "0.1.0"
