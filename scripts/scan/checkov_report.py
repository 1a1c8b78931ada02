"""Summarise a checkov JSON report (stdin) for `make scan`; exit 1 on any failed check.

Why a wrapper: checkov's CLI output lists every skipped check at length; a reviewer
wants the failures (if any) and one count line, and CI wants a non-zero exit.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    report = json.load(sys.stdin)
    reports = report if isinstance(report, list) else [report]
    failed = 0
    for part in reports:
        for check in part.get("results", {}).get("failed_checks", []):
            failed += 1
            lines = "-".join(str(n) for n in check.get("file_line_range", []))
            print(f"FAILED {check['check_id']} {check['resource']} (template.yaml:{lines}): "
                  f"{check['check_name']}")
        summary = part["summary"]
        print(
            f"checkov {summary['checkov_version']}: {summary['passed']} passed, "
            f"{summary['failed']} failed, {summary['skipped']} skipped "
            f"(parsing errors: {summary['parsing_errors']})"
        )
        failed += int(summary["parsing_errors"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
