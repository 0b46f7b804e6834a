# How the test executables are built, registered and laid out.
#
# The build tree has the install tree's shape, so that `nsprobe run` finds its suites the
# same way in both, relative to its own executable:
#   bin/nsprobe
#   libexec/nsprobe/<kind>_test, libexec/nsprobe/suites.json   the conformance suites
#   share/nsprobe/...                                          data (workflows, LAVA, schema)
#   tests/<name>_test                                          the tool's own tests (not installed)
include(GoogleTest)

# The tests' precompiled headers (cmake/NsprobePch.cmake): the conformance suites and the test
# fixtures are built with the installed code's flags, the tool's own tests with -Og -g1 (below).
if(NSPROBE_PCH)
  nsprobe_pch_host(nsprobe_pch_gtest NSPROBE_PCH_TEST_HEADERS GTest::gtest GTest::gmock)
  nsprobe_pch_host(nsprobe_pch_tool_test NSPROBE_PCH_TEST_HEADERS GTest::gtest GTest::gmock)
  target_compile_options(nsprobe_pch_tool_test PRIVATE $<$<CONFIG:RelWithDebInfo,Release>:-Og -g1>)
endif()

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
  # Never installed and never timed, so built for a quick first build: -Og -g1 compiles these
  # gtest/gmock-heavy files in less than half the CPU of -O2 -g (lava_test.cpp: 27.3 s -> 12.4 s,
  # matrix_test.cpp: 21.4 s -> 9.5 s), with line tables left for a backtrace.
  target_compile_options(${name} PRIVATE $<$<CONFIG:RelWithDebInfo,Release>:-Og -g1>)
  nsprobe_use_pch(nsprobe_pch_tool_test ${name})
  # Tests that run the command find it beside them (tests/../bin/nsprobe).
  add_dependencies(${name} nsprobe)
  if(arg_RUN_SERIAL)
    nsprobe_register_gtest(${name} ${label} RUN_SERIAL TRUE)
  else()
    nsprobe_register_gtest(${name} ${label})
  endif()
  set_property(GLOBAL APPEND PROPERTY NSPROBE_TOOL_TESTS "${name}|${label}")
endfunction()
