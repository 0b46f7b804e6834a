# Precompiled headers: the standard and third-party headers that nearly every file parses
# (fmt, nlohmann/json, and in the tests gtest/gmock), parsed once per set of compile flags
# instead of once per file. GCC refuses a PCH built with other -O flags, so there is one per
# set: the installed code at -O2 (nsprobe, the runtime, the observer, the benchmarks), and
# everything built on gtest at -Og (the suites and the tool's tests, cmake/NsprobeTests.cmake).
# Each is built by a small object library of its own that nothing links, so that a target reusing it
# (REUSE_FROM depends on its owner) never waits for, or cycles through, a real library.
# CMake adds -Winvalid-pch: with -Werror a PCH that does not fit is an error, not a silent
# slowdown. The PCH is force-included and nothing installs a header, so it never leaves the
# build tree. Building with -DNSPROBE_PCH=OFF checks that every file includes what it uses.
option(NSPROBE_PCH "Precompile the standard and third-party headers most files include" ON)

# A unity build for nsprobe_ci: its files compiled eight to a translation unit, so that each
# template they share (nlohmann/json's parser and serializer, fmt, CLI11, the standard
# containers) is instantiated and optimised once per eight files instead of once per file. At -O2
# that, not parsing, is most of a file's time: nsprobe_runtime and nsprobe_ci cold took 150 s
# user + 9 s sys in 7 + 7 units, against about 367 s in 72 files. The libraries the installed
# suites and the observer link stay file by file: a program links a static library's objects
# whole (a unit of eight put fingerprint.cpp's zlib into every suite; the observer grew from 1.6
# to 3.2 MB), and a unit includes its files by absolute path, which ccache's base_dir does not
# rewrite, so their __FILE__ (gtest's messages) named the checkout in the installed suites
# (install.moved_prefix). compile_commands.json lists the units, not the files: clang-tidy
# needs -DNSPROBE_UNITY=OFF (and -DNSPROBE_PCH=OFF).
option(NSPROBE_UNITY "Compile nsprobe_ci as a unity build (eight files a unit)" ON)
function(nsprobe_unity)
  if(NSPROBE_UNITY)
    set_target_properties(${ARGN} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  endif()
endfunction()

set(NSPROBE_PCH_CODE_HEADERS
  <algorithm> <chrono> <cstdint> <filesystem> <functional> <map> <memory> <optional> <set>
  <string> <string_view> <utility> <vector>
  <fmt/format.h> <nlohmann/json.hpp>)
set(NSPROBE_PCH_TEST_HEADERS ${NSPROBE_PCH_CODE_HEADERS} <gtest/gtest.h> <gmock/gmock.h>)

# The fmt the runtime links: a shared fmt::fmt defines FMT_SHARED, which the PCH and every file
# using it must agree on, so the hosts and the users all link it.
set(NSPROBE_FMT $<IF:$<BOOL:${NSPROBE_STATIC}>,nsprobe_fmt,fmt::fmt>)

# nsprobe_pch_host(<name> <headers-var> [libraries...]): the object library owning one PCH.
function(nsprobe_pch_host name headers)
  add_library(${name} OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch_host.cpp)
  target_link_libraries(${name} PRIVATE nsprobe_warnings nlohmann_json::nlohmann_json
                                        ${NSPROBE_FMT} ${ARGN})
  target_precompile_headers(${name} PRIVATE ${${headers}})
endfunction()

# nsprobe_use_pch(<host> <targets...>): the targets include the host's PCH.
function(nsprobe_use_pch host)
  if(NSPROBE_PCH)
    foreach(target ${ARGN})
      target_precompile_headers(${target} REUSE_FROM ${host})
      target_link_libraries(${target} PRIVATE ${NSPROBE_FMT})
    endforeach()
  endif()
endfunction()

if(NSPROBE_PCH)
  # The installed code's flags.
  nsprobe_pch_host(nsprobe_pch_code NSPROBE_PCH_CODE_HEADERS)
endif()
