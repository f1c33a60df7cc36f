#!/usr/bin/python3
"""Self-test of the strict Prometheus text checker ($O/tests/promcheck):
every valid case must pass and every invalid one must be refused, so the
fuzz harness's re-parse check (tests/fuzz/fuzz_scrape.c) can fail."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testkit import BUILD, Results  # noqa: E402

H = "# HELP a Help.\n# TYPE a gauge\n"

VALID = {
    "empty": b"",
    "gauge": H + 'a{x="1",y="q\\"\\\\\\n"} 1\na{x="2"} -0.5\na 1e-05\n',
    "no help": b"# TYPE a counter\na_total_not_required 1\n".replace(b"a_total_not_required", b"a"),
    "specials": H + 'a{x="1"} NaN\na{x="2"} +Inf\na{x="3"} -Inf\n',
    "utf8": H + 'a{x="caf\u00e9 \U0001F600"} 1\n',
    "summary": b'# TYPE s summary\ns{quantile="0"} 1\ns{quantile="0.5"} 2\ns{quantile="1"} 3\ns_sum 6\ns_count 3\n',
    "histogram": b'# TYPE h histogram\nh_bucket{le="0.1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n',
    "two families": H + "a 1\n# HELP b B.\n# TYPE b gauge\nb 2\n",
    "help escapes": b"# HELP a x\\\\y\\nz\n# TYPE a gauge\na 1\n",
}

INVALID = {
    "no final newline": H + "a 1",
    "empty line": H + "a 1\n\n",
    "other comment": b"# hello\n",
    "duplicate series": H + 'a{x="1"} 1\na{x="1"} 2\n',
    "duplicate, labels reordered": H + 'a{x="1",y="2"} 1\na{y="2",x="1"} 2\n',
    "label twice": H + 'a{x="1",x="2"} 1\n',
    "family not contiguous": H + "a 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n",
    "sample of another family": H + "a 1\nb 2\n",
    "sample without TYPE": b"a 1\n",
    "TYPE after samples": b"# HELP a x\na 1\n",
    "second HELP": H + "# HELP a again\na 1\n",
    "unknown type": b"# TYPE a info\na 1\n",
    "label escape \\t": H + 'a{x="\\t"} 1\n',
    "invalid UTF-8": H.encode() + b'a{x="\xff"} 1\n',
    "NUL byte": H.encode() + b'a{x="\x00"} 1\n',
    "bad metric name": b"# TYPE 1a gauge\n1a 1\n",
    "bad label name": H + 'a{1x="1"} 1\n',
    "reserved label": H + 'a{__name__="b"} 1\n',
    "value not a number": H + "a abc\n",
    "timestamp": H + "a 1 1700000000000\n",
    "value inf": H + "a inf\n",
    "value hex": H + "a 0x10\n",
    "value 1e": H + "a 1e\n",
    "trailing comma": H + 'a{x="1",} 1\n',
    "empty braces": H + "a{} 1\n",
    "unterminated value": H + 'a{x="1} 1\n',
    "two spaces": H + "a  1\n",
    "summary without quantile": b"# TYPE s summary\ns 1\n",
    "quantile above 1": b'# TYPE s summary\ns{quantile="2"} 1\n',
    "quantile on _sum": b'# TYPE s summary\ns_sum{quantile="0.5"} 1\n',
    "_sum on a gauge": H + "a_sum 1\n",
    "bucket without le": b"# TYPE h histogram\nh_bucket 1\n",
    "help escape \\t": b"# HELP a x\\t\n# TYPE a gauge\na 1\n",
}


def run(text):
    data = text.encode() if isinstance(text, str) else text
    p = subprocess.run([os.path.join(BUILD, "tests", "promcheck")], input=data, stderr=subprocess.PIPE, timeout=10)
    return p.returncode, p.stderr.decode("utf-8", "replace").strip()


def main():
    r = Results(quiet=True, limit=None)
    for want, cases in ((0, VALID), (1, INVALID)):
        for name, text in cases.items():
            rc, err = run(text)
            r.check(rc == want, "%s case %r" % ("valid" if want == 0 else "invalid", name), "exit %d %s" % (rc, err))
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
