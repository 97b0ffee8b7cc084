"""Command line: `lapor-conformance run|simulate|requirements|profile|keys|verify|diff`.

Handlers import their parts lazily so `--help` stays fast. Every UserError becomes a translated
message on stderr and exit code 2; an unexpected exception becomes exit 2 with a short note.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from conformance import __version__
from conformance.errors import UserError
from conformance.i18n import catalogue, set_lang, t
from conformance.simulator.seed import PADANG_ID as SECOND_INSTITUTION_ID


def _argparse_words(message: str) -> str:
    """argparse's own words (usage, errors, "options") in the user's language: argparse looks its
    messages up through the module-level gettext function `_`, replaced here."""
    return t("argparse:" + message) if ("argparse:" + message) in catalogue() else message


def _metavar(name: str) -> str:
    """The placeholder for a value in usage and help (`BERKAS` / `FILE`), in the user's language."""
    return t(f"cli.metavar.{name}")


def _parser() -> argparse.ArgumentParser:
    argparse._ = _argparse_words  # type: ignore[attr-defined]
    parser = argparse.ArgumentParser(prog="lapor-conformance", description=t("cli.description"))
    # argparse fixes the --version help text when its module is imported, out of reach of `_`.
    parser.add_argument("--version", action="version", version=f"lapor-conformance {__version__}",
                        help=_argparse_words("show program's version number and exit"))
    parser.add_argument("--lang", choices=["id", "en"], help=t("cli.opt.lang"))
    commands = parser.add_subparsers(dest="command", metavar=_metavar("command"))
    # `--lang` is accepted before or after the command; SUPPRESS keeps a later default from
    # overwriting an earlier choice.
    language = argparse.ArgumentParser(add_help=False)
    language.add_argument("--lang", choices=["id", "en"], default=argparse.SUPPRESS, help=t("cli.opt.lang"))

    run = commands.add_parser("run", parents=[language], help=t("cli.run.help"))
    run.add_argument("profile", metavar=_metavar("profile"), help=t("cli.run.profile"))
    run.add_argument("--seed", type=_bounded(0, 2**32 - 1), metavar=_metavar("seed"), help=t("cli.run.seed"))
    run.add_argument("--max-examples", type=_bounded(1, 100_000), metavar=_metavar("count"),
                     help=t("cli.run.max_examples"))
    run.add_argument("--reports-dir", default="reports", metavar=_metavar("dir"), help=t("cli.run.reports_dir"))
    run.add_argument("--no-html", action="store_true", help=t("cli.run.no_html"))
    run.add_argument("--mode", choices=["self-check", "assessment"], help=t("cli.run.mode"))
    run.add_argument("--key", metavar=_metavar("file"), help=t("cli.run.key"))

    simulate = commands.add_parser("simulate", parents=[language], help=t("cli.simulate.help"))
    simulate.add_argument("--port", type=_port, default=8750, metavar=_metavar("port"), help=t("cli.simulate.port"))
    simulate.add_argument("--db", metavar=_metavar("file"), help=t("cli.simulate.db"))
    simulate.add_argument("--bearer-header", choices=["Authorization", "auth", "both"], default="both",
                          help=t("cli.simulate.bearer_header"))
    simulate.add_argument("--record", metavar=_metavar("file"), help=t("cli.simulate.record"))
    simulate.add_argument("--second-institution", type=_institution_id, metavar=_metavar("id"),
                          help=t("cli.simulate.second_institution", default=SECOND_INSTITUTION_ID))

    requirements = commands.add_parser("requirements", parents=[language], help=t("cli.requirements.help"))
    requirements.add_argument("--json", action="store_true", help=t("cli.requirements.json"))
    requirements.add_argument("--pack", default="lapor-v3", metavar=_metavar("pack"), help=t("cli.requirements.pack"))

    profile = commands.add_parser("profile", parents=[language], help=t("cli.profile.help"))
    profile_commands = profile.add_subparsers(dest="profile_command", metavar=_metavar("command"))
    profile_commands.add_parser("schema", parents=[language], help=t("cli.profile.schema.help"))
    validate = profile_commands.add_parser("validate", parents=[language], help=t("cli.profile.validate.help"))
    validate.add_argument("file", metavar=_metavar("profile"), help=t("cli.profile.validate.file"))

    keys = commands.add_parser("keys", parents=[language], help=t("cli.keys.help"))
    keys_commands = keys.add_subparsers(dest="keys_command", metavar=_metavar("command"))
    keys_init = keys_commands.add_parser("init", parents=[language], help=t("cli.keys.init.help"))
    keys_init.add_argument("--dir", metavar=_metavar("dir"), help=t("cli.keys.init.dir"))

    verify = commands.add_parser("verify", parents=[language], help=t("cli.verify.help"))
    verify.add_argument("bundle", metavar=_metavar("bundle"), help=t("cli.verify.bundle"))
    verify.add_argument("--key", metavar=_metavar("public_key"), help=t("cli.verify.key"))

    diff = commands.add_parser("diff", parents=[language], help=t("cli.diff.help"))
    diff.add_argument("run_a", metavar="RUN_A", help=t("cli.diff.run_a"))
    diff.add_argument("run_b", metavar="RUN_B", help=t("cli.diff.run_b"))
    diff.add_argument("--json", action="store_true", help=t("cli.diff.json"))
    return parser


def _dispatch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.command == "run":
        from conformance.runner.run import RunOptions, run_profile

        options = RunOptions(seed=args.seed, max_examples=args.max_examples, reports_dir=args.reports_dir,
                             html=not args.no_html, lang=args.lang, mode=args.mode, key=args.key)
        return run_profile(args.profile, options)
    if args.command == "simulate":
        if args.record:
            if args.second_institution is not None:  # client mode plays LAPOR for one app: no second institution
                _subcommand(parser, "simulate").error(t("cli.error.second_institution_with_record"))
            from conformance.simulator.client_mode import serve_recording

            return serve_recording(port=args.port, db_path=args.db, bearer_header=args.bearer_header,
                                   record_path=args.record)
        from conformance.simulator.server import serve_forever

        return serve_forever(port=args.port, db_path=args.db, bearer_header=args.bearer_header,
                             second_institution=args.second_institution or SECOND_INSTITUTION_ID)
    if args.command == "requirements":
        from conformance.reporting.requirements_table import print_requirements

        return print_requirements(args.pack, as_json=args.json)
    if args.command == "profile" and args.profile_command == "schema":
        from conformance.profiles.commands import print_schema

        return print_schema()
    if args.command == "profile" and args.profile_command == "validate":
        from conformance.profiles.commands import validate

        return validate(args.file)
    if args.command == "keys" and args.keys_command == "init":
        from conformance.evidence.keys import init_keys

        return init_keys(args.dir)
    if args.command == "verify":
        from conformance.evidence.verify import verify_command

        return verify_command(args.bundle, args.key)
    if args.command == "diff":
        from conformance.reporting.delta import diff_command

        return diff_command(args.run_a, args.run_b, as_json=args.json)
    parser.print_help()
    return 2


def _subcommand(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """The parser of one command, for a usage error that shows that command's usage."""
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
    return commands.choices[name]


def _bounded(low: int, high: int):
    """An argparse type: a whole number within [low, high], else a usage error (exit 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(t("cli.error.not_integer", value=text)) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(t("cli.error.out_of_range", value=value, low=low, high=high))
        return value

    return parse


def _port(text: str) -> int:
    """An argparse type: a TCP port, 1..65535, or 0 for any free port (the banner shows which)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(t("cli.error.port", value=text)) from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(t("cli.error.port", value=text))
    return value


def _institution_id(text: str) -> str:
    """An argparse type: an institution id as LAPOR writes it, digits only (e.g. 12838)."""
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(t("cli.error.institution_id", value=text))
    return text


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    # CI cancels a job with SIGTERM: stop the same orderly way as Ctrl-C, keeping what was recorded.
    raise KeyboardInterrupt


def _lang_from_argv(argv: list[str]) -> str | None:
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    set_lang(_lang_from_argv(argv) or os.environ.get("LAPOR_CONFORMANCE_LANG") or "id")  # before the parser is built
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "lang", None):
        set_lang(args.lang)
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        return _dispatch(args, parser)
    except UserError as error:
        print(f"{t('error.prefix')}: {error.render()}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(t("cli.interrupted"), file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's flush at exit
        return 0
    except Exception as error:  # noqa: BLE001 - a bug must still end in a message, not a traceback
        print(f"{t('error.prefix')}: {t('error.internal', detail=f'{type(error).__name__}: {error}')}",
              file=sys.stderr)
        if os.environ.get("LAPOR_CONFORMANCE_DEBUG"):
            raise
        return 2
