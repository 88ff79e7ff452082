# Helpers: custody_add_module, custody_add_test, warnings and sanitizers.

set(CUSTODY_WARNINGS -Wall -Wextra -Wno-missing-field-initializers)
# GCC 12 reports false -Wrestrict overlaps inside libstdc++'s std::string
# at -O3 (GCC bug 105329): not our code, and a -Werror build would stop on it.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND CUSTODY_WARNINGS -Wno-restrict)
endif()
if(CUSTODY_WERROR)
  list(APPEND CUSTODY_WARNINGS -Werror)
endif()

if(CUSTODY_SANITIZE)
  string(REPLACE "," ";" _san_list "${CUSTODY_SANITIZE}")
  string(REPLACE ";" "," _san_flag "${_san_list}")
  add_compile_options(-fsanitize=${_san_flag} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  # GCC's flow analysis reports false "maybe uninitialized" warnings inside
  # libstdc++ (std::function, std::regex) once sanitizers instrument the code.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
  add_link_options(-fsanitize=${_san_flag})
  add_compile_definitions(CUSTODY_SANITIZED=1)
endif()

if(CUSTODY_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "CUSTODY_FUZZ needs clang and libFuzzer: configure with "
                        "-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang")
  endif()
  # Coverage instrumentation for every library, so that libFuzzer is guided
  # by the parsers' branches, not only the fuzz targets'; the targets link
  # the fuzzer runtime (fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# custody_add_module(NAME SOURCES ... DEPS ... [PRIVATE_DEPS ...])
# Defines library target custody_<NAME>; include root is src/.
function(custody_add_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(custody_${name} STATIC ${M_SOURCES})
  target_include_directories(custody_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(custody_${name} PRIVATE ${CUSTODY_WARNINGS})
  target_link_libraries(custody_${name} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
endfunction()

# custody_add_test(NAME SOURCES ... DEPS ... [LABELS ...] [LABEL_PATTERNS "REGEX=LABEL" ...])
# Each test binary is discovered by gtest_discover_tests and labelled; the
# test's working directory is the source root so ../shared resolves. A test
# whose name matches a LABEL_PATTERNS regex also gets that label (e.g. the
# PostgreSQL instances of a suite that runs on both catalog backends).
function(custody_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;DEPS;LABELS;LABEL_PATTERNS" ${ARGN})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_compile_options(${name} PRIVATE ${CUSTODY_WARNINGS})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    CUSTODY_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    CUSTODY_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]"
    DISCOVERY_TIMEOUT 60)
  # Labels are applied by a script that ctest runs after the discovered tests
  # are included: a list value cannot pass through gtest_discover_tests'
  # PROPERTIES intact.
  set(_label_file ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake)
  set(_pattern_lines "")
  foreach(_p IN LISTS T_LABEL_PATTERNS)
    string(FIND "${_p}" "=" _eq REVERSE)
    string(SUBSTRING "${_p}" 0 ${_eq} _regex)
    math(EXPR _after "${_eq} + 1")
    string(SUBSTRING "${_p}" ${_after} -1 _label)
    string(APPEND _pattern_lines
      "  if(\"\${_t}\" MATCHES \"${_regex}\")\n"
      "    list(APPEND _labels ${_label})\n"
      "  endif()\n")
  endforeach()
  file(WRITE ${_label_file}
    "foreach(_t IN LISTS ${name}_TESTS)\n"
    "  set(_labels \"${T_LABELS}\")\n"
    "${_pattern_lines}"
    "  set_tests_properties(\"\${_t}\" PROPERTIES LABELS \"\${_labels}\")\n"
    "endforeach()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${_label_file})
endfunction()
