# Spack recipe for parkit.  Use it from this repository as a Spack package repository:
#
#   spack repo add packaging/spack            # this folder holds repo.yaml and packages/
#   spack install parkit@main +mpi            # or, from a checkout:  spack dev-build parkit@main
#
# The CMake options it sets (-D...) are checked against the CMake sources by the ctest test
# install.recipes, so renaming an option there breaks that test, not a user's build.

from spack.package import *


class Parkit(CMakePackage):
    """Parallel kernels on CPUs (serial, OpenMP, MPI), measured and verified against
    independent references, with CSV/JSON provenance; and a libcurl download module
    (sequential, thread pool, multi interface)."""

    # No public release yet: point `git` at the repository you build from (or use
    # `spack dev-build` / `spack develop` on a checkout).
    homepage = "https://example.invalid/parkit"
    git = "https://example.invalid/parkit.git"

    version("main", branch="main")

    variant("mpi", default=True, description="Build the MPI backend (mpi and hybrid modes)")
    variant("fetch", default=True, description="Build `parkit fetch`, the libcurl download module")
    variant("flint", default=True, description="Multiply huge numbers (primorial) with FLINT's FFT")
    variant(
        "native",
        default=False,
        description="Compile with -march=native (Spack already targets the chosen microarchitecture)",
    )

    depends_on("c", type="build")   # Spack >= 0.23: the compiler as a dependency
    depends_on("cmake@3.20:", type="build")
    depends_on("pkgconfig", type="build")
    depends_on("gmp")
    depends_on("json-c")
    depends_on("curl@7.85:", when="+fetch")
    depends_on("flint@2.9:", when="+flint")
    depends_on("mpi", when="+mpi")
    # only for `spack install --test=root parkit` (the unit tests and the download test server)
    depends_on("cmocka", type="test")
    depends_on("libmicrohttpd", type="test")

    # OpenMP comes with the compiler (GCC's libgomp, Clang's libomp).

    sanity_check_is_file = [join_path("bin", "parkit"), join_path("share", "man", "man1", "parkit.1")]
    sanity_check_is_dir = [join_path("share", "parkit", "jobs")]

    def cmake_args(self):
        return [
            self.define_from_variant("PK_WITH_MPI", "mpi"),
            self.define_from_variant("PK_WITH_FETCH", "fetch"),
            self.define_from_variant("PK_WITH_FLINT", "flint"),
            self.define_from_variant("PK_NATIVE", "native"),
            self.define("BUILD_TESTING", self.run_tests),
        ]

    @run_after("install")
    def check_installed_binary(self):
        """The installed parkit starts and verifies a tiny run (pi(1000) = 168)."""
        parkit = Executable(join_path(self.prefix.bin, "parkit"))
        version = parkit("--version", output=str, error=str)
        if not version.startswith("parkit "):
            raise InstallError(f"parkit --version printed {version!r}")
        row = parkit("primes", "1000", "--threads", "2", "--format", "csv", output=str, error=str)
        if "primes,1000," not in row or ",168,true," not in row:
            raise InstallError(f"parkit primes 1000 did not verify pi(1000) = 168:\n{row}")

    def test_primes(self):
        """`spack test run parkit`: pi(10^6) = 78498, verified"""
        parkit = which(self.prefix.bin.parkit)
        out = parkit("primes", "1e6", "--format", "csv", output=str.split, error=str.split)
        assert ",78498,true," in out
