# How the test executables are built, registered and laid out.
#
# The build tree has the install tree's shape, so that `nsprobe run` finds its suites the
# same way in both, relative to its own executable:
#   bin/nsprobe
#   libexec/nsprobe/<kind>_test, libexec/nsprobe/suites.json   the conformance suites
#   share/nsprobe/...                                          data (workflows, LAVA, schema)
#   tests/<name>_test                                          the tool's own tests (not installed)
include(GoogleTest)

# Everything built on gtest (the conformance suites, their support and adapters, the tool's own
# tests) compiles with -Og -g1 and one precompiled header (cmake/NsprobePch.cmake): a suite's
# time is the kernel's (clone, mount, setns, the processes it starts), not its own code's, and
# -Og compiles these gtest/gmock-heavy files in about two thirds of the CPU of -O2 (net_test.cpp
# 9.97 s -> 6.43 s without the PCH; lava_test.cpp 27.3 s -> 12.4 s at -O2 -g), with line tables
# left for a backtrace.
if(NSPROBE_PCH)
  nsprobe_pch_host(nsprobe_pch_gtest NSPROBE_PCH_TEST_HEADERS GTest::gtest GTest::gmock)
  target_compile_options(nsprobe_pch_gtest PRIVATE $<$<CONFIG:RelWithDebInfo,Release>:-Og -g1>)
endif()
function(nsprobe_gtest_flags)
  foreach(target ${ARGN})
    target_compile_options(${target} PRIVATE $<$<CONFIG:RelWithDebInfo,Release>:-Og -g1>)
    nsprobe_use_pch(nsprobe_pch_gtest ${target})
  endforeach()
endfunction()

set(NSPROBE_LIBEXEC_DIR ${CMAKE_BINARY_DIR}/${CMAKE_INSTALL_LIBEXECDIR}/nsprobe)
set(NSPROBE_TESTS_DIR ${CMAKE_BINARY_DIR}/tests)

# Every case is its own ctest test, labelled; every case requires the host-hygiene fixture
# (suites/CMakeLists.txt), so `ctest -L pid` gets the before/after snapshot too.
# Extra arguments are further ctest properties (name value ...).
function(nsprobe_register_gtest target label)
  gtest_discover_tests(${target} DISCOVERY_TIMEOUT 30
                       PROPERTIES LABELS "${label}" TIMEOUT 120 FIXTURES_REQUIRED host ${ARGN})
endfunction()

# A test of the tool itself (the runtime's or the command's), beside the code it tests; built
# into tests/, never installed, never run by `nsprobe run`. Extra arguments are libraries;
# RUN_SERIAL among them runs its cases with no other test beside them.
function(nsprobe_tool_test source label)
  cmake_parse_arguments(arg "RUN_SERIAL" "" "" ${ARGN})
  get_filename_component(name ${source} NAME_WE)
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE nsprobe_test_support GTest::gtest_main GTest::gmock
                                        nsprobe_warnings ${arg_UNPARSED_ARGUMENTS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${NSPROBE_TESTS_DIR})
  nsprobe_gtest_flags(${name})
  # Tests that run the command find it beside them (tests/../bin/nsprobe).
  add_dependencies(${name} nsprobe)
  if(arg_RUN_SERIAL)
    nsprobe_register_gtest(${name} ${label} RUN_SERIAL TRUE)
  else()
    nsprobe_register_gtest(${name} ${label})
  endif()
  set_property(GLOBAL APPEND PROPERTY NSPROBE_TOOL_TESTS "${name}|${label}")
endfunction()
