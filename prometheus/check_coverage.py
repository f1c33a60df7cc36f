#!/usr/bin/python3
"""Check that every alert in rules/alerts.yml is unit-tested both ways.

For each alert, tests/alerts_test.yml must hold at least one alert_rule_test
that expects it to fire (non-empty exp_alerts) and one that expects it to be
silent (no exp_alerts), and every alert must carry `for`, a `severity` label
and `summary` / `description` annotations.  Prints `N passed, N failed`.
"""
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    with open(os.path.join(HERE, "rules", "alerts.yml"), encoding="utf-8") as f:
        rules = yaml.safe_load(f)
    with open(os.path.join(HERE, "tests", "alerts_test.yml"), encoding="utf-8") as f:
        tests = yaml.safe_load(f)
    fires, silent = set(), set()
    for t in tests["tests"]:
        for a in t.get("alert_rule_test", []):
            (fires if a.get("exp_alerts") else silent).add(a["alertname"])
    passed = failed = 0
    for group in rules["groups"]:
        for r in group["rules"]:
            name = r.get("alert")
            if not name:
                continue
            problems = []
            if name not in fires:
                problems.append("no test where it fires")
            if name not in silent:
                problems.append("no test where it stays silent")
            if not r.get("for"):
                problems.append("no for:")
            if r.get("labels", {}).get("severity") not in ("critical", "warning", "info"):
                problems.append("no severity label")
            ann = r.get("annotations", {})
            for key in ("summary", "description"):
                if not ann.get(key):
                    problems.append("no %s annotation" % key)
            if problems:
                failed += 1
                print("FAIL %s: %s" % (name, ", ".join(problems)))
            else:
                passed += 1
    for name in (fires | silent) - {r.get("alert") for g in rules["groups"] for r in g["rules"]}:
        failed += 1
        print("FAIL test names unknown alert %s" % name)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
