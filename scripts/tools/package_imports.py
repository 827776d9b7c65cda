"""Imports a Swift target makes of modules it does not declare as its own dependencies.

    python3 scripts/tools/package_imports.py [PACKAGE_DIR ...]
        prints "TARGET imports MODULE" for each, and exits 1 if there is any

Why it matters: SwiftPM recompiles a target when the module of a direct dependency changes. A
module reached only through another target can change (a public struct losing a field) while
that target's own module stays byte for byte the same, so the importing target is not
recompiled and keeps the old field offsets. That is how a release build of the wasm shim
server once crashed on its first request after such a change.

Tests: python3 -m unittest discover -s scripts/tools (the test command runs them).
"""
import json
import os
import re
import subprocess
import sys

# Modules of the toolchain and the C library, which no package declares.
TOOLCHAIN_MODULES = {
    "Darwin", "Dispatch", "Foundation", "FoundationEssentials", "FoundationNetworking", "Glibc",
    "Musl", "Swift", "Synchronization", "Testing", "XCTest", "_Concurrency",
}

IMPORT = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*"  # attributes: @testable, @preconcurrency, @_spi(X)
    r"(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+"
    r"(?:(?:class|struct|enum|protocol|typealias|func|var|let)\s+)?(\w+)",
    re.MULTILINE)


def imports_under(directory):
    """Every module a Swift file under `directory` imports."""
    found = set()
    for root, _, files in os.walk(directory):
        for name in files:
            if name.endswith(".swift"):
                with open(os.path.join(root, name), encoding="utf-8") as source:
                    found.update(IMPORT.findall(source.read()))
    return found


def declared_dependencies(target):
    """The names of a target's direct dependencies: targets by name, products by product name
    (the same as their module's in every package CRIBench uses)."""
    names = set()
    for dependency in target["dependencies"]:
        for value in dependency.values():
            names.add(value[0])
    return names


def undeclared_imports(package_directory):
    """(target, module) for each module a target imports without declaring it."""
    manifest = json.loads(subprocess.run(
        ["swift", "package", "dump-package"], cwd=package_directory, check=True, capture_output=True,
        text=True).stdout)
    found = []
    for target in manifest["targets"]:
        if target["type"] in ("system", "binary", "plugin"):
            continue
        folder = "Tests" if target["type"] == "test" else "Sources"
        path = target.get("path") or os.path.join(folder, target["name"])
        missing = imports_under(os.path.join(package_directory, path)) - declared_dependencies(target)
        missing -= TOOLCHAIN_MODULES | {target["name"]}
        found.extend((target["name"], module) for module in sorted(missing))
    return found


def main(arguments):
    found = [(package, target, module) for package in (arguments or ["."])
             for target, module in undeclared_imports(package)]
    for package, target, module in found:
        print(f"{package}: target {target} imports {module} without declaring it as a dependency")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
