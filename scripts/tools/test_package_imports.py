import os
import shutil
import tempfile
import textwrap
import unittest

import package_imports

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A package whose targets reach Core only through Middle and import it anyway, each in another
# form: plain with an attribute, @testable, and an access-level import of one declaration.
FIXTURE_MANIFEST = """\
// swift-tools-version: 5.9
import PackageDescription

let package = Package(
    name: "Fixture",
    targets: [
        .target(name: "Core"),
        .target(name: "Middle", dependencies: ["Core"]),
        .executableTarget(name: "App", dependencies: ["Middle"]),
        .testTarget(name: "AppTests", dependencies: ["Middle"]),
        .target(name: "Tools", dependencies: ["Middle"]),
    ]
)
"""

FIXTURE_SOURCES = {
    "Sources/Core/Core.swift": "public struct Bundle { public let path: String }\n",
    "Sources/Middle/Middle.swift": "import Core\npublic func open() -> Bundle { Bundle(path: \"/\") }\n",
    "Sources/App/main.swift": (
        "#if canImport(Glibc)\nimport Glibc\n#endif\nimport Middle\n@preconcurrency import Core\n"),
    "Tests/AppTests/AppTests.swift": "import Testing\n@testable import Middle\n@testable import Core\n",
    "Sources/Tools/Tools.swift": "// import Unused\nimport Middle\npublic import struct Core.Bundle\n",
}


@unittest.skipIf(shutil.which("swift") is None, "needs the Swift toolchain (swift package dump-package)")
class PackageImportsTests(unittest.TestCase):
    def fixture(self):
        directory = tempfile.mkdtemp(prefix="cribench-package-")
        self.addCleanup(shutil.rmtree, directory)
        with open(os.path.join(directory, "Package.swift"), "w") as manifest:
            manifest.write(FIXTURE_MANIFEST)
        for path, text in FIXTURE_SOURCES.items():
            os.makedirs(os.path.join(directory, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(directory, path), "w") as source:
                source.write(textwrap.dedent(text))
        return directory

    def test_a_module_reached_only_through_another_target_is_found(self):
        self.assertEqual(
            package_imports.undeclared_imports(self.fixture()),
            [("App", "Core"), ("AppTests", "Core"), ("Tools", "Core")])

    def test_cribenchs_packages_declare_every_module_they_import(self):
        for package in (REPOSITORY, os.path.join(REPOSITORY, "runtime")):
            with self.subTest(package=package):
                self.assertEqual(package_imports.undeclared_imports(package), [])


if __name__ == "__main__":
    unittest.main()
