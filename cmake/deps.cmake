# Third-party dependencies, all from Debian packages (scripts/install-deps).
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
# Debian's cpp-httplib is a compiled library (with OpenSSL, zlib and brotli
# support); its pkg-config file carries the matching CPPHTTPLIB_* defines.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
# The catalog's PostgreSQL backend (libpqxx-dev) is optional: without it the
# build still works, and a postgresql:// catalog reports that custody was
# built without PostgreSQL support.
# -DCUSTODY_POSTGRESQL=OFF builds without it even when libpqxx is there.
option(CUSTODY_POSTGRESQL "Build the PostgreSQL catalog backend when libpqxx is found" ON)
if(CUSTODY_POSTGRESQL)
  pkg_check_modules(PQXX IMPORTED_TARGET libpqxx)
endif()
if(CUSTODY_POSTGRESQL AND PQXX_FOUND)
  set(CUSTODY_WITH_POSTGRESQL ON)
  message(STATUS "catalog: PostgreSQL backend with libpqxx ${PQXX_VERSION}")
else()
  set(CUSTODY_WITH_POSTGRESQL OFF)
  message(STATUS "catalog: building without the PostgreSQL backend (libpqxx not found or "
                 "CUSTODY_POSTGRESQL=OFF)")
endif()
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(simdjson REQUIRED)
find_package(roaring REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
find_package(Threads REQUIRED)
