"""Command line: ``python -m matching.engine COHORT.json [-o RESULT.json]``.

Exit codes: 0 success, 2 bad input (the message names the field).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from matching.engine.engine import match
from matching.engine.jsonio import CohortFormatError, load_cohort, result_to_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m matching.engine", description="Match mentees to mentors."
    )
    parser.add_argument("cohort", type=Path, help="cohort JSON file (docs/matching-format.md)")
    parser.add_argument("-o", "--output", type=Path, help="write the result here, not stdout")
    args = parser.parse_args(argv)
    try:
        text = args.cohort.read_text(encoding="utf-8")
    except OSError as error:
        print(f"error: cannot read {args.cohort}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        print(f"error: {args.cohort} is not valid JSON: {error}", file=sys.stderr)
        return 2
    try:
        cohort = load_cohort(data)
        result = match(cohort.mentees, cohort.mentors, cohort.settings, cohort.pair_scores)
    except CohortFormatError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ValueError as error:  # a rule the parser cannot see alone, e.g. an unknown id
        print(f"error: {error}", file=sys.stderr)
        return 2
    output = json.dumps(result_to_json(result), indent=2, ensure_ascii=False)
    if args.output:
        args.output.write_text(output + "\n", encoding="utf-8")
    else:
        print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
