"""hfserve reads a config file's YAML as PyYAML (pinned in requirements.txt) does, or
refuses it with the key and its line; it never reads a value differently in silence.

config_probe (tests/app/config_probe.cc) applies each file below to a command with one
option of each kind (text, count: unsigned, number: signed, ratio: float, switch, names:
list) and prints what the options received. For "same" cases that must equal PyYAML's
reading: yaml.safe_load's typed value for numbers and switches, and the scalar's text from
yaml.compose for text options (hfserve hands an option the text as written, as the command
line does). For "refused" cases, which PyYAML loads, hfserve must fail with the key's line
(PyYAML's mark) in its message; each says why. Where PyYAML fails, hfserve must fail too.

usage: config_yaml_check.py CONFIG_PROBE
"""

import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

import yaml

PROBE = sys.argv.pop(1)

SAME = [
    "text: hello world",
    "text: 'it''s # not a comment'",
    'text: "tab\\there \\u00e9 \\x41 \\"q\\" \\\\"',
    "text: value # a comment",
    "text: |\n  line1\n   line2\n",
    "text: >-\n  a\n  b\n\n  c\n",
    "text: |+\n  kept\n\n",
    "text: a\n  b\n",
    "text: café ☕",
    "text: !!str 123",
    "text: &x shared\nnames: [*x, other]",
    "{text: a, count: 3}",
    '"count": 5',
    "---\ncount: 5\n...\n",
    "\n# comment\n\ncount: 42\nnumber: -7\n",
    "number: +7",
    "count: 0x1F",
    "count: 010",  # YAML 1.1 octal: 8
    "count: !!int '12'",
    "ratio: 0.5",
    "ratio: .5",
    "ratio: -1.25",
    "ratio: 1.0e-1",
    "ratio: 3",
    "names:\n  - a\n  - 'b c'\n  - \"d\"\n",
    "names: [1, two, 3.0]",
    "names: a",
] + ["switch: %s" % word for word in
     ("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON",
      "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF")]

# (yaml, key that must be named, why PyYAML's reading is not taken)
REFUSED = [
    ("count: 1\ncount: 2", "count", "a key given twice: PyYAML keeps the last in silence"),
    ("text:", "text", "no value: PyYAML's None is no option value"),
    ("text: ~", "text", "no value"),
    ("count: 1_000", "count", "YAML 1.1 digit separators, which no flag takes"),
    ("count: 0b101", "count", "YAML 1.1 binary"),
    ("count: 1:30", "count", "YAML 1.1 base 60"),
    ("count: 3.0", "count", "a float for a whole number"),
    ("count: -1", "count", "negative for an unsigned option (CLI11 would wrap it around)"),
    ("ratio: .inf", "ratio", "YAML infinity"),
    ("switch: y", "switch", "PyYAML reads y as text"),
    ("switch: 'true'", "switch", "quoted: text to PyYAML"),
    ("switch: 1", "switch", "a number, not a boolean, to PyYAML"),
    ("text: [a, b]", "text", "a list for a single value"),
    ("text: {a: 1}", "text", "a mapping as a value"),
    ("names: []", "names", "an empty list sets nothing"),
    ("names: [a, [b]]", "names", "a nested list"),
    ("\n\nmodels:\n  - name: a\n", "models", "models: is for hfserve serve, not this command"),
    ("count: 3\nnope: 1", "nope", "an unknown key"),
]

BROKEN = [
    "text: [a, b",
    'text: "unterminated',
    "text: a: b",
    "text: a\n count: 3\n",
    "names:\n\t- a\n",
    "count: 1\n---\ncount: 2\n",
    "count: 1\n---\n, x\n",  # yaml-cpp's own LoadAll would loop forever on this one
    "- a\n- b\n",
    "just text",
]


def probe(text):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as f:
        f.write(text)
    try:
        run = subprocess.run([PROBE, f.name], capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(f.name)
    if run.returncode == 0:
        return json.loads(run.stdout), None
    return None, run.stderr


def scalar_text(node):
    assert isinstance(node, yaml.ScalarNode), node
    return node.value


def expected(text):
    """What each option must receive, from PyYAML."""
    typed = yaml.safe_load(text)
    root = yaml.compose(text)
    out = {}
    for key_node, value_node in root.value:
        key = key_node.value
        value = typed[key]
        if key == "text":
            out[key] = scalar_text(value_node)
        elif key == "names":
            items = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            out[key] = [scalar_text(item) for item in items]
        elif key in ("count", "number"):
            assert type(value) is int, (text, value)
            out[key] = value
        elif key == "ratio":
            assert type(value) in (int, float), (text, value)
            out[key] = float(value)
        elif key == "switch":
            assert type(value) is bool, (text, value)
            out[key] = value
    return out


def key_line(text, key):
    for key_node, _ in yaml.compose(text).value:
        if key_node.value == key:
            line = key_node.start_mark.line + 1
    return line


class ConfigYamlMatchesPyYAML(unittest.TestCase):
    def test_same_reading(self):
        for text in SAME:
            with self.subTest(yaml=text):
                got, error = probe(text)
                self.assertIsNone(error)
                want = expected(text)
                self.assertEqual(set(got), set(want))
                for key, value in want.items():
                    if isinstance(value, float):
                        self.assertTrue(math.isclose(got[key], value), (got[key], value))
                    else:
                        self.assertEqual(got[key], value)

    def test_refused_with_key_and_line(self):
        for text, key, why in REFUSED:
            with self.subTest(yaml=text, why=why):
                yaml.safe_load(text)  # PyYAML reads it
                got, error = probe(text)
                self.assertIsNone(got)
                line = key_line(text, key)
                self.assertIn(" line %d: " % line, error)
                self.assertIn(key, error)

    def test_what_pyyaml_refuses_is_refused(self):
        for text in BROKEN:
            with self.subTest(yaml=text):
                try:
                    value = yaml.safe_load(text)
                except yaml.YAMLError:
                    value = None
                else:  # loads, but is no mapping of options
                    self.assertNotIsInstance(value, dict)
                got, error = probe(text)
                self.assertIsNone(got)
                self.assertRegex(error, r"\.yaml( line \d+( column \d+)?)?: ")


if __name__ == "__main__":
    unittest.main()
