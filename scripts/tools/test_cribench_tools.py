import os
import tempfile
import unittest

import cribench_tools

# Swift Testing's xUnit report as `swift test --xunit-output` writes it, cut down: a pass, a
# failure, a skip, and an XCTest-style error.
REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="TestResults" errors="1" tests="4" failures="1" skipped="1" time="1.5">
    <testcase classname="Integration.PodSandboxTests" name="runAndRemove()" time="0.4"/>
    <testcase classname="Integration.ImageTests" name="pull()" time="0.3">
      <failure message="Expectation failed: (code → 1) == 0"/>
    </testcase>
    <testcase classname="Integration.GateTests" name="probe()" time="0"><skipped/></testcase>
    <testcase classname="Unit.StatisticsTests" name="median()" time="0"><error message="crash"/></testcase>
  </testsuite>
</testsuites>
"""


class TallyTests(unittest.TestCase):
    def write(self, text):
        handle, path = tempfile.mkstemp(suffix=".xml")
        with os.fdopen(handle, "w") as file:
            file.write(text)
        self.addCleanup(os.remove, path)
        return path

    def test_counts_passes_failures_errors_and_skips(self):
        self.assertEqual(cribench_tools.tally([self.write(REPORT)]), (1, 2, 1))

    def test_adds_reports_up(self):
        path = self.write(REPORT)
        self.assertEqual(cribench_tools.tally([path, path]), (2, 4, 2))

    def test_a_report_with_no_test_counts_nothing(self):
        self.assertEqual(cribench_tools.tally([self.write("<testsuites/>")]), (0, 0, 0))

    def test_a_truncated_report_is_an_error_not_a_pass(self):
        with self.assertRaises(Exception):
            cribench_tools.tally([self.write(REPORT[:200])])


class GatewayTests(unittest.TestCase):
    def test_first_address_with_prefix(self):
        self.assertEqual(cribench_tools.gateway("10.88.0.0/16"), "10.88.0.1/16")
        self.assertEqual(cribench_tools.gateway("192.168.7.0/24"), "192.168.7.1/24")

    def test_host_bits_are_ignored_as_the_bridge_plugin_does(self):
        self.assertEqual(cribench_tools.gateway("10.88.3.4/16"), "10.88.0.1/16")

    def test_a_bad_subnet_is_refused(self):
        with self.assertRaises(ValueError):
            cribench_tools.gateway("10.88.0.0/33")


if __name__ == "__main__":
    unittest.main()
