"""`dato-opt`: xDSL's opt driver with the project's dialects, passes and targets,
source locations on every parsed op, and diagnostics instead of tracebacks."""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
from collections.abc import Sequence
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import (
    AnyFloat,
    ComplexType,
    FileLineColLoc,
    IndexType,
    IntAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
    UnknownLoc,
)
from xdsl.ir import Block, Operation
from xdsl.parser import Parser
from xdsl.parser.attribute_parser import AttrParser
from xdsl.parser.generic_parser import ParserState
from xdsl.passes import PassPipeline
from xdsl.universe import Universe
from xdsl.utils.exceptions import (
    ArgSpecParseError,
    DiagnosticException,
    ParseError,
    VerifyException,
)
from xdsl.utils.lexer import Input, Span
from xdsl.utils.mlir_lexer import MLIRLexer, MLIRToken, MLIRTokenKind
from xdsl.xdsl_opt_main import xDSLOptMain

from dato_xdsl import universe
from dato_xdsl.diagnostics import verify_located
from dato_xdsl.dialects.aie.syntax import MlirAieSyntax
from dato_xdsl.printing import UniqueNamePrinter

MAX_INTEGER_WIDTH = (1 << 24) - 1
"""MLIR's limit on the width of an integer type (IntegerType::kMaxWidth)."""
_INTEGER_TYPE = re.compile(r"[su]?i(\d+)")


class LinearLexer(MLIRLexer):
    """xDSL 0.74's string-literal regex nests `+` inside `*`
    (`"(?:[^"\\\n\v\f]+|...)*"`): on a string left open on its line the regex
    engine tries every split of the text, so 28 characters take seconds and 40
    never finish. One character per repetition matches the same language in
    linear time."""

    _unescaped_characters_regex = re.compile(r'"(?:[^"\\\n\v\f]|\\(?:["nt\\]|[0-9A-Fa-f]{2}))*"')

    def lex(self) -> MLIRToken:
        token = super().lex()
        if token.kind == MLIRTokenKind.BARE_IDENT:
            match = _INTEGER_TYPE.fullmatch(token.text)
            # xDSL computes 2**width for ranges: a width of 2^35 takes forever
            if match and int(match.group(1)) > MAX_INTEGER_WIDTH:
                raise ParseError(
                    token.span,
                    f"integer type width {match.group(1)} exceeds MLIR's maximum of "
                    f"{MAX_INTEGER_WIDTH}",
                )
        return token

    def _lex_string_literal(self, start_pos: int) -> MLIRToken:
        try:
            return super()._lex_string_literal(start_pos)
        except ParseError as err:  # xDSL says "End of file" for any open string
            raise ParseError(err.span, "string literal is not closed on its line") from None


class _BitsElement(AttrParser._TensorLiteralElement):
    """A hex element of a float dense list: MLIR reads it as the value's bits
    (how xDSL prints integral and non-finite floats); xDSL 0.74 would read the
    integer 0x4CB9EB20 as the float 1287252768.0."""

    def to_type(
        self, parser: AttrParser, type: AnyFloat | IntegerType | IndexType | ComplexType
    ) -> object:
        if isinstance(type, AnyFloat) and _is_plain_int(self.value):
            raw = int(self.value).to_bytes(type.compile_time_size, "little")
            return next(iter(type.iter_unpack(raw)))
        return super().to_type(parser, type)


def _is_plain_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class LocatingParser(MlirAieSyntax, Parser):
    """Records the start of every op as its location unless one is written; lexes
    in linear time; reports xDSL's errors raised while building an op (attribute
    verifiers, builders given malformed operands) at that op."""

    def __init__(self, ctx: Context, text: str, name: str = "<unknown>") -> None:
        super().__init__(ctx, "", name)
        self._parser_state = ParserState(LinearLexer(Input(text, name)))

    def _parse_tensor_literal_element(self) -> AttrParser._TensorLiteralElement:
        element = super()._parse_tensor_literal_element()
        if element.span.text[:2].lower() == "0x" and _is_plain_int(element.value):
            return _BitsElement(element.is_negative, element.value, element.span)
        return element

    def _parse_block(self) -> Block:
        # xDSL forgets where a label that was first used forward is defined, so
        # a second definition fails with a KeyError instead of its diagnostic.
        token = self._current_token
        name = token.text[1:]
        if (
            token.kind == MLIRTokenKind.CARET_IDENT
            and name in self.blocks
            and name not in self.forward_block_references
        ):
            raise ParseError(token.span, f"re-declaration of block '{name}'")
        return super()._parse_block()

    def parse_operation(self) -> Operation:
        span = self._current_token.span
        try:
            op = super().parse_operation()
        except ParseError as err:
            raise self._at_op_name(err, span.start) from None
        except VerifyException as err:
            raise ParseError(span, str(err)) from None
        except (
            KeyError,
            IndexError,
            ValueError,
            TypeError,
            NotImplementedError,
            OverflowError,
        ) as err:
            raise ParseError(span, _parse_failure(span, err)) from None
        if isinstance(op.location, UnknownLoc):
            where = span.get_location()
            op.location = FileLineColLoc(
                StringAttr(where.file), IntAttr(where.line), IntAttr(where.col)
            )
        return op

    def _at_op_name(self, err: ParseError, start: int) -> ParseError:
        """xDSL reports an unregistered op at the token after its name; point at
        the name itself."""
        match = re.search(r"Operation (\S+) is not registered", err.msg)
        if match is None or not isinstance(err.span.input.content, str):
            return err
        text = err.span.input.content
        at = text.find(match.group(1), start)
        if at < 0 or at > err.span.start:
            return err
        name_span = Span(at, at + len(match.group(1)), err.span.input)
        return ParseError(name_span, f"Operation {match.group(1)} is not registered")


class DatoOptMain(xDSLOptMain):
    def __init__(self, args: Sequence[str] | None = None) -> None:
        super().__init__(description="dato-opt: the dato-xdsl modular optimizer", args=args)

    def register_all_dialects(self) -> None:
        # xDSL's dialects (and the entry-point universe), ours where missing, and
        # our versions of the xDSL dialects we replace (memref: MLIR's global syntax)
        dialects = dict(Universe.get_multiverse().all_dialects)
        for name, factory in universe.DIALECTS.items():
            dialects.setdefault(name, factory)
        dialects |= universe.REPLACED_DIALECTS
        for name, factory in dialects.items():
            self.ctx.register_dialect(name, factory)

    def register_all_passes(self) -> None:
        super().register_all_passes()
        for name, factory in universe.PASSES.items():
            self.available_passes.setdefault(name, factory)

    def register_all_targets(self) -> None:
        super().register_all_targets()
        for name, factory in universe.TARGETS.items():
            self.available_targets.setdefault(name, factory)

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        # --help ends with what each dato pass and target does, and its options;
        # written only when asked for (reading every pass's source takes a second)
        show_help = arg_parser.format_help

        def format_help() -> str:
            from dato_xdsl.driver_help import describe

            arg_parser.formatter_class = argparse.RawDescriptionHelpFormatter
            arg_parser.epilog = describe()
            return show_help()

        arg_parser.format_help = format_help  # type: ignore[method-assign]
        arg_parser.add_argument(
            "--pipeline",
            metavar="TARGET",
            help="print the passes dato.build runs for TARGET (simulator, aie, hls; options "
            'as in aie{device=npu2 bundle="a_0,a_1"}) as a -p argument, and exit',
        )

    def register_all_frontends(self) -> None:
        super().register_all_frontends()

        def parse_mlir(io: IO[bytes]) -> ModuleOp:
            text = io.read().decode("utf-8", "replace")
            name = self.get_input_name()
            module = LocatingParser(self.ctx, text, name).parse_module(
                not self.args.no_implicit_module
            )
            if isinstance(module.location, UnknownLoc):
                # an implicit module: errors about the whole input name its start
                module.location = FileLineColLoc(StringAttr(name), IntAttr(1), IntAttr(1))
            return module

        self.available_frontends["mlir"] = parse_mlir

    def setup_pipeline(self) -> None:
        # Verification happens with locations in `run_chunk`, before and after
        # each pass; the callback only handles --print-between-passes.
        def callback(previous: object, module: ModuleOp, following: object) -> None:
            if not self.args.disable_verify and previous is not None:
                verify_located(module)
            if previous is not None and following is not None and self.args.print_between_passes:
                print(f"IR after {getattr(previous, 'name', previous)}:")
                print(module, "\n\n")

        self.pipeline = PassPipeline.parse_spec(self.available_passes, self.args.passes, callback)

    def output_resulting_program(self, prog: ModuleOp) -> str:
        # MLIR text goes through a printer whose SSA names cannot collide
        # (xDSL 0.74 can print `%lock_0_1` twice: see dato_xdsl/printing.py)
        if self.args.target != "mlir" or self.args.syntax_highlight:
            return super().output_resulting_program(prog)
        output = io.StringIO()
        printer = UniqueNamePrinter(
            stream=output,
            print_generic_format=self.args.print_op_generic,
            print_properties_as_attributes=self.args.print_no_properties,
            print_debuginfo=self.args.print_debuginfo,
        )
        printer.print_op(prog)
        printer.print_metadata(self.ctx.loaded_dialects)
        output.write("\n\n")
        return output.getvalue()

    def run(self) -> None:
        """Process each chunk; report errors as diagnostics. Exit status 1 when
        any chunk failed (unless --verify-diagnostics, which prints and goes on)."""
        if self.args.pipeline is not None:
            from dato_xdsl.targets.registry import pipeline_text

            print(pipeline_text(self.args.pipeline))
            return
        chunks, extension = self.prepare_input()
        output = self.prepare_output()
        failed = False
        try:
            for index, (chunk, offset) in enumerate(chunks):
                if index > 0:
                    output.write("// -----\n")
                try:
                    module = self._parse(chunk, extension, offset)
                    if not self.args.disable_verify:
                        verify_located(module)
                    try:
                        self.apply_passes(module)
                        output.write(self.output_resulting_program(module))
                    except (ValueError, OSError) as err:
                        # past argument handling these are bugs, not usage errors
                        raise InternalError(err) from err
                except (ParseError, DiagnosticException) as err:
                    text = _first_line_message(err)
                    if self.args.verify_diagnostics or self.args.parsing_diagnostics:
                        print(text)
                    else:
                        print(text, file=sys.stderr)
                        failed = True
                finally:
                    chunk.close()
                output.flush()
        finally:
            if output is not sys.stdout:
                output.close()
        if failed:
            sys.exit(1)

    def _parse(self, chunk: IO[bytes], extension: str, offset: int) -> ModuleOp:
        try:
            module = self.parse_chunk(chunk, extension, offset)
        except ParseError as err:
            import dataclasses

            err.span = dataclasses.replace(err.span, line_offset=offset)
            raise
        assert module is not None
        if offset:
            _shift_lines(module, offset)
        return module


class InternalError(Exception):
    """A Python error raised while running passes or printing: a bug of ours
    (or of xDSL), reported as one rather than as a usage error."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")


def _parse_failure(span: Span, err: Exception) -> str:
    """A message for an xDSL parser path that fails with a Python error instead of
    a diagnostic (a `linalg.matmul` with too few operands raises IndexError)."""
    name = span.text.strip('"')
    if isinstance(err, IndexError) and name.startswith("linalg."):
        return f"'{name}' has the wrong number of ins/outs operands"
    if isinstance(err, OverflowError):
        return f"'{name}' holds an integer type or value too large to handle ({err})"
    if isinstance(err, NotImplementedError):
        # xDSL 0.74 packs float data with `struct`, which has no f80 or f128
        return f"'{name}' holds data of a type xDSL cannot store (f80 and f128 constants)"
    return f"'{name}' is malformed ({type(err).__name__}: {err})"


def _shift_lines(module: ModuleOp, offset: int) -> None:
    """Chunks of --split-input-file are parsed alone; report their lines in the file."""
    for op in module.walk():
        loc = op.location
        if isinstance(loc, FileLineColLoc):
            op.location = FileLineColLoc(loc.filename, IntAttr(loc.line.data + offset), loc.column)


def _first_line_message(err: Exception) -> str:
    """A diagnostic without xDSL's dump of the whole module in the notes."""
    return str(err).rstrip()


def main(argv: Sequence[str] | None = None) -> None:
    try:
        DatoOptMain(args=argv).run()
    except (ParseError, DiagnosticException) as err:
        print(_first_line_message(err), file=sys.stderr)
        sys.exit(1)
    except (ValueError, OSError, ArgSpecParseError) as err:
        # unknown pass, unreadable file, malformed pipeline or option: a usage
        # error (xDSL's ArgSpecParseError is a BaseException, so name it)
        print(f"dato-opt: error: {err}", file=sys.stderr)
        sys.exit(1)
    except Exception as err:  # an internal bug must still not dump a traceback
        if os.environ.get("DATO_TRACEBACK"):
            raise
        what = str(err) if isinstance(err, InternalError) else f"{type(err).__name__}: {err}"
        print(
            f"dato-opt: internal error: {what} (set DATO_TRACEBACK=1 for the traceback)",
            file=sys.stderr,
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
