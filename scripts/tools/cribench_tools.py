"""What CRIBench's shell scripts need that shell arithmetic cannot do well, in one tested place.

    python3 scripts/tools/cribench_tools.py gateway SUBNET
        the CNI bridge plugin's gateway of SUBNET (its first address), as ADDRESS/PREFIX
    python3 scripts/tools/cribench_tools.py tally REPORT.xml [REPORT.xml ...]
        "PASSED FAILED SKIPPED" over the xUnit reports (Swift Testing's and XCTest's)

Tests: python3 -m unittest discover -s scripts/tools (the test command runs them).
"""
import ipaddress
import sys
import xml.etree.ElementTree as ElementTree


def gateway(subnet):
    """The bridge plugin's gateway: the network's first address, with the prefix length."""
    network = ipaddress.ip_network(subnet, strict=False)
    return f"{network.network_address + 1}/{network.prefixlen}"


def tally(paths):
    """(passed, failed, skipped) over xUnit reports: one <testcase> per test, a <failure> or
    <error> inside it when it failed, a <skipped> when it was skipped."""
    passed = failed = skipped = 0
    for path in paths:
        for case in ElementTree.parse(path).getroot().iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    return passed, failed, skipped


def main(arguments):
    if len(arguments) == 2 and arguments[0] == "gateway":
        print(gateway(arguments[1]))
    elif len(arguments) >= 2 and arguments[0] == "tally":
        print(*tally(arguments[1:]))
    else:
        sys.exit("usage: cribench_tools.py gateway SUBNET | tally REPORT.xml ...")


if __name__ == "__main__":
    main(sys.argv[1:])
