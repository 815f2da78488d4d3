# Conan 2 recipe for modelauth, a header-only library.
#
#   conan create . --build=missing
#
# Consumers then use find_package(modelauth CONFIG) and modelauth::modelauth,
# exactly as with the CMake install tree.
import os

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMakeToolchain, cmake_layout
from conan.tools.files import copy, load
import re


class ModelauthConan(ConanFile):
    name = "modelauth"
    description = ("Authentication and authorization for model-serving Boost.Beast "
                   "servers: model URL routing, JWT and API-key validation, scope policy")
    license = "BSL-1.0"
    url = "https://github.com/modelauth/modelauth"
    homepage = "https://github.com/modelauth/modelauth"
    topics = ("jwt", "jws", "oauth2", "beast", "authorization", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    exports_sources = "include/*", "cmake/*", "CMakeLists.txt", "LICENSE"
    no_copy_source = True
    # with_redis: the Redis token store (modelauth::redis, replicas) and hiredis.
    options = {"with_redis": [True, False]}
    # Boost.JSON and Boost.URL must be built; Beast, Asio and System are used as headers.
    default_options = {"with_redis": True, "boost/*:without_json": False, "boost/*:without_url": False}

    def set_version(self):
        # One source of truth: the project() line of CMakeLists.txt.
        text = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        self.version = re.search(r"project\(modelauth\s+VERSION\s+([0-9.]+)", text).group(1)

    def requirements(self):
        # Boost.JSON and Boost.URL are compiled Boost libraries; Beast, Asio and
        # System are headers. OpenSSL's libssl fetches remote key sets over HTTPS.
        self.requires("boost/[>=1.81.0 <2]", transitive_headers=True, transitive_libs=True)
        self.requires("openssl/[>=3.0 <4]", transitive_headers=True, transitive_libs=True)
        # The Redis store speaks RESP2 through hiredis's blocking API (Debian
        # ships 0.14; 1.x keeps that API).
        if self.options.with_redis:
            self.requires("hiredis/[>=1.0 <2]", transitive_headers=True, transitive_libs=True)

    def validate(self):
        check_min_cppstd(self, 17)

    def layout(self):
        cmake_layout(self)

    def package_id(self):
        self.info.clear()

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["MODELAUTH_BUILD_TESTS"] = False
        tc.cache_variables["MODELAUTH_BUILD_EXAMPLES"] = False
        tc.cache_variables["MODELAUTH_BUILD_BENCHMARKS"] = False
        tc.cache_variables["MODELAUTH_BUILD_FUZZ"] = False
        tc.generate()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"),
             os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "modelauth")
        self.cpp_info.set_property("cmake_target_name", "modelauth::modelauth")
        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "modelauth::modelauth")
        core.bindirs = []
        core.libdirs = []
        core.requires = ["boost::headers", "boost::json", "boost::url", "openssl::ssl", "openssl::crypto"]
        if self.settings.os in ("Linux", "FreeBSD"):
            core.system_libs = ["pthread"]
        if self.options.with_redis:
            redis = self.cpp_info.components["redis"]
            redis.set_property("cmake_target_name", "modelauth::redis")
            redis.bindirs = []
            redis.libdirs = []
            redis.requires = ["core", "hiredis::hiredis"]
