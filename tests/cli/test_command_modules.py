"""`beian COMMAND` imports only the module that registers COMMAND."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

from beian.cli import COMMAND_MODULES, FEATURE_COMMANDS, build_parser


def test_every_command_is_mapped_to_the_module_that_registers_it():
    registered = {}
    for module_name in FEATURE_COMMANDS:
        parser = argparse.ArgumentParser()
        subparsers = parser.add_subparsers()
        importlib.import_module(module_name).register(subparsers)
        registered |= {name: module_name for name in subparsers.choices}
    assert registered == COMMAND_MODULES


def test_a_named_command_gets_only_its_own_parser_and_help_gets_every_one():
    assert set(build_parser(["tick", "--at", "2026-03-03T02:00:00+00:00"])._subparsers
               ._group_actions[0].choices) == {"worker", "tick"}
    everything = build_parser(["--help"])._subparsers._group_actions[0].choices
    assert set(everything) == set(COMMAND_MODULES)


def test_a_tick_does_not_import_the_web_server_opencv_or_alembic():
    probe = ("import sys; from beian.cli import build_parser; build_parser(['tick']); "
             "print(sorted(m for m in ('cv2', 'fastapi', 'alembic') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
